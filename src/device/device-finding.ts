import type { DataClass, TokenKind } from '../detect/token.ts';

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

/** One sentence saying what was found in which file. */
export function explainDeviceFinding(f: DeviceFinding): string {
  const chain = f.chain.length > 0 ? ` via ${f.chain.join(' → ')}` : ' as plain bytes';
  const form = f.form ? ` (as ${f.form})` : '';
  return `the ${f.label} "${f.token}"${form} remains in ${f.where.slice('file:'.length)} (${f.format}, ${f.fileBytes} bytes)${chain}`;
}
