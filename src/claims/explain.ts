import { recipientsText } from './recipients.ts';
import { type Claim, type DataSelector, RULE_KINDS, type Rule, type RuleKind } from './schema.ts';

/** Plain names of data, for sentences. */
export const DATA_NAMES: Record<DataSelector, string> = {
  'search-terms': 'search terms',
  'visited-urls': 'visited URLs',
  'page-titles': 'page titles',
  'device-ids': 'device identifiers',
  'device-info': 'device information',
  'any-canary': 'planted canaries',
};

export function dataText(data: DataSelector[]): string {
  const names = data.map((d) => DATA_NAMES[d]);
  if (names.length <= 1) return names[0] ?? 'nothing';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function whenText(claim: Claim): string {
  const mode = claim.when.mode === 'any' ? '' : ` in ${claim.when.mode} mode`;
  const consent =
    claim.when.consent === 'any'
      ? ''
      : claim.when.consent === 'granted'
        ? ' once consent is granted'
        : ' without consent';
  return `${mode}${consent}`;
}

/** One rule kind: its id and what it checks, as a clause. */
export interface RuleKindInfo {
  id: RuleKind;
  /** One sentence: what this kind of rule checks. */
  explain(): string;
}

const RULE_INFO: Record<RuleKind, string> = {
  'may-go-to': 'Fails when the claim’s data is found in a request to any recipient outside the listed ones.',
  'must-not-go-to': 'Fails when the claim’s data is found in a request to any of the listed recipients.',
  'encrypted-in-transit': 'Fails when the claim’s data is found in a request sent over plain http or ws.',
  'unlinkable-modes':
    'Fails when the same high-entropy value (not a canary, not a constant of the fixture sites) is sent in both normal and incognito requests to the same party other than the site or search engine.',
  'declared-recipients-only': 'Fails when any request goes to a host outside the declared recipients.',
  'not-on-device':
    'Fails when the claim’s data is found in a file the browser wrote (profile, caches, its home folder) once the scenario closed; a file that could not be read makes it inconclusive.',
};

/** The rule kinds there are, each with its explanation. */
export function ruleKinds(): RuleKindInfo[] {
  return RULE_KINDS.map((id) => ({ id, explain: () => RULE_INFO[id] }));
}

/** Look up a rule kind; an unknown id fails with the list of known ids. */
export function ruleKind(id: string): RuleKindInfo {
  const found = ruleKinds().find((k) => k.id === id);
  if (!found) throw new Error(`unknown rule kind "${id}"; known rule kinds: ${RULE_KINDS.join(', ')}`);
  return found;
}

/** What a rule checks, as a clause: `search terms in incognito mode go to no one but the search engine`. */
export function ruleText(claim: Claim): string {
  const rule: Rule = claim.rule;
  const data = dataText(claim.data);
  const when = whenText(claim);
  switch (rule.kind) {
    case 'may-go-to':
      return rule.recipients.length === 0
        ? `${data}${when} are sent to no one`
        : `${data}${when} go to no one but ${recipientsText(rule.recipients)}`;
    case 'must-not-go-to':
      return `${data}${when} never go to ${recipientsText(rule.recipients)}`;
    case 'encrypted-in-transit':
      return `${data}${when} never travel over plain http or ws`;
    case 'unlinkable-modes':
      return `no value of ${rule.minLength} or more characters, other than canaries and fixture constants, is sent in both normal and incognito browsing to the same party other than the site or search engine`;
    case 'declared-recipients-only':
      return `every request${when} goes to ${recipientsText(rule.recipients)}`;
    case 'not-on-device':
      return `${data}${when} remain in no file the browser wrote, once it closed`;
  }
}

/** One sentence for a claim: what it says and what phonehome checks. */
export function explainClaim(claim: Claim): string {
  return `“${claim.says}” — checked as: ${ruleText(claim)}.`;
}

/** Look up a claim by id; an unknown id fails with the list of ids there are. */
export function getClaim(claims: Claim[], id: string): Claim {
  const found = claims.find((c) => c.id === id);
  if (!found) throw new Error(`unknown claim "${id}"; known claims: ${claims.map((c) => c.id).join(', ')}`);
  return found;
}
