import zlib from 'node:zlib';
import { readsAsText } from './layer.ts';
import { looksLikeProtobuf } from './protobuf.ts';
import { quietly } from './quiet.ts';

/** Whether bytes start with the magic number of gzip, zlib or zstd. */
export function hasCompressionMagic(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return true;
  return isZlibHeader(b);
}

/** A zlib header: deflate method, window ≤ 32K, and the header checksum divides by 31. */
export function isZlibHeader(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && b[0]! >> 4 <= 7 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

/**
 * Whether bytes produced by a guessing decoder (base64, hex, raw deflate, brotli) are worth peeling
 * further: readable text, a compressed stream, or a well-formed protobuf message. Anything else is
 * almost surely a false decode of text that merely used the right alphabet.
 */
export function isPlausibleDecode(b: Buffer): boolean {
  if (b.length === 0) return false;
  if (hasCompressionMagic(b)) return true;
  if (readsAsText(b.toString('utf8'))) return true;
  if (looksLikeProtobuf(b)) return true;
  return headerlessCompressed(b);
}

const PROBE = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 4096, chunkSize: 4096 };

/**
 * Whether bytes look like raw deflate or brotli (formats without a magic number): the first few KB
 * they inflate to read as text. A bounded probe, so random bytes cost little.
 */
export function headerlessCompressed(b: Buffer): boolean {
  // Too short to be worth compressing; and deflate block type 3 does not exist.
  if (b.length < 16) return false;
  return quietly(() => probe(b));
}

function probe(b: Buffer): boolean {
  for (const inflate of [
    () => (((b[0]! >> 1) & 3) === 3 ? Buffer.alloc(0) : zlib.inflateRawSync(b, PROBE)),
    () => zlib.brotliDecompressSync(b, { maxOutputLength: 4096, chunkSize: 4096 }),
  ]) {
    try {
      if (readsAsText(inflate().toString('utf8'))) return true;
    } catch (e) {
      // Output larger than the probe is fine: the probe only looks at the start.
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return true;
    }
  }
  return false;
}
