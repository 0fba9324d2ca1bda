import { inflateSync } from 'node:zlib';
import { decompress } from 'fzstd';
import type { FileInput, FileReader, FileReading } from '../file-reader.ts';
import { messageOf } from '../file-reader.ts';

/**
 * Mesa's on-disk shader cache (`~/.cache/mesa_shader_cache/<2 hex>/<38 hex>`), which every browser
 * that draws with OpenGL through Mesa (llvmpipe under Xvfb here) writes into the home folder it runs
 * with. Each entry, as Mesa 22's `disk_cache` writes it: the driver keys (a version byte 1, the
 * driver id and GPU name as NUL-terminated strings, the pointer size byte, 8 bytes of driver flags),
 * the item type (u32; type 1, GLSL, is followed by a u32 key count and 20-byte keys), the CRC and
 * uncompressed size of the payload (u32 each), then the payload compressed with zstd (or zlib when
 * Mesa was built without zstd). The payload is compiled shader code: it is decompressed so a term a
 * page put into a shader's source or constants is searched, instead of the file reading as opaque.
 */

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const CACHE_VERSION = 1;
const GLSL_ITEM = 1;
const KEY_BYTES = 20;
/** Mesa's entries are compiled shaders, kilobytes each; a larger claimed size is not decompressed. */
export const MAX_MESA_ENTRY_BYTES = 64 * 1024 * 1024;

interface Entry {
  driver: string;
  size: number;
  payload: Buffer;
}

/** The entry's header, or why these bytes are not one. */
function parseEntry(bytes: Buffer): Entry | string {
  if (bytes[0] !== CACHE_VERSION) return 'it does not start with cache version 1';
  let at = 1;
  const driverEnd = bytes.indexOf(0, at);
  if (driverEnd < 0 || driverEnd - at > 256) return 'its driver id is not a NUL-terminated string';
  const driver = bytes.toString('latin1', at, driverEnd);
  at = driverEnd + 1;
  const gpuEnd = bytes.indexOf(0, at);
  if (gpuEnd < 0 || gpuEnd - at > 256) return 'its GPU name is not a NUL-terminated string';
  const gpu = bytes.toString('latin1', at, gpuEnd);
  at = gpuEnd + 1 + 1 + 8; // pointer size, driver flags
  if (at + 4 > bytes.length) return 'it ends inside its header';
  const type = bytes.readUInt32LE(at);
  at += 4;
  if (type === GLSL_ITEM) {
    if (at + 4 > bytes.length) return 'it ends inside its key list';
    at += 4 + bytes.readUInt32LE(at) * KEY_BYTES;
  }
  if (at + 8 > bytes.length) return 'it ends before its payload';
  const size = bytes.readUInt32LE(at + 4);
  return { driver: `${gpu} ${driver}`, size, payload: bytes.subarray(at + 8) };
}

export const mesaShaderCacheReader: FileReader = {
  id: 'mesa-shader-cache',
  explain: () =>
    "decompresses the entries of Mesa's shader cache (mesa_shader_cache/): driver keys, then a zstd (or zlib) payload of compiled shader code, read with fzstd",
  accepts: (file: FileInput) =>
    /(^|\/)mesa_shader_cache\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(file.path) &&
    typeof parseEntry(file.bytes) !== 'string',
  async read(file: FileInput): Promise<FileReading> {
    const entry = parseEntry(file.bytes);
    if (typeof entry === 'string') return { format: 'mesa-shader-cache', pieces: [], problems: [entry] };
    if (entry.size > MAX_MESA_ENTRY_BYTES) {
      return {
        format: 'mesa-shader-cache',
        pieces: [],
        problems: [`it claims ${entry.size} bytes decompressed, more than the ${MAX_MESA_ENTRY_BYTES} read`],
      };
    }
    const zstd = entry.payload.subarray(0, 4).equals(ZSTD_MAGIC);
    let out: Buffer;
    try {
      out = zstd ? Buffer.from(decompress(entry.payload)) : inflateSync(entry.payload);
    } catch (e) {
      return {
        format: 'mesa-shader-cache',
        pieces: [],
        problems: [`its ${zstd ? 'zstd' : 'zlib'} payload could not be decompressed (${messageOf(e)})`],
      };
    }
    const chain = [`mesa-shader-cache:${zstd ? 'zstd' : 'zlib'} (${entry.driver})`];
    if (out.length !== entry.size) {
      return {
        format: 'mesa-shader-cache',
        pieces: [{ chain, bytes: out }],
        problems: [`its payload gave ${out.length} bytes, not the ${entry.size} its header says`],
      };
    }
    return { format: 'mesa-shader-cache', pieces: [{ chain, bytes: out }], problems: [] };
  },
};
