import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';
import { hasCompressionMagic, isPlausibleDecode } from './sniff.ts';

/** Peels brotli. Brotli has no magic number: tried on binary layers, kept only when plausible. */
export const brotliDecoder: Decoder = {
  id: 'brotli',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () => 'Decompresses brotli data, kept only when the result reads as text or known data.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    // Compressed bytes do not survive being held in a string (its UTF-8 re-encodes every byte
    // above 7f), so only layers that are bytes (a body, a decoder's output) are tried.
    if (layer.textOrigin) return [];
    const b = layer.bytes;
    if (b.length < 4 || !layer.hasControl || hasCompressionMagic(b)) return [];
    const out = inflate('brotli', b, budget);
    return out && isPlausibleDecode(out) ? [{ step: 'brotli', bytes: out }] : [];
  },
};
