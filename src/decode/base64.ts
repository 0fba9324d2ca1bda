import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { isFormShaped } from './form.ts';
import { layerJson } from './json.ts';
import type { Layer } from './layer.ts';
import { isPlausibleDecode } from './sniff.ts';

const WHOLE = /^[A-Za-z0-9+/_-]+={0,2}$/;
const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const MIN_WHOLE = 8;
const MAX_RUNS = 256;

/** Decodes standard or URL-safe base64, padded or not; null when the length cannot be base64. */
export function decodeBase64(s: string): Buffer | null {
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  return Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Base64 strings to try, in groups: the first of a group is a whole run; the rest are its pieces
 * between "/" (a base64 character, but also a path separator), tried only if the whole run does
 * not decode to anything plausible.
 */
function candidates(layer: Layer): string[][] {
  const t = layer.text.trim();
  const group = (run: string, min: number) => [
    run,
    ...(run.includes('/') ? run.split('/').filter((p) => p.length >= min) : []),
  ];
  if (t.length >= MIN_WHOLE && WHOLE.test(t)) return [group(t, MIN_WHOLE)];
  // Forms and JSON are split by their own decoders, which name the field a value came from.
  if (isFormShaped(t) || layerJson(layer) !== undefined) return [];
  // Query strings decode `+` to a space: a base64 value sent unescaped comes back with spaces.
  if (t.length >= 16 && t.includes(' ') && (t.split(' ').length - 1) * 20 <= t.length && !/\s\s/.test(t)) {
    const plus = t.replace(/ /g, '+');
    if (WHOLE.test(plus)) return [[plus]];
  }
  const out: string[][] = [];
  for (const m of t.matchAll(RUN)) {
    out.push(group(m[0], 16));
    if (out.length >= MAX_RUNS) break;
  }
  return out;
}

/**
 * Peels base64 (standard or URL-safe, with or without padding): the whole layer, or runs of 16+
 * base64 characters inside it. Only decodes that read as text, a compressed stream or protobuf are
 * kept, so ordinary words that happen to use the alphabet are not peeled into noise.
 */
export const base64Decoder: Decoder = {
  id: 'base64',
  explain: () => 'Decodes standard or URL-safe base64 (padded or not), whole or as runs inside text.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    if (layer.binary) return [];
    const out: DecodeStep[] = [];
    const list = candidates(layer);
    if (list.length >= MAX_RUNS)
      budget.hit(`more than ${MAX_RUNS} base64 runs in one layer; the rest were not decoded`);
    for (const group of list) {
      for (const c of group) {
        const bytes = decodeBase64(c);
        if (bytes && bytes.length >= 4 && isPlausibleDecode(bytes)) {
          out.push({ step: 'base64', bytes });
          if (c === group[0]) break;
        }
      }
    }
    return out;
  },
};
