import { z } from 'zod';
import { modeSchema } from './flow.ts';
import type { DataClass, TokenKind } from './token.ts';
import { dataClassSchema } from './token.ts';

/**
 * A Finding: a token seen in a flow, with where and through which decode chain. Plain data so it can
 * be stored in run.json and re-rendered without re-running anything.
 */
export interface Finding {
  /** The token value found. */
  token: string;
  tokenKind: TokenKind;
  dataClass: DataClass;
  /** Token label, e.g. `search term`, `imei`. */
  label: string;
  /** How the token appeared, when not verbatim: e.g. `sha256-hex`, `base64-offset-1`, `case-folded`. */
  form?: string;
  flowId: string;
  seq: number;
  target: string;
  scenario: string;
  mode: 'normal' | 'incognito';
  host: string;
  url: string;
  method: string;
  transport: 'http' | 'https' | 'ws' | 'wss';
  /** `url-path`, `url-query:NAME`, `header:NAME`, `cookie:NAME`, `body`. */
  where: string;
  /** Decode steps from the raw part to the layer holding the token, e.g. `["form:data","base64","json:$.url"]`. */
  chain: string[];
  /** Short text around the token, with the token wrapped in «…». */
  excerpt: string;
}

/**
 * A token found in a file the browser wrote: the device side of a finding. Kept apart from network
 * findings (it has no flow, host or recipient) and judged only by the `not-on-device` rule.
 */
export interface DeviceFinding {
  token: string;
  tokenKind: TokenKind;
  dataClass: DataClass;
  label: string;
  /** How the token appeared, when not verbatim: e.g. `sha256-hex`, `case-folded`, `utf-16le`. */
  form?: string;
  /** Target id with mode, scenario and mode of the scenario whose files were scanned. */
  target: string;
  scenario: string;
  mode: 'normal' | 'incognito';
  /** `file:<path relative to the scanned folder>`, e.g. `file:profile/Default/History`. */
  where: string;
  /** The reader that understood the file (`sqlite`, `leveldb-table`, …) or `raw`. */
  format: string;
  /** Steps from the file to the token, e.g. `["sqlite:page 7 (free page)"]`, `["mozlz4", "json:$.windows[0]…"]`. */
  chain: string[];
  /** Short text around the token, with the token wrapped in «…». */
  excerpt: string;
  /** Size of the file in bytes. */
  fileBytes: number;
}

/** What every finding says of its token, network or device side. */
const tokenFoundFields = {
  token: z.string(),
  tokenKind: z.enum(['canary', 'device-id', 'device-info']),
  dataClass: dataClassSchema,
  label: z.string(),
  form: z.string().optional(),
};

export const findingSchema = z.looseObject({
  ...tokenFoundFields,
  flowId: z.string(),
  seq: z.number().int(),
  target: z.string(),
  scenario: z.string(),
  mode: modeSchema,
  host: z.string(),
  url: z.string(),
  method: z.string(),
  transport: z.enum(['http', 'https', 'ws', 'wss']),
  where: z.string(),
  chain: z.array(z.string()),
  excerpt: z.string(),
});

/** A token found in a file the browser wrote (the device side; new in @2). */
export const deviceFindingSchema = z.looseObject({
  ...tokenFoundFields,
  target: z.string(),
  scenario: z.string(),
  mode: modeSchema,
  where: z.string().regex(/^file:/),
  format: z.string(),
  chain: z.array(z.string()),
  excerpt: z.string(),
  fileBytes: z.number().int().nonnegative(),
});
