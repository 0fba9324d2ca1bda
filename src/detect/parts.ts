import { flowBody } from '../capture/flow.ts';
import { parseFormValues } from '../decode/form.ts';
import { Layer } from '../decode/layer.ts';
import { percentDecode } from '../decode/percent.ts';
import type { Flow } from '../model/flow.ts';

/** One part of a request, searched on its own: `where` names it as findings report it. */
export interface RequestPart {
  where: string;
  root: Layer;
  /** False for a value searched as it is, not decoded (a header whose syntax HTTP fixes). */
  peel?: boolean;
}

// Headers whose values are media types, languages, codings or numbers in HTTP's own syntax: a
// token in them is found as written, but nothing encoded can hide there (base64 and compression
// probes on "application/x-protobuf" cost more than the rest of a request).
const SYNTAX_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-length',
  'content-type',
  'connection',
  'cache-control',
  'pragma',
]);

// Headers that only repeat the URL (HTTP/2 pseudo-headers, Host) or are split into cookies.
const SKIP_HEADERS = new Set(['host', 'cookie']);

/**
 * Splits a request into the parts findings name: `url-host`, `url-path`, `url-query:NAME` (each
 * value percent- and plus-decoded), `header:NAME` (lower-cased), `cookie:NAME` and `body`.
 */
export function requestParts(flow: Flow): RequestPart[] {
  const parts: RequestPart[] = [];
  const raw = flow.request.url;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // A URL that does not parse (from a foreign capture) is still searched as a whole.
    parts.push({ where: 'url-path', root: Layer.fromText(raw) });
  }
  if (url) {
    parts.push({ where: 'url-host', root: Layer.fromText(url.hostname) });
    parts.push({ where: 'url-path', root: Layer.fromText(percentDecode(url.pathname, false)) });
    const q = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    for (const [name, value] of parseFormValues(q)) {
      // A value percent-encoding bytes that are not UTF-8 (binary) is searched as those bytes.
      if (typeof value !== 'string') parts.push({ where: `url-query:${name}`, root: Layer.fromBytes(value) });
      else if (value !== '') parts.push({ where: `url-query:${name}`, root: Layer.fromText(value) });
      else if (name !== '') parts.push({ where: 'url-query', root: Layer.fromText(name) });
    }
  }
  for (const h of flow.request.headers) {
    const name = h.name.toLowerCase();
    if (name === 'cookie') {
      for (const c of h.value.split(';')) {
        const eq = c.indexOf('=');
        const cname = (eq < 0 ? c : c.slice(0, eq)).trim();
        const cvalue = eq < 0 ? '' : c.slice(eq + 1).trim();
        if (cvalue !== '') parts.push({ where: `cookie:${cname}`, root: Layer.fromText(cvalue) });
      }
      continue;
    }
    if (name.startsWith(':') || SKIP_HEADERS.has(name)) continue;
    parts.push({
      where: `header:${name}`,
      root: Layer.fromText(h.value),
      ...(SYNTAX_HEADERS.has(name) ? { peel: false } : {}),
    });
  }
  const body = flowBody(flow);
  if (body.length > 0) parts.push({ where: 'body', root: Layer.fromBytes(body) });
  return parts;
}
