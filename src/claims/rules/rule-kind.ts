import type { z } from 'zod';
import type { ClaimBase } from '../claim-terms.ts';
import type { Judgement, JudgeScope } from '../judgement.ts';

/**
 * One kind of rule a claim can make, in one file: how it is written in a claim file (its key in the
 * registry and the schema of its value), the tagged form `evaluate` runs, the sentence it reads as,
 * and its judge. The registry (rules/registry.ts) lists them; adding a kind is adding a file and a
 * line there.
 */
export interface RuleKindDefinition<R extends { kind: string }, I extends z.ZodType> {
  /** The kind's id: the tag of the rule's tagged form, e.g. `may-go-to`. */
  kind: R['kind'];
  /** The schema of the value written under the rule's key in a claim file. */
  input: I;
  /** Whether a claim with this rule must name its data (`data: [search-terms]`). */
  needsData: boolean;
  /**
   * Whether traffic that went around the proxy could break the rule: then it cannot pass on a
   * scenario without a network seal, unless the user accepted that risk.
   */
  needsAllTraffic: boolean;
  /** Whether the rule compares the two modes, so it reads the records of both. */
  comparesModes?: boolean;
  /** The written value in the tagged form. */
  toRule(value: z.output<I>): R;
  /** One sentence: what this kind of rule checks. */
  explain(): string;
  /** What the rule checks, as a clause: `search terms in incognito mode go to no one but the search engine`. */
  text(rule: R, claim: ClaimBase): string;
  /**
   * Records what breaks the rule, what could not be seen and the pass sentence. Never throws on
   * well-formed input; the verdict is decided by evaluate.ts.
   */
  judge(rule: R, scope: JudgeScope, judged: Judgement): void;
}

/** Declares a rule kind, keeping the types of its rule and its written value. */
export function defineRuleKind<R extends { kind: string }, I extends z.ZodType>(
  definition: RuleKindDefinition<R, I>,
): RuleKindDefinition<R, I> {
  return definition;
}
