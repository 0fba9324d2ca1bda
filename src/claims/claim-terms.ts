import { z } from 'zod';
import type { ClaimRecord } from '../model/run-record.ts';
import { DATA_CLASSES, type DataClass } from '../model/token.ts';

/**
 * The words a claim is written in, shared by the claim schema and every rule kind: recipients, the
 * data a claim is about, when it applies, and how those read in a sentence.
 */

/** Recipient classes a rule can name; anything else in a recipient list must be a domain. */
export const RECIPIENT_CLASSES = ['search-engine', 'site', 'vendor', 'third-party'] as const;
export type RecipientClass = (typeof RECIPIENT_CLASSES)[number];

/** A recipient: a class, or an explicit domain (matches the domain itself and its subdomains). */
export type Recipient = RecipientClass | { domain: string };

/** What data a claim is about: a data class, or `any-canary` (every planted canary, whatever its class). */
export type DataSelector = DataClass | 'any-canary';
export const DATA_SELECTORS: readonly DataSelector[] = [...DATA_CLASSES, 'any-canary'];

export interface ClaimWhen {
  mode: 'normal' | 'incognito' | 'any';
  consent: 'granted' | 'declined' | 'any';
}

/**
 * A validated claim without its rule: what every rule kind reads of the claim it judges. Its words
 * are what run.json keeps of it (`ClaimRecord`); when it applies and its data are the rule's.
 */
export interface ClaimBase extends ClaimRecord {
  when: ClaimWhen;
  /** Data the rule is about; empty for rules that look at whole flows (unlinkable-modes, declared-recipients-only). */
  data: DataSelector[];
}

// A domain as written in a claim: labels of letters, digits and hyphens, at least one dot.
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** A recipient as written in a claim file: a class or a domain. */
export const recipientInput = z
  .string()
  .refine((s) => (RECIPIENT_CLASSES as readonly string[]).includes(s) || DOMAIN.test(s), {
    error: (issue) =>
      `unknown recipient ${JSON.stringify(issue.input)}; use ${RECIPIENT_CLASSES.join(', ')} or a domain such as example.com`,
  });

/** A written recipient in its tagged form. */
export function toRecipient(s: string): Recipient {
  return (RECIPIENT_CLASSES as readonly string[]).includes(s)
    ? (s as RecipientClass)
    : { domain: s.toLowerCase() };
}

/** Plain names of data, for sentences. */
export const DATA_NAMES: Record<DataSelector, string> = {
  'search-terms': 'search terms',
  'visited-urls': 'visited URLs',
  'page-titles': 'page titles',
  'form-entries': 'form entries',
  'device-ids': 'device identifiers',
  'device-info': 'device information',
  'any-canary': 'planted canaries',
};

export function dataText(data: DataSelector[]): string {
  const names = data.map((d) => DATA_NAMES[d]);
  if (names.length <= 1) return names[0] ?? 'nothing';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** When a claim applies, as the end of a clause: ` in incognito mode once consent is granted`. */
export function whenText(claim: ClaimBase): string {
  const mode = claim.when.mode === 'any' ? '' : ` in ${claim.when.mode} mode`;
  const consent =
    claim.when.consent === 'any'
      ? ''
      : claim.when.consent === 'granted'
        ? ' once consent is granted'
        : ' without consent';
  return `${mode}${consent}`;
}
