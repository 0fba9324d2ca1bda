import type { Token } from '../model/token.ts';
import type { Verdict } from '../model/verdict.ts';
import { notApplicableBecause } from './applicability.ts';
import { RECIPIENT_CLASSES, type Recipient, type RecipientClass } from './claim-terms.ts';
import { evaluate, evaluateWith } from './evaluate.ts';
import { provenRecipient, recipientDomains, recipientsText } from './recipients.ts';
import type { RunView } from './run-view.ts';
import type { Claim } from './schema.ts';

/**
 * Assertions on a RunView, as pure functions returning `{ pass, message }` in the shape
 * `expect.extend` wants (fixtures/matchers.ts wraps them). Both fail closed under `.not`: a negated
 * assertion that cannot be proven (something relevant was not seen) fails, with the reason.
 */
export interface AssertionResult {
  pass: boolean;
  message: () => string;
  verdict: Verdict | null;
}

function evidenceLines(v: Verdict): string {
  if (v.evidence.length === 0) return '';
  const lines = v.evidence
    .slice(0, 8)
    .map(
      (e) =>
        `  - ${e.host} ${e.where}${e.chain.length ? ` via ${e.chain.join(' → ')}` : ''}: «${e.token}» (flow ${e.flow})`,
    );
  return `\nEvidence:\n${lines.join('\n')}`;
}

/**
 * `expect(run).toSatisfy(claim)`: passes when the claim's verdict is pass. Under `.not` it passes only
 * on a fail verdict: inconclusive, error or a claim that does not apply make both forms fail.
 */
export function satisfies(view: RunView, claim: Claim, isNot: boolean): AssertionResult {
  const verdict = evaluate(claim, view);
  if (!verdict) {
    const why =
      notApplicableBecause(claim, view) ?? `Claim “${claim.says}” does not apply to ${view.target.id}.`;
    const says = `${why} So it can neither hold nor fail.`;
    return { pass: isNot, message: () => says, verdict };
  }
  const text = `${verdict.reason}${evidenceLines(verdict)}`;
  if (verdict.status === 'pass')
    return { pass: true, message: () => `Expected the claim to fail, but it holds. ${text}`, verdict };
  if (verdict.status === 'fail') return { pass: false, message: () => text, verdict };
  // Undecided: make the assertion fail whichever way it was asked.
  return { pass: isNot, message: () => text, verdict };
}

export interface SendOptions {
  /** A recipient class (`search-engine`, `site`, `vendor`, `third-party`) or a domain; default: anyone. */
  to?: RecipientClass | string;
}

function toRecipient(to: string): Recipient {
  return (RECIPIENT_CLASSES as readonly string[]).includes(to)
    ? (to as RecipientClass)
    : { domain: to.toLowerCase() };
}

/**
 * `expect(run).toSend(canary, { to: 'third-party' })`: passes when a finding of that exact token went to
 * that recipient. `expect(run).not.toSend(...)` passes only when it was not sent and nothing relevant
 * went unseen (no gap toward such a recipient, no unfinished scenario).
 */
export function sends(
  view: RunView,
  canary: string | Token,
  options: SendOptions,
  isNot: boolean,
): AssertionResult {
  const value = typeof canary === 'string' ? canary : canary.value;
  const recipients: Recipient[] = options.to ? [toRecipient(options.to)] : [...RECIPIENT_CLASSES];
  const to = options.to ? recipientsText(recipients) : 'anyone';
  const claim: Claim = {
    id: 'sends',
    says: `${view.target.id} does not send "${value}" to ${to}`,
    when: { mode: 'any', consent: 'any' },
    data: ['any-canary', 'device-ids', 'device-info'],
    rule: { kind: 'must-not-go-to', recipients },
  };
  const verdict = evaluateWith(claim, view, { token: value });
  const status = verdict?.status ?? 'inconclusive';
  // The rule fails closed (an IP literal could be the recipient); "it was sent there" needs a finding
  // whose host is known to be the recipient.
  const proven =
    !options.to ||
    view.records.some((r) => {
      const domains = recipientDomains(r.recipients);
      return r.findings.some(
        (f) =>
          f.token === value &&
          r.target.id === view.target.id &&
          provenRecipient(f.host, recipients[0]!, domains),
      );
    });
  if (status === 'fail' && verdict && !proven) {
    const hosts = [...new Set(verdict.evidence.map((e) => e.host || '(no host)'))].join(', ');
    // Undecided: the assertion fails whichever way it was asked.
    return {
      pass: isNot,
      message: () =>
        `Could not tell whether ${view.target.id} sent "${value}" to ${to}: it went to ${hosts}, which cannot be shown to be ${to} (an IP address could be anyone's).${evidenceLines(verdict)}`,
      verdict,
    };
  }
  if (status === 'fail' && verdict) {
    return {
      pass: true,
      message: () =>
        `Expected ${view.target.id} not to send "${value}" to ${to}, but it did.${evidenceLines(verdict)}\n${verdict.reason}`,
      verdict,
    };
  }
  if (status === 'pass') {
    return {
      pass: false,
      message: () =>
        `Expected ${view.target.id} to send "${value}" to ${to}, but it was not found in ${view.flows.length} requests.`,
      verdict,
    };
  }
  const why = verdict?.reason ?? '';
  return {
    pass: isNot,
    message: () =>
      `Could not tell whether ${view.target.id} sent "${value}" to ${to}: it was not seen, but not everything relevant could be seen. ${why}`,
    verdict,
  };
}
