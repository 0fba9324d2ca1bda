import { BoundError } from './bounds.ts';

/**
 * lz-string's decompression loop (lz-string 1.5.0, MIT, pieroxy), with one change: it stops with
 * BoundError once the output passes `maxChars`. The library's own functions cannot be bounded, and
 * a crafted input can make them produce output quadratic in its size. Vectors made with the real
 * lz-string library check that this loop decodes the same (test/decode/decoders.test.ts,
 * test/decode/shortcuts.test.ts). `values` holds the input's characters already mapped to numbers
 * (alphabet index or char code); `resetValue` is the top bit of one such number. Returns null for
 * input that is not lz-string.
 *
 * The library keeps its dictionary as strings, each made by joining two others. Every entry is
 * also a run of the output written so far (LZW: a new entry is the previous entry, which the
 * output holds, and the first unit of the entry that follows it there), so here an entry is a
 * start and a length in a buffer of UTF-16 units: no string is made until the end.
 */
export function lzDecompress(values: ArrayLike<number>, resetValue: number, maxChars: number): string | null {
  const length = values.length;
  // Entry n of the dictionary is out[start[n] .. start[n] + len[n]); entries 0-2 are never read.
  let start = new Int32Array(64);
  let len = new Int32Array(64);
  let out = new Uint16Array(256);
  let size = 0;
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  // The library reads each value's bits from the top one down and puts them together lowest
  // first. Here the bits wait in `buf` (the oldest highest) and come out up to 16 at a time,
  // reversed by a table. `index` is what the library's reader counts: 1 + the values used up.
  const width = 31 - Math.clz32(resetValue) + 1;
  const mask = 2 ** width - 1;
  let buf = 0;
  let held = 0;
  let used = 0;
  let next = 0;
  const take = (n: number): number => {
    while (held < n) {
      const v = next < length ? values[next]! & mask : 0;
      next++;
      buf = ((buf << width) | v) >>> 0;
      held += width;
    }
    held -= n;
    const chunk = (buf >>> held) & ((1 << n) - 1);
    buf &= (1 << held) - 1;
    used += n;
    return REVERSED[chunk]! >>> (16 - n);
  };
  const read = (n: number): number => (n <= 16 ? take(n) : take(16) | (take(n - 16) << 16));
  const indexNow = () => 1 + Math.floor(used / width);
  const room = (n: number) => {
    if (size + n <= out.length) return;
    let cap = out.length * 2;
    while (cap < size + n) cap *= 2;
    const grown = new Uint16Array(cap);
    grown.set(out.subarray(0, size));
    out = grown;
  };
  const entryAt = (n: number, from: number, count: number) => {
    if (n >= start.length) {
      const s2 = new Int32Array(start.length * 2);
      const l2 = new Int32Array(len.length * 2);
      s2.set(start);
      l2.set(len);
      start = s2;
      len = l2;
    }
    start[n] = from;
    len[n] = count;
  };
  let first: number;
  switch (read(2)) {
    case 0:
      first = read(8);
      break;
    case 1:
      first = read(16);
      break;
    default:
      return '';
  }
  out[0] = first;
  size = 1;
  entryAt(3, 0, 1);
  // The entry written last (the library's `w`), as a run of the output.
  let wStart = 0;
  let wLen = 1;
  if (size > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
  for (;;) {
    if (indexNow() > length) return '';
    let code = read(numBits);
    if (code === 0 || code === 1) {
      // A new unit: its entry is where it is written next, as the entry that follows.
      const unit = read(code === 0 ? 8 : 16);
      room(1);
      out[size] = unit;
      entryAt(dictSize++, size, 1);
      code = dictSize - 1;
      enlargeIn--;
    } else if (code === 2) {
      return unitsToString(out, size);
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let from: number;
    let count: number;
    if (code > 2 && code < dictSize) {
      from = start[code]!;
      count = len[code]!;
      room(count);
      // A new unit's entry is already in place; any other entry is copied from where it was written
      // (entries are short: a loop costs less than a native call).
      if (from !== size) for (let k = 0; k < count; k++) out[size + k] = out[from + k]!;
    } else if (code === dictSize) {
      // w and its own first unit: w ends where the output does.
      count = wLen + 1;
      room(count);
      for (let k = 0; k < wLen; k++) out[size + k] = out[wStart + k]!;
      out[size + wLen] = out[wStart]!;
      from = size;
    } else return null;
    const at = size;
    size += count;
    if (size > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
    // w followed by the entry's first unit: w's run is followed in the output by this entry.
    entryAt(dictSize++, wStart, wLen + 1);
    enlargeIn--;
    wStart = at;
    wLen = count;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}

/** Each 16-bit number with its bits in reverse order. */
const REVERSED = (() => {
  const t = new Uint16Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (t[i >>> 1]! >>> 1) | ((i & 1) << 15);
  return t;
})();

/** The first `size` units of `units` as a string, unit for unit (lone surrogates too). */
function unitsToString(units: Uint16Array, size: number): string {
  const parts: string[] = [];
  for (let i = 0; i < size; i += 8192)
    parts.push(
      String.fromCharCode.apply(null, units.subarray(i, Math.min(size, i + 8192)) as unknown as number[]),
    );
  return parts.join('');
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const URI_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';

/** Character code to alphabet index (0 for characters outside it, as lz-string does). */
function reverse(alphabet: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const BASE64_REV = reverse(BASE64);
const URI_REV = reverse(URI_SAFE);

/**
 * Whether the first character of base64 or URI-safe lz-string output can start a stream: its top
 * two bits, read lowest first, must say "8-bit" or "16-bit character" (0 or 1), or the library
 * returns "" at once. Spares building the input for the many base64 strings that are not lz-string.
 */
function startsAsLz(code: number, table: Uint8Array): boolean {
  const v = code < 128 ? table[code]! : 0;
  return (v & 16) === 0;
}

/** The alphabet index of each character (0 for characters outside it, as the library reads them). */
function indices(input: string, table: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    out[i] = c < 128 ? table[c]! : 0;
  }
  return out;
}

function charCodes(input: string, minus: number): Int32Array {
  const out = new Int32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input.charCodeAt(i) - minus;
  return out;
}

/** As LZString.decompressFromBase64, bounded. */
export function lzFromBase64(input: string, maxChars: number): string | null {
  if (input === '') return null;
  if (!startsAsLz(input.charCodeAt(0), BASE64_REV)) return '';
  return lzDecompress(indices(input, BASE64_REV), 32, maxChars);
}

/** As LZString.decompressFromEncodedURIComponent, bounded. */
export function lzFromUriSafe(input: string, maxChars: number): string | null {
  if (input === '') return null;
  const s = input.replace(/ /g, '+');
  if (!startsAsLz(s.charCodeAt(0), URI_REV)) return '';
  return lzDecompress(indices(s, URI_REV), 32, maxChars);
}

/** As LZString.decompressFromUTF16, bounded. */
export function lzFromUtf16(input: string, maxChars: number): string | null {
  if (input === '') return null;
  return lzDecompress(charCodes(input, 32), 16384, maxChars);
}

/** As LZString.decompress (raw 16-bit output), bounded. */
export function lzFromRaw(input: string, maxChars: number): string | null {
  if (input === '') return null;
  return lzDecompress(charCodes(input, 0), 32768, maxChars);
}

/** As LZString.decompressFromUint8Array (UCS-2 big endian), bounded. */
export function lzFromUint8Array(bytes: Uint8Array, maxChars: number): string | null {
  // The character codes the library would make a string of, read as lzFromRaw reads them.
  const codes = new Int32Array(bytes.length >> 1);
  if (codes.length === 0) return null;
  for (let i = 0; i < codes.length; i++) codes[i] = bytes[2 * i]! * 256 + bytes[2 * i + 1]!;
  return lzDecompress(codes, 32768, maxChars);
}
