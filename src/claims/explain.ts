import { RULE_KINDS, type RuleKind, ruleKindOf } from './rules/registry.ts';
import type { Claim } from './schema.ts';

/** One rule kind: its id and what it checks, as a clause. */
export interface RuleKindInfo {
  id: RuleKind;
  /** One sentence: what this kind of rule checks. */
  explain(): string;
}

/** The rule kinds there are, each with its explanation. */
export function ruleKinds(): RuleKindInfo[] {
  return RULE_KINDS.map((id) => ({ id, explain: () => ruleKindOf(id).explain() }));
}

/** Look up a rule kind; an unknown id fails with the list of known ids. */
export function ruleKind(id: string): RuleKindInfo {
  const found = ruleKinds().find((k) => k.id === id);
  if (!found) throw new Error(`unknown rule kind "${id}"; known rule kinds: ${RULE_KINDS.join(', ')}`);
  return found;
}

/** What a rule checks, as a clause: `search terms in incognito mode go to no one but the search engine`. */
export function ruleText(claim: Claim): string {
  return ruleKindOf(claim.rule.kind).text(claim.rule, claim);
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
