import type { DataClass, TokenKind } from './token.ts';

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

/** One sentence saying what was found where. */
export function explainFinding(f: Finding): string {
  const chain = f.chain.length > 0 ? ` via ${f.chain.join(' → ')}` : '';
  const form = f.form ? ` (as ${f.form})` : '';
  return `the ${f.label} "${f.token}"${form} was sent to ${f.host} in ${f.where}${chain} (flow ${f.flowId}, ${f.method} ${f.url.slice(0, 120)})`;
}

/**
 * Whether some finding carries a whole token of this data class: a typed canary's prefix (form
 * `prefix-N…`) does not count, since a search whose last keys were lost sends only a prefix.
 */
export function carriesWhole(findings: readonly Finding[], dataClass: DataClass): boolean {
  return findings.some((f) => f.dataClass === dataClass && !f.form?.startsWith('prefix-'));
}
