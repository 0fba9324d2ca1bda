import { flowHost } from '../../capture/flow.ts';
import type { Flow } from '../../model/flow.ts';
import { whenText } from '../claim-terms.ts';
import { blindGaps, classText } from '../judgement.ts';
import { matchesAny, type RecipientDomains, recipientDomains, recipientsText } from '../recipients.ts';
import { defineRecipientsRuleKind, type RecipientsRule } from './rule-kind.ts';

/** Every flow goes to one of these recipients. */
export type DeclaredRecipientsOnlyRule = RecipientsRule<'declared-recipients-only'>;

export const declaredRecipientsOnly = defineRecipientsRuleKind({
  kind: 'declared-recipients-only',
  needsData: false,
  explain: () => 'Fails when any request goes to a host outside the declared recipients.',
  text: (rule, claim) => `every request${whenText(claim)} goes to ${recipientsText(rule.recipients)}`,
  judge({ recipients: declared }, { records, flows, flowsById }, judged) {
    const recordOf = new Map(records.map((r) => [`${r.target.id}\u0000${r.scenario}`, r]));
    const byHost = new Map<string, { first: Flow; count: number; domains: RecipientDomains }>();
    for (const flow of flows) {
      const r = recordOf.get(`${flow.target}\u0000${flow.scenario}`);
      if (!r) continue;
      const domains = recipientDomains(r.recipients);
      const host = flowHost(flow);
      if (host && matchesAny(host, declared, domains)) continue;
      const entry = byHost.get(host) ?? { first: flow, count: 0, domains };
      entry.count++;
      byHost.set(host, entry);
    }
    for (const [host, e] of byHost) {
      const says = `${host} is ${classText(host, e.domains)}, not ${recipientsText(declared)}`;
      judged.violations.push({
        sentence: `${e.count} request${e.count === 1 ? '' : 's'} went to ${host}, which is ${classText(host, e.domains)}, not ${recipientsText(declared)} (first: flow ${e.first.id}, ${e.first.request.method} ${e.first.request.url.slice(0, 120)}).`,
        evidence: [
          {
            flow: e.first.id,
            host,
            url: e.first.request.url,
            where: 'host',
            chain: [],
            token: host,
            method: e.first.request.method,
            says: `${says}.`,
          },
        ],
      });
    }
    blindGaps(
      records,
      flowsById,
      {
        host: (host, domains) => !host || !matchesAny(host, declared, domains),
        // The host of a flow that was read is known; a decode bound hides nothing this rule needs.
        flow: () => false,
      },
      judged,
    );
    judged.passSentence = `All ${flows.length} requests went to declared recipients.`;
  },
});
