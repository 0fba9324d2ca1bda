import zlib from 'node:zlib';
import { brotliGivesNothing } from './brotli-header.ts';
import { readsAsText } from './layer.ts';
import { looksLikePeelableProtobuf } from './protobuf.ts';
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
 * further: readable text, a compressed stream, or a well-formed protobuf message with a field to
 * peel. Anything else is almost surely a false decode of text that merely used the right alphabet.
 * `headerless: false` skips the probe for raw deflate and brotli (the costly part).
 */
export function isPlausibleDecode(b: Buffer, headerless = true): boolean {
  if (b.length === 0) return false;
  if (hasCompressionMagic(b)) return true;
  // readsAsText looks at the first 4096 UTF-16 units, which never take more than 3 bytes each:
  // decoding a 16K prefix reads the same sample without converting a large buffer whole.
  if (readsAsText(b.subarray(0, 16384).toString('utf8'))) return true;
  if (looksLikePeelableProtobuf(b)) return true;
  return headerless && headerlessCompressed(b);
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
    () => (mayBeRawDeflate(b) ? zlib.inflateRawSync(b, PROBE) : Buffer.alloc(0)),
    // brotliGivesNothing: the native call would throw a format error or give nothing.
    () =>
      brotliGivesNothing(b)
        ? Buffer.alloc(0)
        : zlib.brotliDecompressSync(b, { maxOutputLength: 4096, chunkSize: 4096 }),
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

/**
 * Whether text is only digits and hex letters of one case (an id, a hash, a number), or a UUID
 * (8-4-4-4-12 such characters, SDKs' distinct, device, session and event ids). Such text is read
 * as hex or a number, never as base64 or lz-string: their output, from any input, holds other
 * letters; the chance that 8 or more of its characters are all hex is below 1 in 5000, and falls
 * fast with length (a UUID's 32 hex characters, placed as its dashes are, far below that).
 */
export function isHexLike(t: string): boolean {
  let lower = false;
  let upper = false;
  const uuid = t.length === 36;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    if (uuid && c === 0x2d && (i === 8 || i === 13 || i === 18 || i === 23)) continue;
    if (c >= 0x61 && c <= 0x66) lower = true;
    else if (c >= 0x41 && c <= 0x46) upper = true;
    else return false;
  }
  return !(lower && upper);
}

/**
 * False when the first block header of raw deflate data is one zlib refuses before writing any
 * output: block type 3, a stored block whose length and its complement disagree, or a dynamic
 * block with too many symbols or a code-length code that is over-subscribed or incomplete. Random
 * bytes (ids, ciphertext) fail this three times in four, without a native inflater being set up.
 * True when the header is valid or too short to tell.
 */
export function mayBeRawDeflate(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  const type = (b[0]! >> 1) & 3;
  if (type === 3) return false;
  if (type === 0) {
    if (b.length < 5) return true;
    return (b[1]! | (b[2]! << 8)) === (~(b[3]! | (b[4]! << 8)) & 0xffff);
  }
  if (type === 1) return !fixedBlockFails(b);
  // Dynamic block: read bits LSB first, after BFINAL and BTYPE.
  let pos = 3;
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, pos++) v |= ((b[pos >> 3]! >> (pos & 7)) & 1) << i;
    return v;
  };
  if (b.length * 8 < 3 + 14) return true;
  const hlit = bits(5) + 257;
  const hdist = bits(5) + 1;
  const hclen = bits(4) + 4;
  if (hlit > 286 || hdist > 30) return false;
  if (b.length * 8 < 17 + hclen * 3) return true;
  // The code-length code (RFC 1951, 3.2.7): the order its lengths are listed in does not matter
  // for whether they make a complete prefix code, only how many there are of each length.
  const count = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < hclen; i++) count[bits(3)]!++;
  let max = 7;
  while (max > 0 && count[max] === 0) max--;
  // No code at all: zlib's own error path; leave it to zlib.
  if (max === 0) return true;
  let left = 1;
  for (let len = 1; len <= 7; len++) {
    left = (left << 1) - count[len]!;
    if (left < 0) return false;
  }
  return left === 0;
}

// Fixed-Huffman lengths (symbols 257-285) and distances (codes 0-29): base and extra bits (RFC 1951, 3.2.5).
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
/** Output before the error up to which fixedBlockFails answers (far below any output chunk). */
const FIXED_CHECK_OUTPUT = 256;

/**
 * True when raw deflate data whose first block has fixed Huffman codes (type 1) makes zlib fail in
 * that block before it has written FIXED_CHECK_OUTPUT bytes and before the input ends: a literal or
 * length code 286 or 287, a distance code 30 or 31, or a distance back past the start of the output
 * ("invalid distance too far back"; there is no dictionary). zlib then throws within its first output
 * chunk, so the call gives nothing. Random bytes with a fixed first block (a quarter of them, and
 * every protobuf message whose first field is length-delimited: 0a, 12, 1a, 22 ...) fail within a
 * few codes; real streams never do. False when the block ends, the input runs out, or the output
 * grows past the limit first: zlib is asked then.
 */
export function fixedBlockFails(b: Uint8Array): boolean {
  const end = b.length * 8;
  let pos = 3;
  const bit = (): number => {
    const v = (b[pos >> 3]! >> (pos & 7)) & 1;
    pos++;
    return v;
  };
  // Extra bits are read lowest first; Huffman codes highest first.
  const extra = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v |= bit() << i;
    return v;
  };
  let out = 0;
  while (out <= FIXED_CHECK_OUTPUT) {
    // The longest code is 9 bits, with up to 5 extra, a 5-bit distance code and 13 extra.
    if (pos + 9 > end) return false;
    let code = 0;
    for (let i = 0; i < 7; i++) code = (code << 1) | bit();
    let sym: number;
    if (code <= 23) sym = 256 + code;
    else {
      code = (code << 1) | bit();
      if (code >= 48 && code <= 191) sym = code - 48;
      else if (code >= 192 && code <= 199) sym = 280 + code - 192;
      else sym = 144 + ((code << 1) | bit()) - 400;
    }
    if (sym < 256) {
      out++;
      continue;
    }
    if (sym === 256) return false;
    if (sym >= 286) return true;
    if (pos + LENGTH_EXTRA[sym - 257]! + 5 > end) return false;
    const length = LENGTH_BASE[sym - 257]! + extra(LENGTH_EXTRA[sym - 257]!);
    let d = 0;
    for (let i = 0; i < 5; i++) d = (d << 1) | bit();
    if (d >= 30) return true;
    const dExtra = d < 4 ? 0 : (d >> 1) - 1;
    if (pos + dExtra > end) return false;
    const distance = DIST_BASE[d]! + extra(dExtra);
    if (distance > out) return true;
    out += length;
  }
  return false;
}
