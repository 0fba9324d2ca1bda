import { explainGap } from '../capture/gap.ts';
import type { Finding } from '../model/finding.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { ScenarioRecord, TargetRecord } from '../model/run-record.ts';
import type { Evidence, Verdict } from '../model/verdict.ts';
import type { ClaimBase, DataSelector } from './claim-terms.ts';
import { classify, type RecipientDomains, recipientDomains } from './recipients.ts';

/**
 * What a rule kind's judge found on one cell, sorted by how it decides the verdict; evaluate.ts turns
 * it into the verdict by the fail-closed precedence.
 */
export class Judgement {
  /** Findings that break the rule, each a sentence with its evidence: any one makes the verdict fail. */
  violations: { sentence: string; evidence: Evidence[] }[] = [];
  /** The harness broke: error, unless a violation was seen. */
  broken = new Set<string>();
  /** Something relevant could not be seen: inconclusive, never pass. */
  blind = new Set<string>();
  /** Said beside an inconclusive or a pass verdict. */
  notes = new Set<string>();
  /** Said in every verdict, fail included: what the user accepted not to see. */
  caveats = new Set<string>();
  unsealed: Verdict['unsealed'];
  /** The sentence a pass verdict gives after the rule's clause: what was looked at and found harmless. */
  passSentence = '';
}

/** Everything a rule kind's judge reads: the claim, the cell's target and its records in scope. */
export interface JudgeScope {
  claim: ClaimBase;
  /** The cell's target (id includes the mode). */
  target: TargetRecord;
  /** The records the claim is about (the cell's mode, or both modes for a rule that compares them). */
  records: ScenarioRecord[];
  /** The flows of those records. */
  flows: Flow[];
  flowsById: Map<string, Flow>;
  /** Set by the `toSend` matcher: only findings of this exact token count, and nothing planted is required. */
  onlyToken: string | undefined;
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A gap as a sentence of a verdict's reason. */
export function gapSentence(gap: Gap): string {
  return `${capital(explainGap(gap)).replace(/\.?$/, '.')}`;
}

export function selects(selector: DataSelector, f: Pick<Finding, 'dataClass' | 'tokenKind'>): boolean {
  return selector === 'any-canary' ? f.tokenKind === 'canary' : f.dataClass === selector;
}

export function classText(host: string, domains: RecipientDomains): string {
  const names: Record<string, string> = {
    'search-engine': 'the search engine',
    site: 'a visited site',
    vendor: "the target's maker",
    'third-party': 'a third party',
  };
  return classify(host, domains)
    .map((c) => names[c])
    .join(' and ');
}

export function findingEvidence(f: Finding, says: string): Evidence {
  return tokenEvidence(f, { flow: f.flowId, host: f.host, url: f.url, method: f.method }, says);
}

/**
 * Evidence of a token found where `at` says (a flow, or a file of the device standing in for one),
 * with the sentence `says`: the method only where `at` names one.
 */
export function tokenEvidence(
  f: Pick<Finding, 'where' | 'chain' | 'token' | 'label' | 'dataClass' | 'excerpt'>,
  at: Pick<Evidence, 'flow' | 'host' | 'url'> & { method?: string },
  says: string,
): Evidence {
  const { flow, host, url } = at;
  const { where, chain, token, label, dataClass, excerpt } = f;
  const method = 'method' in at ? { method: at.method } : {};
  return { flow, host, url, where, chain, token, label, dataClass, excerpt, ...method, says };
}

/**
 * Which gaps hide something this rule cares about. `hostMatters` says whether traffic to a host could
 * break the rule; `flowMatters` whether a flow's unread part could. Interrupted scenarios are counted
 * from the records' status; `not-sealed` is a note, not a blind spot (it is true of every run without
 * a network namespace, and the reason says so).
 */
export function blindGaps(
  records: ScenarioRecord[],
  flowsById: Map<string, Flow>,
  matters: {
    host(host: string, domains: RecipientDomains, gap: Gap): boolean;
    flow(flow: Flow, domains: RecipientDomains): boolean;
  },
  judged: Judgement,
): void {
  for (const r of records) {
    const domains = recipientDomains(r.recipients);
    for (const gap of r.gaps) {
      let relevant: boolean;
      switch (gap.kind) {
        case 'interrupted':
        case 'capture-lost':
          // Flows that were captured but cannot be read back could have carried anything.
          relevant = true;
          break;
        case 'not-sealed':
        // A file left unread on the device hides nothing about what went over the network.
        case 'file-unread':
          relevant = false;
          break;
        case 'decode-bound': {
          const flow = gap.flowId ? flowsById.get(gap.flowId) : undefined;
          // A bound on a flow we cannot find could be any flow: it matters.
          relevant = flow ? matters.flow(flow, domains) : true;
          break;
        }
        case 'bypass':
          // A bypass read in full (a DNS query name without a token) hid nothing.
          relevant = !gap.observed && matters.host(gap.host ?? '', domains, gap);
          break;
        case 'tls-opaque':
        case 'capture-error':
        case 'still-sending':
          relevant = matters.host(gap.host ?? '', domains, gap);
          break;
      }
      if (relevant) judged.blind.add(gapSentence(gap));
    }
  }
}
