import { flowHost } from '../../capture/flow.ts';
import { explainFinding } from '../../detect/finding.ts';
import type { Finding } from '../../model/finding.ts';
import type { Flow } from '../../model/flow.ts';
import type { Gap } from '../../model/gap.ts';
import { DATA_NAMES, dataText } from '../claim-terms.ts';
import {
  blindGaps,
  capital,
  findingEvidence,
  type Judgement,
  type JudgeScope,
  selects,
} from '../judgement.ts';
import { type RecipientDomains, recipientDomains } from '../recipients.ts';

/** What a rule about where the claim's data may travel says of one finding. */
export interface TokenRule {
  /** Does a token reaching this host (over this transport) break the rule? */
  breaks(host: string, transport: Flow['transport'], domains: RecipientDomains): boolean;
  /** Why a finding that breaks the rule does, as a clause. */
  why(f: Finding, domains: RecipientDomains): string;
  /** Whether a gap to this host could hide a finding that breaks the rule (default: traffic to it would). */
  hostMatters?(host: string, domains: RecipientDomains, gap: Gap): boolean;
}

/**
 * The judge of the rules about the claim's planted data in traffic (may-go-to, must-not-go-to,
 * encrypted-in-transit): fails on a finding that breaks the rule, is blind where a gap could hide one,
 * and cannot pass when nothing of the claim's data was planted.
 */
export function judgeTokens(rule: TokenRule, scope: JudgeScope, judged: Judgement): void {
  const { claim, records, flowsById, onlyToken } = scope;
  let seen = 0;
  for (const r of records) {
    const domains = recipientDomains(r.recipients);
    for (const f of r.findings) {
      if (onlyToken !== undefined ? f.token !== onlyToken : !claim.data.some((d) => selects(d, f))) continue;
      seen++;
      if (!rule.breaks(f.host, f.transport, domains)) continue;
      const why = rule.why(f, domains);
      judged.violations.push({
        sentence: `${capital(explainFinding(f))}; ${why}.`,
        evidence: [findingEvidence(f, `${why}.`)],
      });
    }
  }

  blindGaps(
    records,
    flowsById,
    {
      host: (host, domains, gap) =>
        rule.hostMatters ? rule.hostMatters(host, domains, gap) : rule.breaks(host, 'https', domains),
      flow: (flow, domains) => rule.breaks(flowHost(flow), flow.transport, domains),
    },
    judged,
  );

  // Nothing to find if nothing was planted: a claim about data the run never had cannot pass.
  const tokens = records.flatMap((r) => r.tokens);
  for (const d of claim.data) {
    const planted = tokens.some((t) => selects(d, { dataClass: t.dataClass, tokenKind: t.kind }));
    if (!planted && records.length > 0 && onlyToken === undefined) {
      judged.blind.add(`No scenario planted or knew any ${DATA_NAMES[d]}, so none could be looked for.`);
    }
  }
  judged.passSentence =
    seen === 0
      ? `None of the ${dataText(claim.data)} was found in ${flowsById.size} requests.`
      : `${seen} finding${seen === 1 ? '' : 's'} of ${dataText(claim.data)} in ${flowsById.size} requests, none breaking the rule.`;
}
