import type { FileReader } from './file-reader.ts';
import { chromiumCacheReader } from './formats/chromium-cache.ts';
import { firefoxCache2Reader } from './formats/firefox-cache2.ts';
import { leveldbLogReader, leveldbTableReader } from './formats/leveldb.ts';
import { mesaShaderCacheReader } from './formats/mesa-shader-cache.ts';
import { mozLz4Reader } from './formats/mozlz4.ts';
import { sqliteReader, sqliteWalReader } from './formats/sqlite.ts';

/**
 * The formats the device scan understands, asked in this order (first that accepts a file reads
 * it); a file none accepts is searched as raw bytes and peeled whole when small.
 */
export const FILE_READERS: readonly FileReader[] = [
  sqliteReader,
  sqliteWalReader,
  mozLz4Reader,
  chromiumCacheReader,
  firefoxCache2Reader,
  mesaShaderCacheReader,
  leveldbTableReader,
  leveldbLogReader,
];
