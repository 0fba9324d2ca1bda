import { z } from 'zod';
import { fieldPath } from '../input/file-error.ts';
import { DATA_CLASSES, type DataClass } from '../model/token.ts';

/**
 * Claims are data: a sentence a maker says (`says`), when it applies (`when`), which personal data it
 * is about (`data`) and one rule. Claim files (YAML or TypeScript) are validated with the zod schema
 * below; `normalizeClaim` turns the written form (one rule key, e.g. `mayGoTo: [search-engine]`) into
 * the tagged form `evaluate` runs (`rule: { kind: 'may-go-to', recipients: [...] }`).
 */

/** Recipient classes a rule can name; anything else in a recipient list must be a domain. */
export const RECIPIENT_CLASSES = ['search-engine', 'site', 'vendor', 'third-party'] as const;
export type RecipientClass = (typeof RECIPIENT_CLASSES)[number];

/** A recipient: a class, or an explicit domain (matches the domain itself and its subdomains). */
export type Recipient = RecipientClass | { domain: string };

/** What data a claim is about: a data class, or `any-canary` (every planted canary, whatever its class). */
export type DataSelector = DataClass | 'any-canary';
export const DATA_SELECTORS: readonly DataSelector[] = [...DATA_CLASSES, 'any-canary'];

export type RuleKind =
  | 'may-go-to'
  | 'must-not-go-to'
  | 'encrypted-in-transit'
  | 'unlinkable-modes'
  | 'declared-recipients-only'
  | 'not-on-device';
export const RULE_KINDS: readonly RuleKind[] = [
  'may-go-to',
  'must-not-go-to',
  'encrypted-in-transit',
  'unlinkable-modes',
  'declared-recipients-only',
  'not-on-device',
];

export type Rule =
  /** The claim's data may go only to these recipients (an empty list: to no one). */
  | { kind: 'may-go-to'; recipients: Recipient[] }
  /** The claim's data must not go to any of these recipients. */
  | { kind: 'must-not-go-to'; recipients: Recipient[] }
  /** The claim's data never travels over plain `http` or `ws`. */
  | { kind: 'encrypted-in-transit' }
  /**
   * No high-entropy value (at least `minLength` characters, not a canary, not a fixture constant, not
   * matching `ignore`) is sent in both normal and incognito flows to the same non-first-party domain.
   */
  | { kind: 'unlinkable-modes'; minLength: number; ignore: string[] }
  /** Every flow goes to one of these recipients. */
  | { kind: 'declared-recipients-only'; recipients: Recipient[] }
  /** The claim's data is in no file the browser wrote once the scenario closed (the device side). */
  | { kind: 'not-on-device' };

export interface ClaimWhen {
  mode: 'normal' | 'incognito' | 'any';
  consent: 'granted' | 'declined' | 'any';
}

/** A validated claim, as `evaluate` takes it. */
export interface Claim {
  /** kebab-case, unique within a claim set. */
  id: string;
  /** The sentence shown in reports. */
  says: string;
  /** Policy quote or link the claim comes from. */
  source?: string;
  when: ClaimWhen;
  /** Data the rule is about; empty for rules that look at whole flows (unlinkable-modes, declared-recipients-only). */
  data: DataSelector[];
  rule: Rule;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A domain as written in a claim: labels of letters, digits and hyphens, at least one dot.
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

const recipientInput = z
  .string()
  .refine((s) => (RECIPIENT_CLASSES as readonly string[]).includes(s) || DOMAIN.test(s), {
    error: (issue) =>
      `unknown recipient ${JSON.stringify(issue.input)}; use ${RECIPIENT_CLASSES.join(', ')} or a domain such as example.com`,
  });

const dataInput = z.enum(DATA_SELECTORS as [DataSelector, ...DataSelector[]], {
  error: (issue) => `unknown data ${JSON.stringify(issue.input)}; use one of ${DATA_SELECTORS.join(', ')}`,
});

const RULE_KEYS = [
  'mayGoTo',
  'mustNotGoTo',
  'encryptedInTransit',
  'unlinkableModes',
  'declaredRecipientsOnly',
  'notOnDevice',
] as const;

/** The written form of one claim, in YAML or in a TypeScript claim file. */
export const ClaimInputSchema = z
  .strictObject({
    id: z
      .string()
      .regex(KEBAB, { error: 'must be kebab-case, e.g. incognito-search-terms-only-to-search-engine' }),
    says: z.string().trim().min(1, { error: 'must be a sentence' }),
    source: z.string().optional(),
    when: z
      .strictObject({
        mode: z.enum(['normal', 'incognito', 'any']).default('any'),
        consent: z.enum(['granted', 'declined', 'any']).default('any'),
      })
      .default({ mode: 'any', consent: 'any' }),
    data: z.array(dataInput).min(1, { error: 'must name at least one kind of data' }).optional(),
    /** The data may go only to these recipients; `[]` means to no one. */
    mayGoTo: z.array(recipientInput).optional(),
    mustNotGoTo: z.array(recipientInput).min(1, { error: 'must name at least one recipient' }).optional(),
    encryptedInTransit: z.literal(true, { error: 'must be true when present' }).optional(),
    unlinkableModes: z
      .union([
        z.literal(true),
        z.strictObject({
          minLength: z.int().min(4).max(256).optional(),
          ignore: z
            .array(z.string().min(1).refine(isRegExp, { error: 'is not a valid regular expression' }))
            .optional(),
        }),
      ])
      .optional(),
    declaredRecipientsOnly: z
      .array(recipientInput)
      .min(1, { error: 'must name at least one recipient' })
      .optional(),
    notOnDevice: z.literal(true, { error: 'must be true when present' }).optional(),
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
    const needsData =
      present[0] === 'mayGoTo' ||
      present[0] === 'mustNotGoTo' ||
      present[0] === 'encryptedInTransit' ||
      present[0] === 'notOnDevice';
    if (needsData && claim.data === undefined) {
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

function toRecipient(s: string): Recipient {
  return (RECIPIENT_CLASSES as readonly string[]).includes(s)
    ? (s as RecipientClass)
    : { domain: s.toLowerCase() };
}

/** Turn a parsed (valid) written claim into the tagged form. */
export function normalizeClaim(input: z.output<typeof ClaimInputSchema>): Claim {
  const rule: Rule =
    input.mayGoTo !== undefined
      ? { kind: 'may-go-to', recipients: input.mayGoTo.map(toRecipient) }
      : input.mustNotGoTo !== undefined
        ? { kind: 'must-not-go-to', recipients: input.mustNotGoTo.map(toRecipient) }
        : input.encryptedInTransit !== undefined
          ? { kind: 'encrypted-in-transit' }
          : input.notOnDevice !== undefined
            ? { kind: 'not-on-device' }
            : input.unlinkableModes !== undefined
              ? {
                  kind: 'unlinkable-modes',
                  minLength:
                    (input.unlinkableModes === true ? undefined : input.unlinkableModes.minLength) ?? 8,
                  ignore: (input.unlinkableModes === true ? undefined : input.unlinkableModes.ignore) ?? [],
                }
              : {
                  kind: 'declared-recipients-only',
                  recipients: (input.declaredRecipientsOnly ?? []).map(toRecipient),
                };
  return {
    id: input.id,
    says: input.says,
    ...(input.source !== undefined ? { source: input.source } : {}),
    when: input.when,
    data:
      rule.kind === 'unlinkable-modes' || rule.kind === 'declared-recipients-only'
        ? []
        : [...new Set(input.data ?? [])],
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
    return `unknown field; a claim has id, says, source, when, data and one rule (${RULE_KEYS.join(', ')})`;
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
