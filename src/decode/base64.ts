import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { layerIsForm } from './form.ts';
import { layerJson } from './json.ts';
import type { Layer } from './layer.ts';
import { isHexLike, isPlausibleDecode } from './sniff.ts';

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
  const t = layer.trimmed;
  if (t.length < MIN_WHOLE) return [];
  if (WHOLE.test(t)) {
    const g = group(t, MIN_WHOLE);
    return g.length > 0 ? [g] : [];
  }
  if (t.length < 16) return [];
  // Forms and JSON are split by their own decoders, which name the field a value came from.
  if (layerIsForm(layer) || layerJson(layer) !== undefined) return [];
  // Query strings decode `+` to a space: a base64 value sent unescaped comes back with spaces.
  if (t.includes(' ') && countSpaces(t) * 20 <= t.length && !/\s\s/.test(t)) {
    const plus = t.replace(/ /g, '+');
    if (WHOLE.test(plus)) return [[plus]];
  }
  const out: string[][] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(t); m !== null; m = RUN.exec(t)) {
    const g = group(m[0], 16);
    if (g.length > 0) out.push(g);
    if (out.length >= MAX_RUNS) break;
  }
  return out;
}

/** A run and, when it holds "/", its pieces of at least `min` characters; hex-like ones left out. */
function group(run: string, min: number): string[] {
  // Ids, hashes and numbers are hex or digits: read by the hex decoder, never as base64.
  const out: string[] = isHexLike(run) ? [] : [run];
  if (run.includes('/')) for (const p of run.split('/')) if (p.length >= min && !isHexLike(p)) out.push(p);
  return out;
}

function countSpaces(t: string): number {
  let n = 0;
  for (let i = t.indexOf(' '); i >= 0; i = t.indexOf(' ', i + 1)) n++;
  return n;
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
    // Bytes are checked for being binary first (a large compressed body is not searched for runs);
    // strings, which are seldom binary, only once they hold a candidate.
    if (!layer.textOrigin && layer.binary) return [];
    const list = candidates(layer);
    if (list.length === 0 || layer.binary) return [];
    const out: DecodeStep[] = [];
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
