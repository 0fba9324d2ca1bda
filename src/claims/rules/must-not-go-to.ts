import { isIP } from 'node:net';
import { z } from 'zod';
import { dataText, type Recipient, recipientInput, toRecipient, whenText } from '../claim-terms.ts';
import { classText } from '../judgement.ts';
import { matchesAny, recipientsText } from '../recipients.ts';
import { defineRuleKind } from './rule-kind.ts';
import { judgeTokens } from './token-rule.ts';

/** The claim's data must not go to any of these recipients. */
export interface MustNotGoToRule {
  kind: 'must-not-go-to';
  recipients: Recipient[];
}

export const mustNotGoTo = defineRuleKind({
  kind: 'must-not-go-to',
  input: z.array(recipientInput).min(1, { error: 'must name at least one recipient' }),
  needsData: true,
  needsAllTraffic: true,
  toRule: (recipients): MustNotGoToRule => ({
    kind: 'must-not-go-to',
    recipients: recipients.map(toRecipient),
  }),
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
