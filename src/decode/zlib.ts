import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';
import { isZlibHeader } from './sniff.ts';

/** Peels zlib-wrapped deflate (recognised by its two-byte header checksum). */
export const zlibDecoder: Decoder = {
  id: 'zlib',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () => 'Inflates zlib data (deflate with a zlib header, e.g. 78 9c).',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    if (layer.textOrigin) {
      // The first byte must have compression method 8 and a window of at most 32K (a high nibble
      // of 7 or less): a character of U+0080 or above is encoded from C2 upwards, so it never is.
      const c = layer.text.charCodeAt(0);
      if (!(c < 0x80 && (c & 0x0f) === 8)) return [];
    }
    const b = layer.bytes;
    if (b.length < 6 || !isZlibHeader(b)) return [];
    const out = inflate('zlib', b, budget);
    return out && out.length > 0 ? [{ step: 'zlib', bytes: out }] : [];
  },
};
