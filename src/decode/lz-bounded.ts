import { BoundError } from './bounds.ts';

/**
 * lz-string's decompression loop (lz-string 1.5.0, MIT, pieroxy), with one change: it stops with
 * BoundError once the output passes `maxChars`. The library's own functions cannot be bounded, and
 * a crafted input can make them produce output quadratic in its size. Vectors made with the real
 * lz-string library check that this loop decodes the same (test/decode/lz-string.test.ts).
 * Returns null for input that is not lz-string.
 */
export function lzDecompress(
  length: number,
  resetValue: number,
  next: (i: number) => number,
  maxChars: number,
): string | null {
  const dictionary: string[] = [];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  let total = 0;
  const result: string[] = [];
  const data = { val: next(0), position: resetValue, index: 1 };
  const read = (n: number): number => {
    let bits = 0;
    const maxpower = 2 ** n;
    let power = 1;
    while (power !== maxpower) {
      const resb = data.val & data.position;
      data.position >>= 1;
      if (data.position === 0) {
        data.position = resetValue;
        data.val = next(data.index++);
      }
      bits |= (resb > 0 ? 1 : 0) * power;
      power <<= 1;
    }
    return bits;
  };
  const emit = (s: string) => {
    total += s.length;
    if (total > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
    result.push(s);
  };
  for (let i = 0; i < 3; i++) dictionary[i] = String(i);
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
  dictionary[3] = c;
  let w = c;
  emit(c);
  for (;;) {
    if (data.index > length) return '';
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
    emit(entry);
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

function reverse(alphabet: string): Map<string, number> {
  return new Map([...alphabet].map((ch, i) => [ch, i]));
}
const BASE64_REV = reverse(BASE64);
const URI_REV = reverse(URI_SAFE);

/** As LZString.decompressFromBase64, bounded. */
export function lzFromBase64(input: string, maxChars: number): string | null {
  if (input === '') return null;
  return lzDecompress(input.length, 32, (i) => BASE64_REV.get(input.charAt(i)) ?? 0, maxChars);
}

/** As LZString.decompressFromEncodedURIComponent, bounded. */
export function lzFromUriSafe(input: string, maxChars: number): string | null {
  if (input === '') return null;
  const s = input.replace(/ /g, '+');
  return lzDecompress(s.length, 32, (i) => URI_REV.get(s.charAt(i)) ?? 0, maxChars);
}

/** As LZString.decompressFromUTF16, bounded. */
export function lzFromUtf16(input: string, maxChars: number): string | null {
  if (input === '') return null;
  return lzDecompress(input.length, 16384, (i) => input.charCodeAt(i) - 32, maxChars);
}

/** As LZString.decompress (raw 16-bit output), bounded. */
export function lzFromRaw(input: string, maxChars: number): string | null {
  if (input === '') return null;
  return lzDecompress(input.length, 32768, (i) => input.charCodeAt(i), maxChars);
}

/** As LZString.decompressFromUint8Array (UCS-2 big endian), bounded. */
export function lzFromUint8Array(bytes: Uint8Array, maxChars: number): string | null {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! * 256 + bytes[i + 1]!);
  return lzFromRaw(s, maxChars);
}
