import { dataText, whenText } from '../claim-terms.ts';
import { classText } from '../judgement.ts';
import { matchesAny, recipientsText } from '../recipients.ts';
import { defineRecipientsRuleKind, type RecipientsRule } from './rule-kind.ts';
import { judgeTokens } from './token-rule.ts';

/** The claim's data may go only to these recipients (an empty list: to no one). */
export type MayGoToRule = RecipientsRule<'may-go-to'>;

export const mayGoTo = defineRecipientsRuleKind({
  kind: 'may-go-to',
  // The data may go only to these recipients; `[]` means to no one.
  mayBeEmpty: true,
  needsData: true,
  explain: () =>
    'Fails when the claim’s data is found in a request to any recipient outside the listed ones.',
  text: (rule, claim) =>
    rule.recipients.length === 0
      ? `${dataText(claim.data)}${whenText(claim)} are sent to no one`
      : `${dataText(claim.data)}${whenText(claim)} go to no one but ${recipientsText(rule.recipients)}`,
  judge: (rule, scope, judged) =>
    judgeTokens(
      {
        // A bare IP address could be anyone's: data sent there breaks the rule as far as anyone can tell.
        breaks: (host, _transport, domains) => !host || !matchesAny(host, rule.recipients, domains),
        why: (f, domains) =>
          rule.recipients.length === 0
            ? `${f.host} is ${classText(f.host, domains)}, and this data may go to no one`
            : `${f.host} is ${classText(f.host, domains)}, not ${recipientsText(rule.recipients)}`,
      },
      scope,
      judged,
    ),
});
