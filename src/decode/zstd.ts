import { Decompress } from 'fzstd';
import { BoundError, type Budget } from './bounds.ts';

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
