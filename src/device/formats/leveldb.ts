import snappy from 'snappyjs';
import {
  baseName,
  type FileInput,
  type FileReader,
  type FileReading,
  messageOf,
  type Piece,
  printable,
} from '../file-reader.ts';

/**
 * LevelDB, as Chromium keeps Local Storage, IndexedDB, extension storage and more. Chromium's own
 * key comparator keeps stock LevelDB bindings from opening these databases, so the files are read
 * directly: write-ahead logs (`NNNNNN.log`, `MANIFEST-NNNNNN`: 32 KiB blocks of records, each record
 * a write batch of keys and values) and sorted tables (`NNNNNN.ldb`/`.sst`: blocks, most of them
 * Snappy-compressed, decompressed with snappyjs). Every key and value is a piece.
 */

const BLOCK = 32_768;
const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);
const LOG_NAME = /^(\d{6,}\.log|MANIFEST-\d{6,})$/;
const TABLE_NAME = /^\d{6,}\.(ldb|sst)$/;

class Cursor {
  constructor(
    readonly buf: Buffer,
    public at = 0,
  ) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.buf.length) throw new Error('varint runs past the end');
      const b = this.buf[this.at++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint longer than 10 bytes');
    }
  }
  take(n: number): Buffer {
    if (n < 0 || this.at + n > this.buf.length) throw new Error('length runs past the end');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

/**
 * Text views of a stored value: Chromium's Local Storage prefixes a value with 0 (UTF-16) or 1
 * (Latin-1); other values are bytes, peeled as they are.
 */
function valuePieces(chain: string[], value: Buffer): Piece[] {
  if (value.length >= 3 && value[0] === 0 && value.length % 2 === 1) {
    return [{ chain: [...chain, 'utf-16'], text: value.subarray(1).toString('utf16le') }];
  }
  if (value.length >= 2 && value[0] === 1) return [{ chain, text: value.subarray(1).toString('latin1') }];
  return [{ chain, bytes: value }];
}

/** The records of a LevelDB log, reassembled from their fragments. */
export function logRecords(bytes: Buffer, problems: string[]): Buffer[] {
  const records: Buffer[] = [];
  let partial: Buffer[] = [];
  for (let block = 0; block < bytes.length; block += BLOCK) {
    let at = block;
    const end = Math.min(block + BLOCK, bytes.length);
    while (at + 7 <= end) {
      const length = bytes.readUInt16LE(at + 4);
      const type = bytes[at + 6]!;
      if (type === 0 && length === 0) break; // zero padding, or preallocated space never written
      if (at + 7 + length > end) {
        problems.push(`a log record at byte ${at} runs past its block`);
        break;
      }
      const data = bytes.subarray(at + 7, at + 7 + length);
      at += 7 + length;
      if (type === 1) records.push(data);
      else if (type === 2) partial = [data];
      else if (type === 3) partial.push(data);
      else if (type === 4) {
        partial.push(data);
        records.push(Buffer.concat(partial));
        partial = [];
      }
    }
  }
  return records;
}

/** Keys and values of one write batch (sequence u64, count u32, then tagged entries). */
function batchPieces(batch: Buffer, prefix: string[]): Piece[] {
  const pieces: Piece[] = [];
  const c = new Cursor(batch, 12);
  while (!c.done) {
    const tag = c.buf[c.at++]!;
    const key = c.take(c.varint());
    const keyText = printable(key);
    pieces.push({ chain: [...prefix, 'key'], bytes: Buffer.from(key) });
    if (tag === 1)
      pieces.push(...valuePieces([...prefix, `value of "${keyText}"`], Buffer.from(c.take(c.varint()))));
    else if (tag !== 0) throw new Error(`unknown entry tag ${tag}`);
  }
  return pieces;
}

export const leveldbLogReader: FileReader = {
  id: 'leveldb-log',
  explain: () =>
    'reads LevelDB logs and manifests record by record: the keys and values of every write batch',
  accepts: (file) => LOG_NAME.test(baseName(file.path)),
  async read(file: FileInput): Promise<FileReading> {
    const problems: string[] = [];
    const pieces: Piece[] = [];
    const manifest = baseName(file.path).startsWith('MANIFEST');
    logRecords(file.bytes, problems).forEach((record, i) => {
      const prefix = [`leveldb:log record ${i + 1}`];
      if (manifest) {
        // A manifest's records are version edits (file lists with their smallest and largest keys).
        pieces.push({ chain: prefix, bytes: record });
        return;
      }
      try {
        pieces.push(...batchPieces(record, prefix));
      } catch (e) {
        pieces.push({ chain: prefix, bytes: record });
        problems.push(`log record ${i + 1} is not a readable write batch (${messageOf(e)})`);
      }
    });
    return { format: manifest ? 'leveldb-manifest' : 'leveldb-log', pieces, problems };
  },
};

interface Handle {
  offset: number;
  size: number;
}

function readHandle(c: Cursor): Handle {
  return { offset: c.varint(), size: c.varint() };
}

/** A block's contents, decompressed when its trailer says Snappy. */
export function readBlock(file: Buffer, h: Handle): { data: Buffer; compression: 'none' | 'snappy' } {
  if (h.offset + h.size + 5 > file.length)
    throw new Error(`block at ${h.offset} runs past the end of the file`);
  const raw = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  if (type === 0) return { data: raw, compression: 'none' };
  if (type === 1) return { data: Buffer.from(snappy.uncompress(raw)), compression: 'snappy' };
  throw new Error(`block at ${h.offset} uses compression type ${type}, which has no decoder here`);
}

/** Entries of a table block: keys are prefix-compressed against the previous key. */
export function blockEntries(block: Buffer): Array<{ key: Buffer; value: Buffer }> {
  if (block.length < 4) throw new Error('block shorter than its restart count');
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - 4 * restarts;
  if (end < 0) throw new Error('restart array larger than the block');
  const c = new Cursor(block.subarray(0, end));
  const out: Array<{ key: Buffer; value: Buffer }> = [];
  let last = Buffer.alloc(0);
  while (!c.done) {
    const shared = c.varint();
    const own = c.varint();
    const valueLength = c.varint();
    if (shared > last.length) throw new Error('key shares more bytes than the previous key has');
    const key = Buffer.concat([last.subarray(0, shared), c.take(own)]);
    out.push({ key, value: Buffer.from(c.take(valueLength)) });
    last = key;
  }
  return out;
}

export const leveldbTableReader: FileReader = {
  id: 'leveldb-table',
  explain: () =>
    'reads LevelDB tables block by block (Snappy blocks decompressed with snappyjs): every key and value',
  accepts: (file) =>
    TABLE_NAME.test(baseName(file.path)) ||
    (file.bytes.length >= 48 && file.bytes.subarray(file.bytes.length - 8).equals(TABLE_MAGIC)),
  async read(file: FileInput): Promise<FileReading> {
    const { bytes } = file;
    const name = baseName(file.path);
    const problems: string[] = [];
    const pieces: Piece[] = [];
    if (bytes.length < 48 || !bytes.subarray(bytes.length - 8).equals(TABLE_MAGIC)) {
      problems.push('it has no LevelDB table footer');
      return { format: 'leveldb-table', pieces, problems };
    }
    try {
      const footer = new Cursor(bytes.subarray(bytes.length - 48));
      readHandle(footer); // metaindex: filter blocks hold hashes, not keys
      const index = readBlock(bytes, readHandle(footer));
      const blocks = blockEntries(index.data);
      blocks.forEach((entry, i) => {
        const handle = readHandle(new Cursor(entry.value));
        try {
          const block = readBlock(bytes, handle);
          const step = `leveldb:${name} block ${i + 1} of ${blocks.length}${block.compression === 'snappy' ? ' → snappy' : ''}`;
          for (const { key, value } of blockEntries(block.data)) {
            // Internal keys end in 8 bytes of sequence number and type.
            const user = key.subarray(0, Math.max(0, key.length - 8));
            pieces.push({ chain: [step, 'key'], bytes: Buffer.from(user) });
            pieces.push(...valuePieces([step, `value of "${printable(user)}"`], value));
          }
        } catch (e) {
          problems.push(`block ${i + 1} could not be read (${messageOf(e)})`);
        }
      });
    } catch (e) {
      problems.push(`its index could not be read (${messageOf(e)})`);
    }
    return { format: 'leveldb-table', pieces, problems };
  },
};
