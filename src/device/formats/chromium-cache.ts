import {
  baseName,
  type FileInput,
  type FileReader,
  type FileReading,
  magicReader,
  type Piece,
} from '../file-reader.ts';

/**
 * Chromium's disk cache on Linux (the "simple" backend: `Cache/Cache_Data/<hash>_0`). An entry file is
 * a header (magic, version, key length), the key — the URL, after a partition prefix such as
 * `1/0/_dk_https://site https://site ` — then stream 1 (the response body), an end record, stream 0
 * (the response headers, pickled, with the server's certificates), the SHA-256 of the key when a flag
 * says so, and a last end record whose size field says how long stream 0 is.
 */

const ENTRY_MAGIC = Buffer.from('305c72a71b6dfbfc', 'hex'); // 0xfcfb6d1ba7725c30, little-endian
const EOF_MAGIC = Buffer.from('d8410d97456ffaf4', 'hex'); // 0xf4fa6f45970d41d8, little-endian
const HEADER_BYTES = 24;
const EOF_BYTES = 24;
const FLAG_HAS_KEY_SHA256 = 2;

/** The end record at `at` (magic, flags, CRC, size of the stream before it), if there is one. */
function endRecord(bytes: Buffer, at: number): { flags: number; size: number } | undefined {
  if (at < 0 || at + EOF_BYTES > bytes.length || !bytes.subarray(at, at + 8).equals(EOF_MAGIC))
    return undefined;
  return { flags: bytes.readUInt32LE(at + 8), size: bytes.readUInt32LE(at + 16) };
}

export const chromiumCacheReader: FileReader = magicReader(ENTRY_MAGIC, HEADER_BYTES, {
  id: 'chromium-cache',
  explain: () =>
    "reads Chromium's disk cache entries: the key (the URL requested), the response headers and the body",
  async read(file: FileInput): Promise<FileReading> {
    const { bytes } = file;
    const problems: string[] = [];
    const pieces: Piece[] = [];
    const keyLength = bytes.readUInt32LE(12);
    const keyEnd = HEADER_BYTES + keyLength;
    if (keyEnd > bytes.length) {
      problems.push(`its key of ${keyLength} bytes runs past the end of the file`);
      return { format: 'chromium-cache', pieces, problems };
    }
    pieces.push({
      chain: ['chromium-cache:key'],
      text: bytes.subarray(HEADER_BYTES, keyEnd).toString('utf8'),
    });
    // `_1` and `_s` files hold stream 2 and sparse data without the two-stream layout.
    if (!baseName(file.path).endsWith('_0')) {
      pieces.push({ chain: ['chromium-cache:other streams'], bytes: bytes.subarray(keyEnd) });
      return { format: 'chromium-cache', pieces, problems };
    }
    // Read backwards: the last end record sizes stream 0 (after the key's SHA-256, when flagged),
    // and the end record before stream 0 sizes stream 1.
    const last = endRecord(bytes, bytes.length - EOF_BYTES);
    if (!last) {
      problems.push('it has no end record, so its streams could not be told apart');
      pieces.push({ chain: ['chromium-cache:streams'], bytes: bytes.subarray(keyEnd) });
      return { format: 'chromium-cache', pieces, problems };
    }
    const headersEnd = bytes.length - EOF_BYTES - ((last.flags & FLAG_HAS_KEY_SHA256) !== 0 ? 32 : 0);
    const headersStart = headersEnd - last.size;
    // Stream 1 runs from the key to the end record before stream 0 (whose size field is not kept).
    const bodyEnd = headersStart - EOF_BYTES;
    if (bodyEnd < keyEnd || !endRecord(bytes, bodyEnd)) {
      problems.push('its end records do not match its length, so its streams could not be told apart');
      pieces.push({ chain: ['chromium-cache:streams'], bytes: bytes.subarray(keyEnd) });
      return { format: 'chromium-cache', pieces, problems };
    }
    pieces.push({
      chain: ['chromium-cache:stream 0 (response headers)'],
      bytes: bytes.subarray(headersStart, headersEnd),
    });
    pieces.push({ chain: ['chromium-cache:stream 1 (body)'], bytes: bytes.subarray(keyEnd, bodyEnd) });
    return { format: 'chromium-cache', pieces, problems };
  },
});
