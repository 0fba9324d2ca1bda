import { decompressBlock } from 'lz4js';
import { type FileInput, type FileReader, type FileReading, magicReader } from '../file-reader.ts';

/**
 * Firefox's `mozLz4` files (sessionstore.jsonlz4, sessionstore-backups/recovery.jsonlz4,
 * search.json.mozlz4, …): the magic `mozLz40\0`, the decompressed size (u32 LE), then one LZ4 block,
 * decompressed with lz4js. The JSON inside is peeled by the JSON decoder like any other.
 */

const MAGIC = Buffer.from('mozLz40\u0000', 'latin1');
/** Larger claimed sizes are not decompressed: Firefox's session files are a few hundred KiB. */
export const MAX_MOZLZ4_BYTES = 64 * 1024 * 1024;

export const mozLz4Reader: FileReader = magicReader(MAGIC, 12, {
  id: 'mozlz4',
  explain: () =>
    "decompresses Firefox's mozLz4 files (session store, search settings): one LZ4 block, read with lz4js",
  async read(file: FileInput): Promise<FileReading> {
    const size = file.bytes.readUInt32LE(8);
    if (size > MAX_MOZLZ4_BYTES) {
      return {
        format: 'mozlz4',
        pieces: [],
        problems: [`it claims ${size} bytes decompressed, more than the ${MAX_MOZLZ4_BYTES} read`],
      };
    }
    const out = Buffer.alloc(size);
    try {
      const n = decompressBlock(file.bytes, out, 12, file.bytes.length - 12, 0);
      if (n !== size) {
        return {
          format: 'mozlz4',
          pieces: [{ chain: ['mozlz4'], bytes: out.subarray(0, Math.max(0, Math.min(n, size))) }],
          problems: [`its LZ4 block gave ${n} bytes, not the ${size} its header says`],
        };
      }
    } catch (e) {
      return {
        format: 'mozlz4',
        pieces: [],
        problems: [`its LZ4 block could not be decompressed (${String(e)})`],
      };
    }
    return { format: 'mozlz4', pieces: [{ chain: ['mozlz4'], bytes: out }], problems: [] };
  },
});
