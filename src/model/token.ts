import { z } from 'zod';

/**
 * Tokens are the values phonehome looks for in traffic: canaries it planted (search terms, visited
 * URLs, page titles) and identifiers of the device under test.
 */

/**
 * What kind of personal data a token stands for; claims are written in these terms. `form-entries`
 * (text typed into a web page's form and submitted) is new in run@3.
 */
export type DataClass =
  | 'search-terms'
  | 'visited-urls'
  | 'page-titles'
  | 'form-entries'
  | 'device-ids'
  | 'device-info';
export const DATA_CLASSES: readonly DataClass[] = [
  'search-terms',
  'visited-urls',
  'page-titles',
  'form-entries',
  'device-ids',
  'device-info',
];
/** The data classes run@1 and run@2 know (a reader of those versions would refuse `form-entries`). */
export const DATA_CLASSES_V2: readonly DataClass[] = DATA_CLASSES.filter((c) => c !== 'form-entries');

export type TokenKind = 'canary' | 'device-id' | 'device-info';

export interface Token {
  /** The exact string to look for. */
  value: string;
  kind: TokenKind;
  dataClass: DataClass;
  /** Human label, e.g. `search term`, `visited URL`, `imei`, `android-id`. */
  label: string;
  /** For canaries: where it was planted (target id with mode, scenario, mode). */
  origin?: { target: string; scenario: string; mode: 'normal' | 'incognito' };
  /**
   * True for a canary a person types (a search term): suggestion services receive it keystroke by
   * keystroke, so its prefixes from MIN_PREFIX characters up are looked for too.
   */
  typed?: boolean;
}

export const dataClassSchema = z.enum(DATA_CLASSES as readonly [DataClass, ...DataClass[]]);
export const dataClassSchemaV2 = z.enum(DATA_CLASSES_V2 as readonly [DataClass, ...DataClass[]]);

export const tokenSchema = z.looseObject({
  value: z.string(),
  kind: z.enum(['canary', 'device-id', 'device-info']),
  dataClass: dataClassSchema,
  label: z.string(),
  origin: z
    .looseObject({ target: z.string(), scenario: z.string(), mode: z.enum(['normal', 'incognito']) })
    .optional(),
  typed: z.boolean().optional(),
});
