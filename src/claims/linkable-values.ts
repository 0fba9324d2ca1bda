import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { type Flow, flowBody, headerValue } from '../capture/flow.ts';

/**
 * High-entropy values in a flow: candidates for identifiers that could tie an incognito session to
 * normal browsing. A candidate is a run of `[A-Za-z0-9_-]` at least `minLength` long (after URL
 * decoding) that mixes letters and digits (or is a long number) and whose Shannon entropy per
 * character is at least min(3, log2(length) − 0.5): words, versions and platform names fall out.
 */

export interface LinkableValue {
  value: string;
  /** `url-path`, `url-query:NAME`, `header:NAME`, `cookie:NAME`, `body`. */
  where: string;
}

// Headers whose values are the same for every user of a build (or per request): never identifiers.
const SKIP_HEADERS = new Set([
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-length',
  'connection',
  'origin',
  'referer',
  'cache-control',
  'pragma',
  'upgrade-insecure-requests',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
  'priority',
  'te',
  'date',
  'if-modified-since',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'upgrade',
]);

const RUN = /[A-Za-z0-9_-]+/g;
const MAX_BODY = 1 << 20;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** True when a string looks like an identifier rather than a word, a version or a constant name. */
export function isHighEntropy(s: string, minLength: number): boolean {
  if (s.length < minLength) return false;
  const digits = (s.match(/[0-9]/g) ?? []).length;
  const letters = (s.match(/[A-Za-z]/g) ?? []).length;
  // A long pure number may be an id; a short one is a count, a time or a version.
  const mixed = (digits >= 2 && letters >= 2) || (letters === 0 && digits >= 12);
  return mixed && entropy(s) >= Math.min(3, Math.log2(s.length) - 0.5);
}

function candidates(text: string, where: string, minLength: number, out: LinkableValue[]): void {
  for (const m of text.matchAll(RUN)) {
    if (isHighEntropy(m[0], minLength)) out.push({ value: m[0], where });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function bodyText(flow: Flow): string {
  const raw = flowBody(flow).subarray(0, MAX_BODY);
  if (raw.length === 0) return '';
  const encoding = (headerValue(flow.request.headers, 'content-encoding') ?? '').toLowerCase();
  try {
    // Bodies a browser compresses itself; anything else is read as it is.
    if (encoding === 'gzip') return gunzipSync(raw).toString('utf8');
    if (encoding === 'deflate') return inflateSync(raw).toString('utf8');
    if (encoding === 'br') return brotliDecompressSync(raw).toString('utf8');
  } catch {
    return raw.toString('latin1');
  }
  return raw.toString('latin1');
}

/** Every high-entropy value in a flow's URL, headers, cookies and body, with where it was. */
export function linkableValues(flow: Flow, minLength: number): LinkableValue[] {
  const out: LinkableValue[] = [];
  let url: URL | undefined;
  try {
    url = new URL(flow.request.url);
  } catch {
    url = undefined;
  }
  if (url) {
    candidates(safeDecode(url.pathname), 'url-path', minLength, out);
    for (const [name, value] of url.searchParams) candidates(value, `url-query:${name}`, minLength, out);
  }
  for (const h of flow.request.headers) {
    const name = h.name.toLowerCase();
    if (SKIP_HEADERS.has(name) || name.startsWith(':')) continue;
    if (name === 'cookie') {
      for (const pair of h.value.split(';')) {
        const eq = pair.indexOf('=');
        if (eq < 0) continue;
        candidates(
          safeDecode(pair.slice(eq + 1).trim()),
          `cookie:${pair.slice(0, eq).trim()}`,
          minLength,
          out,
        );
      }
      continue;
    }
    candidates(safeDecode(h.value), `header:${name}`, minLength, out);
  }
  candidates(safeDecode(bodyText(flow)), 'body', minLength, out);
  // One entry per value and place.
  const seen = new Set<string>();
  return out.filter((v) => {
    const key = `${v.where}\u0000${v.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
