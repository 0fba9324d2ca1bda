import { BoundError } from './bounds.ts';

/**
 * lz-string's decompression loop (lz-string 1.5.0, MIT, pieroxy), with one change: it stops with
 * BoundError once the output passes `maxChars`. The library's own functions cannot be bounded, and
 * a crafted input can make them produce output quadratic in its size. Vectors made with the real
 * lz-string library check that this loop decodes the same (test/decode/decoders.test.ts).
 * `values` holds the input's characters already mapped to numbers (alphabet index or char code);
 * `resetValue` is the top bit of one such number. Returns null for input that is not lz-string.
 */
export function lzDecompress(values: ArrayLike<number>, resetValue: number, maxChars: number): string | null {
  const length = values.length;
  const dictionary: string[] = [];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  let total = 0;
  const result: string[] = [];
  // The bit reader is kept in locals (not a closure over an object) because this loop is hot:
  // it runs on every string that might be lz-string.
  let val = length > 0 ? values[0]! : 0;
  let position = resetValue;
  let index = 1;
  const read = (n: number): number => {
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if ((val & position) !== 0) bits |= 1 << i;
      position >>= 1;
      if (position === 0) {
        position = resetValue;
        val = index < length ? values[index]! : 0;
        index++;
      }
    }
    return bits;
  };
  let c: string;
  switch (read(2)) {
    case 0:
      c = String.fromCharCode(read(8));
      break;
    case 1:
      c = String.fromCharCode(read(16));
      break;
    default:
      return '';
  }
  for (let i = 0; i < 3; i++) dictionary[i] = String(i);
  dictionary[3] = c;
  let w = c;
  total = c.length;
  if (total > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
  result.push(c);
  for (;;) {
    if (index > length) return '';
    let code = read(numBits);
    if (code === 0 || code === 1) {
      dictionary[dictSize++] = String.fromCharCode(read(code === 0 ? 8 : 16));
      code = dictSize - 1;
      enlargeIn--;
    } else if (code === 2) {
      return result.join('');
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    const known = code > 2 ? dictionary[code] : undefined;
    if (known) entry = known;
    else if (code === dictSize) entry = w + w.charAt(0);
    else return null;
    total += entry.length;
    if (total > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
    result.push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
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
