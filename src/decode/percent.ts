import { isUtf8 } from 'node:buffer';
import { type DecodeStep, encodedOnly } from './decoder.ts';
import { layerJson } from './json.ts';
import type { Layer } from './layer.ts';
import { layerIsForm, layerIsUrl } from './layer-shape.ts';

const HAS_ESCAPE = /%[0-9A-Fa-f]{2}/;
const ESCAPE_RUNS = /((?:%[0-9A-Fa-f]{2})+)/;

/**
 * Percent-decodes text leniently: valid `%XX` runs become their UTF-8 characters, invalid ones stay
 * as they are, and `+` becomes a space when `plusIsSpace` (form encoding). Escapes of bytes that
 * are not UTF-8 become Latin-1 characters; use percentDecodeValue where such bytes matter.
 */
export function percentDecode(text: string, plusIsSpace: boolean): string {
  const src = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  if (!src.includes('%')) return src;
  try {
    return decodeURIComponent(src);
  } catch {
    // Malformed sequences somewhere: decode each run of escapes on its own and keep what fails.
    return src.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
      }
    });
  }
}

/**
 * The bytes percent-encoded text stands for: each `%XX` is that byte, anything else (a `%` not
 * followed by two hex digits too) its UTF-8, and `+` a space when `plusIsSpace`.
 */
export function percentDecodeBytes(text: string, plusIsSpace: boolean): Buffer {
  const src = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  // split with a capturing group alternates literal text (even indexes) and runs of escapes.
  const pieces = src.split(ESCAPE_RUNS);
  const bufs: Buffer[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (p === '') continue;
    bufs.push(i % 2 === 0 ? Buffer.from(p, 'utf8') : Buffer.from(p.replace(/%/g, ''), 'hex'));
  }
  return Buffer.concat(bufs);
}

/**
 * Percent-decodes a value: text when the bytes it stands for are UTF-8 (as percentDecode), else
 * those bytes, so that binary data sent percent-encoded (gzip in a form field, as SDKs post it)
 * reaches the decoders whole instead of as text that lost its non-UTF-8 bytes.
 */
export function percentDecodeValue(text: string, plusIsSpace: boolean): string | Buffer {
  const src = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  if (!src.includes('%')) return src;
  try {
    // The native decoder is fast and fails on any escape that is not UTF-8 (or a malformed one).
    return decodeURIComponent(src);
  } catch {
    const bytes = percentDecodeBytes(src, false);
    return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
  }
}

/** A decode step named `step` holding a percent-decoded value: text, or bytes when not UTF-8. */
export function percentStep(step: string, value: string | Buffer): DecodeStep {
  return typeof value === 'string' ? { step, text: value } : { step, bytes: value };
}

/** Peels percent-encoding (`%XX`, also double-encoded, one level per step). */
export const percentDecoder = encodedOnly({
  id: 'percent',
  explain: () =>
    'Percent-decodes text that holds %XX escapes (each level of double encoding is one step), to bytes when they are not UTF-8.',
  decode(layer: Layer): DecodeStep[] {
    const text = layer.text;
    // The binary check scans a sample; the search for "%" is cheaper, so it comes first.
    // Percent-encoded text as browsers and SDKs write it has no raw control byte: text with one
    // is binary (protobuf, say) whose fields other decoders read.
    if (!text.includes('%') || layer.hasControl) return [];
    // Form text is split and decoded field by field by the form decoder, which names the fields.
    // So are a URL by the url decoder, JSON by the json decoder string by string, and multipart
    // ("--boundary") part by part.
    if (
      !HAS_ESCAPE.test(text) ||
      layerIsForm(layer) ||
      layerIsUrl(layer) ||
      layer.trimmed.startsWith('--') ||
      layerJson(layer) !== undefined
    )
      return [];
    const out = percentDecodeValue(text, false);
    if (out === text) return [];
    if (typeof out === 'string') layer.memoPercentText = true;
    return [percentStep('percent', out)];
  },
});
