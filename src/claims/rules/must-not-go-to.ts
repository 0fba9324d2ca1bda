import { isIP } from 'node:net';
import { dataText, whenText } from '../claim-terms.ts';
import { classText } from '../judgement.ts';
import { matchesAny, recipientsText } from '../recipients.ts';
import { defineRecipientsRuleKind, type RecipientsRule } from './rule-kind.ts';
import { judgeTokens } from './token-rule.ts';

/** The claim's data must not go to any of these recipients. */
export type MustNotGoToRule = RecipientsRule<'must-not-go-to'>;

export const mustNotGoTo = defineRecipientsRuleKind({
  kind: 'must-not-go-to',
  needsData: true,
  explain: () => 'Fails when the claim’s data is found in a request to any of the listed recipients.',
  text: (rule, claim) =>
    `${dataText(claim.data)}${whenText(claim)} never go to ${recipientsText(rule.recipients)}`,
  judge: (rule, scope, judged) =>
    judgeTokens(
      {
        // A bare IP address could be anyone's, one of the listed recipients included.
        breaks: (host, _transport, domains) =>
          !host || isIP(host) !== 0 || matchesAny(host, rule.recipients, domains),
        why: (f, domains) => `${f.host} is ${classText(f.host, domains)}`,
      },
      scope,
      judged,
    ),
});
