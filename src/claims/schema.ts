import { z } from 'zod';
import { fieldPath } from '../input/file-error.ts';
import { type ClaimBase, DATA_SELECTORS, type DataSelector } from './claim-terms.ts';
import { RULE_KEYS, RULES, type Rule, type RuleKey } from './rules/registry.ts';
import type { RuleKindDefinition } from './rules/rule-kind.ts';

/**
 * Claims are data: a sentence a maker says (`says`), when it applies (`when`), which personal data it
 * is about (`data`) and one rule. Claim files (YAML or TypeScript) are validated with the zod schema
 * below; `normalizeClaim` turns the written form (one rule key, e.g. `mayGoTo: [search-engine]`) into
 * the tagged form `evaluate` runs (`rule: { kind: 'may-go-to', recipients: [...] }`).
 */

/** A validated claim, as `evaluate` takes it. */
export interface Claim extends ClaimBase {
  rule: Rule;
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A target base id (`chromium`, `android-mi-browser-emulator-5554`), `*` matching any run of characters.
const TARGET_PATTERN = /^[a-z0-9*][a-z0-9*._-]*$/;
/** Longest quote a claim may carry: a sentence or two, not a page. */
export const QUOTE_MAX = 400;

const dataInput = z.enum(DATA_SELECTORS as [DataSelector, ...DataSelector[]], {
  error: (issue) => `unknown data ${JSON.stringify(issue.input)}; use one of ${DATA_SELECTORS.join(', ')}`,
});

type RuleInputs = { [K in RuleKey]: z.ZodOptional<(typeof RULES)[K]['input']> };
const ruleInputs = Object.fromEntries(
  RULE_KEYS.map((key) => [key, RULES[key].input.optional()]),
) as RuleInputs;

/** The written form of one claim, in YAML or in a TypeScript claim file. */
export const ClaimInputSchema = z
  .strictObject({
    id: z
      .string()
      .regex(KEBAB, { error: 'must be kebab-case, e.g. incognito-search-terms-only-to-search-engine' }),
    says: z.string().trim().min(1, { error: 'must be a sentence' }),
    source: z
      .string()
      .trim()
      .min(1, { error: 'must say where the words are: a URL or "browser UI: <page>"' })
      .optional(),
    quote: z
      .string()
      .trim()
      .min(1, { error: "must be the vendor's words, verbatim" })
      .max(QUOTE_MAX, {
        error: `must be short (at most ${QUOTE_MAX} characters): quote the sentence the claim rests on`,
      })
      .optional(),
    appliesTo: z
      .strictObject({
        targets: z
          .array(
            z.string().regex(TARGET_PATTERN, { error: 'must be a target id such as chromium, * allowed' }),
          )
          .optional(),
        engines: z
          .array(
            z
              .string()
              .regex(KEBAB, { error: 'must be an engine such as chromium, firefox, webkit or android' }),
          )
          .optional(),
      })
      .refine((a) => (a.targets?.length ?? 0) + (a.engines?.length ?? 0) > 0, {
        error: 'must name at least one target or engine',
      })
      .optional(),
    generic: z.boolean().optional(),
    when: z
      .strictObject({
        mode: z.enum(['normal', 'incognito', 'any']).default('any'),
        consent: z.enum(['granted', 'declined', 'any']).default('any'),
      })
      .default({ mode: 'any', consent: 'any' }),
    data: z.array(dataInput).min(1, { error: 'must name at least one kind of data' }).optional(),
    ...ruleInputs,
  })
  .check((ctx) => {
    const claim = ctx.value;
    const present = RULE_KEYS.filter((k) => claim[k] !== undefined);
    if (present.length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: claim,
        path: present.length > 1 ? [present[1]!] : [],
        message:
          present.length === 0
            ? `needs exactly one rule: ${RULE_KEYS.join(', ')}`
            : `has more than one rule (${present.join(', ')}); write one claim per rule`,
      });
      return;
    }
    if (claim.quote !== undefined && claim.source === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: claim,
        path: ['source'],
        message: 'is required with quote: say where the words are (a URL, or "browser UI: <page>")',
      });
    }
    if (claim.quote !== undefined && claim.generic === true) {
      ctx.issues.push({
        code: 'custom',
        input: claim,
        path: ['generic'],
        message:
          "cannot be true with quote: a quoted claim is the vendor's, a generic one is what users expect",
      });
    }
    if (RULES[present[0]!].needsData && claim.data === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: claim,
        path: ['data'],
        message: `is required with ${present[0]}: name the data, e.g. [search-terms]`,
      });
    }
  });

export type ClaimInput = z.input<typeof ClaimInputSchema>;

/** A claim file: a list of claims, either at the top level or under `claims:`. */
export const ClaimFileSchema = z.union([
  z.strictObject({ claims: z.array(z.unknown()) }),
  z.array(z.unknown()),
]);

/** Turn a parsed (valid) written claim into the tagged form. */
export function normalizeClaim(input: z.output<typeof ClaimInputSchema>): Claim {
  const key = RULE_KEYS.find((k) => input[k] !== undefined);
  if (key === undefined) throw new Error(`normalizeClaim: claim "${input.id}" has no rule`);
  const kind = RULES[key] as unknown as RuleKindDefinition<Rule, z.ZodType>;
  const rule = kind.toRule(input[key]);
  return {
    id: input.id,
    says: input.says,
    ...(input.source !== undefined ? { source: input.source } : {}),
    ...(input.quote !== undefined ? { quote: input.quote } : {}),
    ...(input.appliesTo !== undefined ? { appliesTo: input.appliesTo } : {}),
    ...(input.generic === true ? { generic: true } : {}),
    when: input.when,
    data: kind.needsData ? [...new Set(input.data ?? [])] : [],
    rule,
  };
}

/** Issue in a claim set, with the path of the offending field (e.g. `[1, 'mayGoTo', 0]`). */
export interface ClaimIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Validate a list of written claims. Returns the claims, or the first issue (path from the list's
 * root) so callers can point at the spot. Duplicate ids are an issue at the second claim's `id`.
 */
export function parseClaims(
  inputs: unknown[],
): { ok: true; claims: Claim[] } | { ok: false; issue: ClaimIssue } {
  const claims: Claim[] = [];
  const seen = new Map<string, number>();
  for (const [i, input] of inputs.entries()) {
    const parsed = ClaimInputSchema.safeParse(input);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      return { ok: false, issue: { path: [i, ...issuePath(first)], message: issueMessage(first) } };
    }
    const before = seen.get(parsed.data.id);
    if (before !== undefined) {
      return {
        ok: false,
        issue: { path: [i, 'id'], message: `duplicate id "${parsed.data.id}" (also claim ${before + 1})` },
      };
    }
    seen.set(parsed.data.id, i);
    claims.push(normalizeClaim(parsed.data));
  }
  return { ok: true, claims };
}

// An unrecognised key is reported at the key itself, so a typo points at its own line.
function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) return [...issue.path, issue.keys[0]!];
  return issue.path;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field; a claim has id, says, source, quote, appliesTo, generic, when, data and one rule (${RULE_KEYS.join(', ')})`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

/** Render an issue path as `claims[1].mayGoTo[0]`. */
export function formatPath(path: PropertyKey[], root = 'claims'): string {
  return fieldPath(path, root);
}

/** Error thrown by `defineClaims` for a claim that does not validate. */
export class ClaimError extends Error {
  constructor(
    readonly path: PropertyKey[],
    readonly reason: string,
  ) {
    super(`${formatPath(path)}: ${reason}`);
    this.name = 'ClaimError';
  }
}

/**
 * Typed claims in TypeScript: `export default defineClaims([{ id, says, when, data, mayGoTo }])`.
 * Throws ClaimError naming the field and the reason when a claim is invalid.
 */
export function defineClaims(claims: ClaimInput[]): Claim[] {
  const result = parseClaims(claims);
  if (!result.ok) throw new ClaimError(result.issue.path, result.issue.message);
  return result.claims;
}
