import type { FileInput, FileReader, FileReading, Piece } from '../file-reader.ts';

/**
 * Firefox's disk cache (`cache2/entries/<SHA-1>`): the response body first, then the metadata, whose
 * offset is the file's last four bytes (big-endian). The metadata is a hash, one 16-bit hash per
 * 256 KiB chunk of the body, a header (version, fetch count, times, key size, flags), the key — the
 * URL with its origin attributes, e.g. `O^privateBrowsingId=1,a,:https://…` — and then name/value
 * elements (`response-head`, `original-headers`, `request-method`, …), each NUL-terminated.
 */

const CHUNK = 256 * 1024;
const ENTRY_PATH = /(^|\/)cache2\/entries\/[0-9A-F]{40}$/i;

export const firefoxCache2Reader: FileReader = {
  id: 'firefox-cache2',
  explain: () =>
    "reads Firefox's cache2 entries: the key (the URL with its origin attributes), each metadata element and the body",
  accepts: (file) => ENTRY_PATH.test(file.path) && file.bytes.length >= 4,
  async read(file: FileInput): Promise<FileReading> {
    const { bytes } = file;
    const problems: string[] = [];
    const pieces: Piece[] = [];
    const metaAt = bytes.readUInt32BE(bytes.length - 4);
    const headerAt = metaAt + 4 + 2 * Math.ceil(metaAt / CHUNK);
    if (headerAt + 28 > bytes.length - 4) {
      problems.push('its metadata offset points past the end of the file');
      pieces.push({ chain: ['firefox-cache2:entry'], bytes });
      return { format: 'firefox-cache2', pieces, problems };
    }
    pieces.push({ chain: ['firefox-cache2:body'], bytes: bytes.subarray(0, metaAt) });
    const version = bytes.readUInt32BE(headerAt);
    const keySize = bytes.readUInt32BE(headerAt + 24);
    const keyAt = headerAt + (version >= 2 ? 32 : 28);
    const keyEnd = keyAt + keySize;
    if (keyEnd >= bytes.length - 4) {
      problems.push(`its key of ${keySize} bytes runs past the metadata`);
      pieces.push({ chain: ['firefox-cache2:metadata'], bytes: bytes.subarray(metaAt) });
      return { format: 'firefox-cache2', pieces, problems };
    }
    pieces.push({ chain: ['firefox-cache2:key'], text: bytes.subarray(keyAt, keyEnd).toString('utf8') });
    // Elements: name\0value\0 pairs up to the trailing offset.
    const fields = bytes
      .subarray(keyEnd + 1, bytes.length - 4)
      .toString('utf8')
      .split('\u0000');
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i]!;
      const value = fields[i + 1]!;
      if (value.length >= 4) pieces.push({ chain: [`firefox-cache2:element ${name}`], text: value });
    }
    return { format: 'firefox-cache2', pieces, problems };
  },
};
