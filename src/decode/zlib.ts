import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';
import { isZlibHeader } from './sniff.ts';

/** Peels zlib-wrapped deflate (recognised by its two-byte header checksum). */
export const zlibDecoder: Decoder = {
  id: 'zlib',
  explain: () => 'Inflates zlib data (deflate with a zlib header, e.g. 78 9c).',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    const b = layer.bytes;
    if (b.length < 6 || !isZlibHeader(b)) return [];
    const out = inflate('zlib', b, budget);
    return out && out.length > 0 ? [{ step: 'zlib', bytes: out }] : [];
  },
};
