import type { Budget } from './bounds.ts';
import { type DecodeStep, encodedOnly } from './decoder.ts';
import { type Layer, readsAsText } from './layer.ts';
import { lzFromBase64, lzFromRaw, lzFromUint8Array, lzFromUriSafe, lzFromUtf16 } from './lz-bounded.ts';
import { isHexLike } from './sniff.ts';

const B64 = /^[A-Za-z0-9+/]+={0,3}$/;
const URI = /^[A-Za-z0-9+\-$ ]+$/;
const MIN = 8;

function accept(out: string | null, into: DecodeStep[], seen: Set<string>): void {
  if (out && out.length >= 4 && readsAsText(out) && !seen.has(out)) {
    seen.add(out);
    into.push({ step: 'lz-string', text: out });
  }
}

function countSpaces(t: string): number {
  let n = 0;
  for (let i = t.indexOf(' '); i >= 0; i = t.indexOf(' ', i + 1)) n++;
  return n;
}

const WIDE = /[^\u0000-\u00ff]/;

/** Share of characters above U+00FF in a sample: lz-string's raw and UTF-16 forms are full of them. */
function wideShare(t: string): number {
  const n = Math.min(t.length, 512);
  // Most layers hold none: a native scan says so faster than the counting loop below.
  if (!WIDE.test(n < t.length ? t.slice(0, n) : t)) return 0;
  let wide = 0;
  for (let i = 0; i < n; i++) if (t.charCodeAt(i) > 0xff) wide++;
  return n === 0 ? 0 : wide / n;
}

/**
 * Peels lz-string in each of its output forms: compressToBase64, compressToEncodedURIComponent,
 * compressToUTF16, compress (raw UTF-16) and compressToUint8Array. Kept only when the result reads as
 * text, since many strings are valid input to some form.
 */
export const lzStringDecoder = encodedOnly({
  id: 'lz-string',
  explain: () =>
    'Decompresses lz-string data in any of its forms (base64, URI-safe, UTF-16, raw, Uint8Array).',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    const out: DecodeStep[] = [];
    const seen = new Set<string>();
    // Characters of JS strings take two bytes: halve the byte budget.
    const max = Math.floor(budget.remaining() / 2);
    const t = layer.trimmed;
    if (t.length < MIN) return out;
    // Ids, hashes and numbers (hex or digits only) are never lz-string output (see isHexLike).
    const hexLike = isHexLike(t);
    const b64 = !hexLike && B64.test(t);
    if (b64) accept(lzFromBase64(t, max), out, seen);
    // URI-safe output may come back with "+" turned into spaces, but prose has a space every few
    // characters: only a few spaces are taken for lost pluses. Text that passed as base64 and also
    // fits the URI-safe alphabet uses only the characters both alphabets map alike: the same
    // decode again, so it is skipped.
    if (out.length === 0 && !b64 && !hexLike && URI.test(t) && countSpaces(t) * 20 <= t.length)
      accept(lzFromUriSafe(t, max), out, seen);
    if (out.length === 0 && wideShare(t) > 0.5) {
      accept(lzFromUtf16(t, max), out, seen);
      if (out.length === 0) accept(lzFromRaw(t, max), out, seen);
    }
    if (out.length === 0 && layer.binary && layer.bytes.length % 2 === 0) {
      accept(lzFromUint8Array(layer.bytes, max), out, seen);
    }
    for (const s of out) budget.charge((s.text ?? '').length * 2);
    if (out.length > 0) layer.memoLz = true;
    return out;
  },
});
