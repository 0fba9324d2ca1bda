import type { Budget } from './bounds.ts';
import { type DecodeStep, encodedOnly } from './decoder.ts';
import { layerJson } from './json.ts';
import type { Layer } from './layer.ts';
import { layerIsForm, layerIsUrl } from './layer-shape.ts';
import { isHexLike, isPlausibleDecode } from './sniff.ts';

const WHOLE = /^[A-Za-z0-9+/_-]+={0,2}$/;
const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const MIN_WHOLE = 8;
const MAX_RUNS = 256;
const MAX_PIECES = 8;

/** Decodes standard or URL-safe base64, padded or not; null when the length cannot be base64. */
export function decodeBase64(s: string): Buffer | null {
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  return Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * A base64 string to try: a whole run and, when it holds "/" (a base64 character, but also a path
 * separator), its pieces, tried only if the whole run does not decode to anything plausible.
 */
interface Candidate {
  /** Undefined when the run is hex-like (see isHexLike) but its pieces may not be. */
  whole: string | undefined;
  pieces: string[];
}

/** Base64 candidates in a layer: the whole text, or runs of 16+ base64 characters inside it. */
function candidates(layer: Layer): Candidate[] {
  const t = layer.trimmed;
  if (t.length < MIN_WHOLE) return [];
  if (WHOLE.test(t)) {
    const c = candidate(t, MIN_WHOLE);
    return c ? [c] : [];
  }
  if (t.length < 16) return [];
  // Forms, JSON and URLs are split by their own decoders, which name the field a value came from
  // (a URL's path, when it holds a long base64 run, is a layer of its own).
  if (layerIsForm(layer) || layerIsUrl(layer) || layerJson(layer) !== undefined) return [];
  // Text the percent decoder (asked first) turned into text: the runs are looked for there. A run
  // that no escape touches is in it as it is; one that does is there whole, where here it would
  // start or end with an escape's hex digits (misaligned, so any decode is noise).
  if (layer.memoPercentText === true) return [];
  // Query strings decode `+` to a space: a base64 value sent unescaped comes back with spaces.
  if (t.includes(' ') && countSpaces(t) * 20 <= t.length && !/\s\s/.test(t)) {
    const plus = t.replace(/ /g, '+');
    if (WHOLE.test(plus)) return [{ whole: plus, pieces: [] }];
  }
  const out: Candidate[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(t); m !== null; m = RUN.exec(t)) {
    const c = candidate(m[0], 16);
    if (c) out.push(c);
  }
  return out;
}

function candidate(run: string, min: number): Candidate | undefined {
  // Ids, hashes and numbers are hex or digits: read by the hex decoder, never as base64.
  const whole = isHexLike(run) ? undefined : run;
  const pieces: string[] = [];
  if (run.includes('/')) {
    const parts = run.split('/');
    // A path has a few segments; a long base64 blob has a "/" every 64 characters or so, and its
    // pieces are only misaligned fragments of it.
    if (parts.length <= MAX_PIECES)
      for (const p of parts) if (p.length >= min && !isHexLike(p)) pieces.push(p);
  }
  return whole !== undefined || pieces.length > 0 ? { whole, pieces } : undefined;
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
export const base64Decoder = encodedOnly({
  id: 'base64',
  explain: () => 'Decodes standard or URL-safe base64 (padded or not), whole or as runs inside text.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    // Bytes are checked for being binary first (a large compressed body is not searched for runs);
    // strings, which are seldom binary, only once they hold a candidate.
    if (!layer.textOrigin && layer.binary) return [];
    const list = candidates(layer);
    if (list.length === 0 || layer.binary) return [];
    const out: DecodeStep[] = [];
    // Markup and code are full of runs of the alphabet that are words, not base64 (Firefox's cached
    // new-tab page: over 256 of them, `data-l10n-id` names and paths); they decode to nothing
    // plausible and cost a probe each. So every run is tried, within the layer's time, and the
    // bound is on what it yields: at most MAX_RUNS decoded layers.
    for (const [i, { whole, pieces }] of list.entries()) {
      if (i % 64 === 63) budget.checkTime();
      if (out.length >= MAX_RUNS) {
        budget.hit(`more than ${MAX_RUNS} base64 runs in one layer decoded; the rest were not decoded`);
        break;
      }
      if (whole !== undefined) {
        const bytes = decodeBase64(whole);
        // Text that lz-string (asked first) read as its base64 form is not also base64 of raw
        // deflate or brotli: the costly probe for those is skipped (lz64 is a common SDK format).
        if (bytes && bytes.length >= 4 && isPlausibleDecode(bytes, layer.memoLz !== true)) {
          out.push({ step: 'base64', bytes });
          continue;
        }
      }
      // Path segments carry text, JSON or protobuf; compressed data without a magic number is
      // only looked for in whole runs (the probe for it is the costly part).
      for (const p of pieces) {
        const bytes = decodeBase64(p);
        if (bytes && bytes.length >= 4 && isPlausibleDecode(bytes, false))
          out.push({ step: 'base64', bytes });
      }
    }
    return out;
  },
});
