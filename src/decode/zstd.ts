import { Decompress } from 'fzstd';
import { BoundError, type Budget } from './bounds.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import type { Layer } from './layer.ts';
import { quietly } from './quiet.ts';

/**
 * Decompresses zstd with fzstd's streaming decoder (node 20's zlib has no zstd), stopping as soon
 * as the output passes the budget. Returns null when the data is not valid zstd.
 * @throws BoundError when the output would pass the budget.
 */
export function unzstd(data: Uint8Array, budget: Budget): Buffer | null {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const limit = budget.remaining();
  let over = false;
  const d = new Decompress((chunk) => {
    total += chunk.length;
    if (total > limit) {
      over = true;
      throw new BoundError(`zstd data inflated past the ${budget.bounds.maxExpandedBytes}-byte bound`);
    }
    chunks.push(chunk);
  });
  try {
    d.push(data, true);
  } catch (e) {
    if (over || e instanceof BoundError)
      throw new BoundError(`zstd data inflated past the ${budget.bounds.maxExpandedBytes}-byte bound`);
    // Truncated frames still give what was decoded before the end.
    if (total === 0) return null;
  }
  const out = Buffer.concat(chunks);
  budget.charge(out.length);
  return out;
}

/** Peels zstd (recognised by its 28 b5 2f fd magic). */
export const zstdDecoder: Decoder = {
  id: 'zstd',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () => 'Decompresses zstd data, recognised by its 28 b5 2f fd frame header.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    // b5 cannot follow 28 in UTF-8: a layer made from a string is never zstd.
    if (layer.textOrigin) return [];
    const b = layer.bytes;
    if (b.length < 9 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return [];
    const out = quietly(() => unzstd(b, budget));
    return out && out.length > 0 ? [{ step: 'zstd', bytes: out }] : [];
  },
};
