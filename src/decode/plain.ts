import type { Layer } from './layer.ts';
import { URL_START } from './layer-shape.ts';
import { isHexLike } from './sniff.ts';

// Character classes, by code below 128: base64 (standard and URL-safe) and the other characters
// some built-in decoder reads as part of its encoding (space, "$" for lz-string's URI-safe form).
const BASE64 = new Uint8Array(128);
const ENCODING = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') {
  BASE64[c.charCodeAt(0)] = 1;
  ENCODING[c.charCodeAt(0)] = 1;
}
ENCODING[0x20] = 1;
ENCODING[0x24] = 1;

/** Runs of base64 characters this long are decoded inside text (base64.ts). */
const LONG_RUN = 16;
/** Shorter text is never whole base64 or lz-string (base64.ts, lz-string.ts). */
const SHORT = 8;

/**
 * Whether a layer is plain text: text in which no built-in decoder can find its
 * encoding, so peel need not ask them (decoders say so with `ignoresPlainText`). That is text with
 * no "%", "=", control or non-Latin-1 character, not starting like JSON, multipart, protobuf or zlib,
 * with no "eyJ" (JWT), no run of 16 base64 characters, and, unless it is shorter than 8 characters,
 * at least one character outside the base64 and lz-string alphabets or, if all its characters are
 * in them, more than one space in 20 characters (prose; lz-string and base64 allow a few spaces for
 * lost "+"). Most strings in telemetry (words, URLs, names, dates, user agents) are plain. A layer
 * of bytes may be plain too: its text then has no U+FFFD, so the bytes are that text's UTF-8, with
 * no control byte (no compressed stream) and no byte a magic number needs (1f 8b, 28 b5 2f fd).
 */
export function isPlainText(layer: Layer): boolean {
  return textClass(layer) === 'plain';
}

/**
 * `plain` (see isPlainText); `hex` for a string of digits and hex letters of one case (an id, a
 * hash, a timestamp), which of the built-in decoders only the hex decoder reads (decoders that do
 * not say so with `ignoresHexText`); `other` for anything else.
 */
export type TextClass = 'plain' | 'hex' | 'other';

/** The class of a layer; see TextClass. */
export function textClass(layer: Layer): TextClass {
  return textClassOf(layer.text, layer.trimmed);
}

/** textClass of a layer made from the string `text` (`t` is it trimmed), without making the layer. */
export function textClassOf(text: string, t: string = text.trim()): TextClass {
  if (t.length === 0) return 'plain';
  const first = t.charCodeAt(0);
  // JSON, and multipart's "--boundary".
  if (first === 0x7b || first === 0x5b || first === 0x22 || t.startsWith('--')) return 'other';
  // Protobuf (a first byte below 20, even a tab or newline) and a zlib header (by its checksum).
  const c0 = text.charCodeAt(0);
  if (c0 < 0x20) return 'other';
  if ((c0 & 0x0f) === 8 && c0 < 0x80) {
    // The second byte: the character itself, or the lead byte of its UTF-8 (C2 or C3 up to FF).
    const c1 = text.charCodeAt(1);
    const b1 = c1 < 0x80 ? c1 : c1 < 0xc0 ? 0xc2 : 0xc3;
    if (((c0 << 8) | b1) % 31 === 0) return 'other';
  }
  if (isHexLike(t)) return 'hex';
  // A URL's bare query ("?word") and its fragment are peeled (as `url → query`) with nothing to
  // decode in them: such a URL is not plain, or the url decoder would be skipped where it peels.
  if ((t.includes('?') || t.includes('#')) && URL_START.test(t) && !/\s/.test(t)) return 'other';
  return plainRest(text, t) ? 'plain' : 'other';
}

function plainRest(text: string, t: string): boolean {
  if (text.includes('%') || text.includes('=') || text.includes('eyJ')) return false;
  let run = 0;
  let outside = false;
  let spaces = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x80 && BASE64[c] === 1) {
      if (++run >= LONG_RUN) return false;
      continue;
    }
    run = 0;
    if (c === 0x20) spaces++;
    else if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c === 0x7f || c > 0xff) return false;
    else if (c >= 0x80 || ENCODING[c] !== 1) outside = true;
  }
  return outside || t.length < SHORT || spaces * 20 > t.length;
}
