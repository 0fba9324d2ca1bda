import { z } from 'zod';
import { type ClaimBase, type Recipient, recipientInput, toRecipient } from '../claim-terms.ts';
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

/** The tagged form of a rule written as a list of recipients. */
export interface RecipientsRule<K extends string> {
  kind: K;
  recipients: Recipient[];
}

/** What a kind written as a list of recipients still says itself (the rest is the same for all). */
type RecipientsRuleKind<K extends string> = Omit<
  RuleKindDefinition<RecipientsRule<K>, z.ZodArray<typeof recipientInput>>,
  'input' | 'toRule' | 'needsAllTraffic'
> & {
  /** Whether an empty list is a rule of its own (`may-go-to: []`: to no one); else at least one. */
  mayBeEmpty?: boolean;
};

/**
 * Declares a rule kind written as a list of recipients (`must-not-go-to: [advertising]`): each a
 * class or a domain, its tagged form `{ kind, recipients }`. Traffic that went around the proxy
 * could break any of them (it may have gone to anyone).
 */
export function defineRecipientsRuleKind<K extends string>({
  mayBeEmpty,
  ...definition
}: RecipientsRuleKind<K>) {
  const list = z.array(recipientInput);
  return defineRuleKind({
    ...definition,
    input: mayBeEmpty ? list : list.min(1, { error: 'must name at least one recipient' }),
    needsAllTraffic: true,
    toRule: (recipients: string[]): RecipientsRule<K> => ({
      kind: definition.kind,
      recipients: recipients.map(toRecipient),
    }),
  });
}

/**
 * Declares a rule kind written as `true` and nothing more (`encrypted-in-transit: true`): its tagged
 * form is its kind alone.
 */
export function defineFlagRuleKind<K extends string>(
  definition: Omit<RuleKindDefinition<{ kind: K }, z.ZodLiteral<true>>, 'input' | 'toRule'>,
) {
  return defineRuleKind({
    ...definition,
    input: z.literal(true, { error: 'must be true when present' }),
    toRule: (): { kind: K } => ({ kind: definition.kind }),
  });
}
