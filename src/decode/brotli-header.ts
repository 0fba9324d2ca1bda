/**
 * A reading of a brotli stream's headers (RFC 7932) that stops where node's decoder (google/brotli
 * 1.1, as node:zlib builds it, without the large-window option) would write its first byte. It
 * answers one question cheaply: is `zlib.brotliDecompressSync` sure to give nothing? Brotli has no
 * magic number, so every binary layer and every hex or base64 decode is offered to it; setting up
 * the native decoder for bytes that are not brotli cost ~30 us a call, and random bytes nearly
 * always break a rule of the headers in their first few bytes.
 */

/** Bits read lowest first, as brotli packs them; reading past the end marks the input short. */
class BitReader {
  pos = 0;
  /** True once a read needed more bits than the input holds (the decoder then waits for input). */
  short = false;
  private readonly end: number;

  constructor(private readonly b: Uint8Array) {
    this.end = b.length * 8;
  }

  left(): number {
    return this.end - this.pos;
  }

  /** The next n bits (n ≤ 24) without moving: bits past the end read as zero. */
  peek(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const p = this.pos + i;
      if (p >= this.end) break;
      v |= ((this.b[p >> 3]! >> (p & 7)) & 1) << i;
    }
    return v;
  }

  drop(n: number): void {
    this.pos += n;
    if (this.pos > this.end) this.short = true;
  }

  bits(n: number): number {
    const v = this.peek(n);
    this.drop(n);
    return v;
  }

  /** Moves to the next byte boundary; false when a skipped bit is set (the padding rule). */
  padIsZero(): boolean {
    const n = (8 - (this.pos & 7)) & 7;
    return this.bits(n) === 0;
  }
}

/**
 * A prefix code as the decoder reads it: canonical, codes ordered by length then symbol (RFC 7932,
 * 3.2), read first bit first. A code of one symbol takes no bits.
 */
interface PrefixCode {
  /** The symbol of a one-symbol code, else -1. */
  single: number;
  /** How many symbols have each code length (index 1-15). */
  count: number[];
  /** The symbols by code length, then by value. */
  sorted: number[];
}

function prefixCode(lengths: ArrayLike<number>, symbols?: ArrayLike<number>): PrefixCode {
  const count = new Array<number>(16).fill(0);
  const order: Array<[number, number]> = [];
  for (let i = 0; i < lengths.length; i++) {
    if (lengths[i] === 0) continue;
    count[lengths[i]!]!++;
    order.push([lengths[i]!, symbols ? symbols[i]! : i]);
  }
  order.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { single: -1, count, sorted: order.map((o) => o[1]) };
}

function readSymbol(r: BitReader, code: PrefixCode): number {
  if (code.single >= 0) return code.single;
  let c = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= 15; len++) {
    c |= r.bits(1);
    const n = code.count[len]!;
    if (c - first < n) return code.sorted[index + c - first]!;
    index += n;
    first = (first + n) << 1;
    c <<= 1;
  }
  // Unreachable for the complete codes the callers build; read as a failure.
  r.short = true;
  return 0;
}

/** The order code-length code lengths are listed in (RFC 7932, 3.5). */
const CODE_LENGTH_ORDER = [1, 2, 3, 4, 0, 5, 17, 6, 16, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/** The fixed code of code-length code lengths, looked up by the next 4 bits: its length and value. */
const CL_PREFIX_LENGTH = [2, 2, 2, 3, 2, 2, 2, 4, 2, 2, 2, 3, 2, 2, 2, 4];
const CL_PREFIX_VALUE = [0, 4, 3, 2, 0, 4, 3, 1, 0, 4, 3, 2, 0, 4, 3, 5];

/** Number of bits in x (the decoder's Log2Floor). */
function bitLength(x: number): number {
  let n = 0;
  while (x > 0) {
    x >>= 1;
    n++;
  }
  return n;
}

/** Simple codes' code lengths (RFC 7932, 3.4) for 1, 2, 3 and 4 symbols, and 4 with tree-select set. */
const SIMPLE_LENGTHS = [[0], [1, 1], [1, 2, 2], [2, 2, 2, 2], [1, 2, 3, 3]];

/**
 * Reads a prefix code over `size` symbols (the decoder's ReadHuffmanCode, with its maximum and
 * limit alike, as they are without the large window). Null when the decoder rejects it: a simple
 * code's symbol out of range or repeated, code-length code lengths that neither fill their space
 * nor are a single code, or symbol code lengths that do not fill theirs exactly.
 */
function readPrefixCode(r: BitReader, size: number): PrefixCode | null {
  const hskip = r.bits(2);
  if (hskip === 1) {
    const nsym = r.bits(2) + 1;
    const width = bitLength(size - 1);
    const symbols: number[] = [];
    for (let i = 0; i < nsym; i++) {
      const v = r.bits(width);
      if (r.short) return null;
      if (v >= size) return null;
      symbols.push(v);
    }
    if (new Set(symbols).size !== nsym) return null;
    const tree = nsym === 4 ? r.bits(1) : 0;
    if (nsym === 1) return { single: symbols[0]!, count: [], sorted: [] };
    return prefixCode(SIMPLE_LENGTHS[nsym - 1 + tree]!, symbols);
  }
  // Complex code: first the code lengths of the 18 code-length symbols (HSKIP of them left out).
  const clLengths = new Array<number>(18).fill(0);
  let space = 32;
  let codes = 0;
  for (let i = hskip; i < 18; i++) {
    const ix = r.peek(4);
    r.drop(CL_PREFIX_LENGTH[ix]!);
    if (r.short) return null;
    const v = CL_PREFIX_VALUE[ix]!;
    clLengths[CODE_LENGTH_ORDER[i]!] = v;
    if (v !== 0) {
      space -= 32 >> v;
      codes++;
      // Full, or past full (the decoder's unsigned space wrapped).
      if (space <= 0) break;
    }
  }
  if (!(codes === 1 || space === 0)) return null;
  const clCode = prefixCode(clLengths);
  if (codes === 1) clCode.single = clCode.sorted[0]!;
  // Then the symbols' code lengths, with repeats (16: the previous non-zero length, 17: zeros).
  const lengths = new Array<number>(size).fill(0);
  let symbol = 0;
  let repeat = 0;
  let repeatLength = 0;
  let previous = 8;
  // Signed here: below zero is where the decoder's unsigned space wraps, which is as "not zero".
  let left = 32768;
  while (symbol < size && left !== 0) {
    const len = readSymbol(r, clCode);
    if (r.short) return null;
    if (len < 16) {
      repeat = 0;
      if (len !== 0) {
        lengths[symbol] = len;
        previous = len;
        left -= 32768 >> len;
      }
      symbol++;
      continue;
    }
    const extraBits = len === 16 ? 2 : 3;
    const delta0 = r.bits(extraBits);
    if (r.short) return null;
    const newLength = len === 16 ? previous : 0;
    if (repeatLength !== newLength) {
      repeat = 0;
      repeatLength = newLength;
    }
    const old = repeat;
    if (repeat > 0) repeat = (repeat - 2) * 2 ** extraBits;
    repeat += delta0 + 3;
    const delta = repeat - old;
    // The decoder marks this as an error and ends the code with its space not filled.
    if (symbol + delta > size) return null;
    if (repeatLength !== 0) {
      for (let k = 0; k < delta; k++) lengths[symbol + k] = repeatLength;
      left -= delta * 2 ** (15 - repeatLength);
    }
    symbol += delta;
  }
  if (left !== 0) return null;
  return prefixCode(lengths);
}

/** A number from 0 to 255 in 1-11 bits (the decoder's DecodeVarLenUint8). */
function varLenUint8(r: BitReader): number {
  if (r.bits(1) === 0) return 0;
  const n = r.bits(3);
  if (n === 0) return 1;
  return (1 << n) + r.bits(n);
}

/** Extra bits of the 26 block-length symbols (RFC 7932, 6). */
const BLOCK_LENGTH_EXTRA = [
  2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 24,
];

/** Reads a context map of `size` entries; its number of trees, or null where the decoder fails. */
function readContextMap(r: BitReader, size: number): number | null {
  const trees = varLenUint8(r) + 1;
  if (trees <= 1 || r.short) return trees;
  // The decoder asks for 5 bits here (RLEMAX's flag and value) even when it uses one.
  if (r.left() < 5) {
    r.short = true;
    return trees;
  }
  const rleMax = r.bits(1) ? r.bits(4) + 1 : 0;
  const code = readPrefixCode(r, trees + rleMax);
  if (!code) return null;
  let i = 0;
  while (i < size) {
    const c = readSymbol(r, code);
    if (r.short) return trees;
    if (c === 0 || c > rleMax) {
      i++;
      continue;
    }
    const reps = r.bits(c) + (1 << c);
    if (r.short) return trees;
    if (i + reps > size) return null;
    i += reps;
  }
  r.bits(1);
  return trees;
}

/**
 * The header of a compressed meta-block (RFC 7932, 9.2) up to its first command: block types and
 * counts, distance parameters, context modes and maps, then every prefix code. False where the
 * decoder rejects it; true when it is read whole (or the input ran out: the caller checks `short`).
 */
function compressedHeaderValid(r: BitReader): boolean {
  const blockTypes = [1, 1, 1];
  for (let k = 0; k < 3; k++) {
    const n = varLenUint8(r) + 1;
    if (r.short) return true;
    blockTypes[k] = n;
    if (n < 2) continue;
    if (!readPrefixCode(r, n + 2)) return r.short;
    const lengthCode = readPrefixCode(r, 26);
    if (!lengthCode) return r.short;
    r.bits(BLOCK_LENGTH_EXTRA[readSymbol(r, lengthCode)]!);
    if (r.short) return true;
  }
  const npostfix = r.bits(2);
  const ndirect = r.bits(4) << npostfix;
  r.drop(2 * blockTypes[0]!);
  if (r.short) return true;
  const literalTrees = readContextMap(r, blockTypes[0]! << 6);
  if (literalTrees === null || r.short) return r.short;
  const distanceTrees = readContextMap(r, blockTypes[2]! << 2);
  if (distanceTrees === null || r.short) return r.short;
  const distanceAlphabet = 16 + ndirect + (24 << (npostfix + 1));
  for (const [trees, size] of [
    [literalTrees, 256],
    [blockTypes[1]!, 704],
    [distanceTrees, distanceAlphabet],
  ] as const) {
    for (let t = 0; t < trees; t++) {
      if (!readPrefixCode(r, size)) return r.short;
    }
  }
  return true;
}

/**
 * Output that a failure in the same native call throws away: node's sync call hands out output only
 * when a call fills the output chunk, which is never smaller than zlib's Z_MIN_CHUNK (64 bytes).
 */
const OUTPUT_LOST = 64;

/**
 * True when node's `zlib.brotliDecompressSync` is sure to give nothing for these bytes, with any
 * options the callers pass (maxOutputLength, chunkSize): it throws a format error, or "unexpected
 * end of file", before writing a byte, or the stream is empty. That is so when the stream header
 * or a meta-block header breaks a rule of RFC 7932 as google/brotli checks it (WBITS 0x11, a set
 * reserved or padding bit, a superfluous zero nibble, an invalid prefix code or context map), when
 * the input ends inside those headers (node finishes the stream, so a wait for input is an error),
 * or when the last meta-block is empty (ISLASTEMPTY, or metadata). False when the headers are
 * read whole up to the first byte of output: the native decoder is asked then.
 */
export function brotliGivesNothing(b: Uint8Array): boolean {
  const r = new BitReader(b);
  // WBITS: 0x11 in 7 bits is the large-window marker, which node does not enable.
  if (r.bits(1) === 1 && r.bits(3) === 0 && r.bits(3) === 1) return true;
  if (r.short) return true;
  // Bytes written by uncompressed meta-blocks so far; a failure before OUTPUT_LOST bytes loses them.
  let out = 0;
  for (;;) {
    const last = r.bits(1);
    if (last && r.bits(1)) {
      // ISLASTEMPTY: the stream ends; the padding to the byte boundary must be zero.
      if (r.short || !r.padIsZero()) return true;
      return out === 0;
    }
    const nibbles = r.bits(2);
    if (r.short) return true;
    if (nibbles === 3) {
      // Metadata: a reserved bit, then MSKIPBYTES and the skipped length, padding, the bytes.
      if (r.bits(1)) return true;
      const skipBytes = r.bits(2);
      let skip = 0;
      for (let i = 0; i < skipBytes; i++) {
        const v = r.bits(8);
        if (i + 1 === skipBytes && skipBytes > 1 && v === 0) return true;
        skip += v * 2 ** (8 * i);
      }
      if (skipBytes > 0) skip++;
      if (!r.padIsZero()) return true;
      r.drop(8 * skip);
      if (r.short) return true;
      // A last metadata block ends the stream.
      if (last) return out === 0;
      continue;
    }
    let length = 0;
    for (let i = 0; i < nibbles + 4; i++) {
      const v = r.bits(4);
      if (i + 1 === nibbles + 4 && nibbles > 0 && v === 0) return true;
      length += v * 2 ** (4 * i);
    }
    length++;
    if (r.short) return true;
    if (!last && r.bits(1)) {
      // Uncompressed: padding to the byte boundary must be zero, then the bytes are copied out.
      if (!r.padIsZero() || r.short) return true;
      const bytes = r.left() / 8;
      // Cut short inside the block: at most the bytes left are written before the wait for input.
      if (length > bytes) return out + bytes < OUTPUT_LOST;
      r.drop(8 * length);
      out += length;
      if (out >= OUTPUT_LOST) return false;
      continue;
    }
    if (r.short) return true;
    return !compressedHeaderValid(r) || r.short;
  }
}
