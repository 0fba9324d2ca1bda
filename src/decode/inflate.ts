import zlib from 'node:zlib';
import { BoundError, type Budget } from './bounds.ts';
import { quietly } from './quiet.ts';

export type ZlibKind = 'gzip' | 'zlib' | 'deflate' | 'brotli';

/**
 * Inflates with node:zlib, capped at the budget's remaining bytes so a bomb stops at the cap.
 * Truncated streams yield what they hold. Returns null when the data is not of this kind.
 * @throws BoundError when the output would pass the budget.
 */
export function inflate(kind: ZlibKind, data: Buffer, budget: Budget): Buffer | null {
  return quietly(() => inflateLoud(kind, data, budget));
}

function inflateLoud(kind: ZlibKind, data: Buffer, budget: Budget): Buffer | null {
  const maxOutputLength = Math.max(1, budget.remaining());
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength };
  try {
    let out: Buffer;
    if (kind === 'gzip') out = zlib.gunzipSync(data, flush);
    else if (kind === 'zlib') out = zlib.inflateSync(data, flush);
    else if (kind === 'deflate') out = zlib.inflateRawSync(data, flush);
    else out = zlib.brotliDecompressSync(data, { maxOutputLength });
    budget.charge(out.length);
    return out;
  } catch (e) {
    if (e instanceof BoundError) throw e;
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BoundError(`${kind} data inflated past the ${budget.bounds.maxExpandedBytes}-byte bound`);
    }
    return null;
  }
}
