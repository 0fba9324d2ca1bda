import { declaredRecipientsOnly } from './declared-recipients-only.ts';
import { encryptedInTransit } from './encrypted-in-transit.ts';
import { mayGoTo } from './may-go-to.ts';
import { mustNotGoTo } from './must-not-go-to.ts';
import { notOnDevice } from './not-on-device.ts';
import { notTiedToSurvivingIdentifier } from './not-tied-to-surviving-identifier.ts';
import type { RuleKindDefinition } from './rule-kind.ts';
import { unlinkableModes } from './unlinkable-modes.ts';

/**
 * The rule kinds there are, by the key a claim file writes them under. A claim names exactly one.
 * Adding a kind: a file in this folder (rule-kind.ts says what it holds) and a line here.
 */
export const RULES = {
  mayGoTo,
  mustNotGoTo,
  encryptedInTransit,
  unlinkableModes,
  declaredRecipientsOnly,
  notOnDevice,
  notTiedToSurvivingIdentifier,
} as const;

export type RuleKey = keyof typeof RULES;
export const RULE_KEYS = Object.keys(RULES) as RuleKey[];

/** A rule in its tagged form, as `evaluate` runs it. */
export type Rule = ReturnType<(typeof RULES)[RuleKey]['toRule']>;
export type RuleKind = Rule['kind'];
export const RULE_KINDS: readonly RuleKind[] = RULE_KEYS.map((key) => RULES[key].kind);

const BY_KIND = new Map<string, RuleKindDefinition<Rule, never>>(
  RULE_KEYS.map((key) => [RULES[key].kind, RULES[key] as unknown as RuleKindDefinition<Rule, never>]),
);

/** The definition of a rule's kind; an unknown kind fails with the list of kinds there are. */
export function ruleKindOf(kind: string): RuleKindDefinition<Rule, never> {
  const found = BY_KIND.get(kind);
  if (!found) throw new Error(`unknown rule kind "${kind}"; known rule kinds: ${RULE_KINDS.join(', ')}`);
  return found;
}
