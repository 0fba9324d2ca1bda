import type { Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';

/** Peels gzip (recognised by its 1f 8b magic). */
export const gzipDecoder: Decoder = {
  id: 'gzip',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () => 'Inflates gzip data, recognised by its 1f 8b header.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    // 8b cannot follow 1f in UTF-8: a layer made from a string is never gzip.
    if (layer.textOrigin) return [];
    const b = layer.bytes;
    if (b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b) return [];
    const out = inflate('gzip', b, budget);
    return out && out.length > 0 ? [{ step: 'gzip', bytes: out }] : [];
  },
};
