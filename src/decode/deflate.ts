import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';
import { hasCompressionMagic, isPlausibleDecode, mayBeRawDeflate } from './sniff.ts';

/**
 * Peels raw deflate (no header, as pako.deflateRaw and fflate.deflateSync write it). It has no magic
 * number, so it is tried on binary layers and kept only when the result is plausible.
 */
export const deflateDecoder: Decoder = {
  id: 'deflate',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () =>
    'Inflates raw deflate data (no header), kept only when the result reads as text or known data.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    // Compressed bytes do not survive being held in a string (its UTF-8 re-encodes every byte
    // above 7f), so only layers that are bytes (a body, a decoder's output) are tried.
    if (layer.textOrigin) return [];
    const b = layer.bytes;
    if (b.length < 4 || !layer.hasControl || hasCompressionMagic(b) || !mayBeRawDeflate(b)) return [];
    const out = inflate('deflate', b, budget);
    return out && isPlausibleDecode(out) ? [{ step: 'deflate', bytes: out }] : [];
  },
};
