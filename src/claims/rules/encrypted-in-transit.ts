import { dataText, whenText } from '../claim-terms.ts';
import { defineFlagRuleKind } from './rule-kind.ts';
import { judgeTokens } from './token-rule.ts';

/** The claim's data never travels over plain `http` or `ws`. */
export type EncryptedInTransitRule = { kind: 'encrypted-in-transit' };

export const encryptedInTransit = defineFlagRuleKind({
  kind: 'encrypted-in-transit',
  needsData: true,
  // Plain-text traffic around the proxy breaks it as surely as a recipient breaks the others.
  needsAllTraffic: true,
  explain: () => 'Fails when the claim’s data is found in a request sent over plain http or ws.',
  text: (_rule, claim) => `${dataText(claim.data)}${whenText(claim)} never travel over plain http or ws`,
  judge: (_rule, scope, judged) =>
    judgeTokens(
      {
        breaks: (_host, transport) => transport === 'http' || transport === 'ws',
        why: (f) => `it travelled over plain ${f.transport}`,
        // A TLS connection nobody could open is still encrypted.
        hostMatters: (_host, _domains, gap) => gap.kind !== 'tls-opaque',
      },
      scope,
      judged,
    ),
});
