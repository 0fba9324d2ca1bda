import { Budget, DEFAULT_BOUNDS, workClock } from '../decode/bounds.ts';
import type { Layer } from '../decode/layer.ts';
import { peel } from '../decode/peel.ts';
import { defaultDecoders } from '../decode/registry.ts';
import { requestParts } from '../detect/parts.ts';
import type { Flow } from '../model/flow.ts';

/**
 * High-entropy values in a flow: candidates for identifiers that could tie an incognito session to
 * normal browsing. Every request part is peeled with the decoders detection uses (so a device id
 * inside base64-wrapped JSON is seen as itself), and values are taken from the innermost readable
 * layers. A candidate is a run of `[A-Za-z0-9_-]` at least `minLength` long in which some `-`/`_`
 * segment mixes letters and digits (or is a long number), whose Shannon entropy per character is
 * at least min(3, log2(length) − 0.5) and whose total (length × entropy) is at least MIN_BITS:
 * words, versions, product, platform and algorithm names fall out.
 */
export interface LinkableValue {
  value: string;
  /** `url-path`, `url-query:NAME`, `header:NAME`, `cookie:NAME`, `body`. */
  where: string;
  /** Decode steps from the part to the layer holding the value. */
  chain: string[];
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

/**
 * Below this many bits (length × entropy per character) a value is too plain to be taken for an
 * identifier: algorithm names (`ML-DSA-44-10`) and kernel builds (`deb13-amd64`) sit near 36.
 */
export const MIN_BITS = 40;

// Constants every client sends alike: digests of the empty input (md5, sha1, sha256).
const WELL_KNOWN = new Set([
  'd41d8cd98f00b204e9800998ecf8427e',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
]);

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
  // `chromium-156` and `ML-DSA-44-10` are names and numbers joined; an id has a segment that mixes.
  if (!s.split(/[-_]/).some(mixedSegment) || WELL_KNOWN.has(s.toLowerCase())) return false;
  const perChar = entropy(s);
  return perChar >= Math.min(3, Math.log2(s.length) - 0.5) && perChar * s.length >= MIN_BITS;
}

function mixedSegment(seg: string): boolean {
  const digits = (seg.match(/[0-9]/g) ?? []).length;
  const letters = (seg.match(/[A-Za-z]/g) ?? []).length;
  // A long pure number may be an id; a short one is a count, a time or a version.
  return (digits >= 2 && letters >= 2) || (letters === 0 && digits >= 12);
}

/** Every high-entropy value in a flow's URL, headers, cookies and body, with where and how deep. */
export function linkableValues(flow: Flow, minLength: number): LinkableValue[] {
  const out: LinkableValue[] = [];
  const seen = new Set<string>();
  const decoders = defaultDecoders().all();
  const budget = new Budget(DEFAULT_BOUNDS, workClock());
  for (const part of requestParts(flow)) {
    const name = part.where.startsWith('header:') ? part.where.slice(7) : '';
    if (SKIP_HEADERS.has(name) || part.where === 'url-host') continue;
    const layers: Layer[] = [];
    const explained = new Set<number>();
    peel(part.root, decoders, budget, {
      layer: (layer, index, parent) => {
        layers[index] = layer;
        // A parent whose readable child was peeled out is only an encoding of it: read the child.
        if (parent >= 0 && !layer.binary) explained.add(parent);
      },
      alias: (parent) => explained.add(parent),
    });
    for (const [index, layer] of layers.entries()) {
      if (!layer || explained.has(index) || layer.binary) continue;
      for (const m of layer.text.matchAll(RUN)) {
        if (!isHighEntropy(m[0], minLength)) continue;
        const key = `${part.where}\u0000${m[0]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ value: m[0], where: part.where, chain: [...layer.chain] });
      }
    }
  }
  return out;
}
