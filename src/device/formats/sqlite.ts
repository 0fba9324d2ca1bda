import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  baseName,
  type FileInput,
  type FileReader,
  type FileReading,
  magicReader,
  messageOf,
  type Piece,
} from '../file-reader.ts';

/**
 * SQLite, as Chromium (History, Cookies, Web Data, …) and Firefox (places.sqlite, formhistory.sqlite,
 * cookies.sqlite, …) keep their databases. Two views of each file:
 * - rows, read with sql.js (SQLite compiled to WebAssembly: the real engine, no native build) in a
 *   process of its own (sqlite-rows-worker.mjs), each text or blob cell one piece (`sqlite:urls.url`,
 *   `row 3`);
 * - raw pages: a token whose bytes sit in the file is placed by page, and a page on the freelist
 *   (data deleted but not overwritten, which no query returns) is named as such.
 * WAL files (`-wal`) are read frame by frame: a frame not yet checkpointed holds changes the main
 * file does not have yet; the `-shm` beside it says how far checkpoints got.
 */

const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
const WAL_MAGICS = [0x377f0682, 0x377f0683];
/** Rows read per table; a browser database of one scenario holds a few hundred at most. */
const MAX_ROWS_PER_TABLE = 20_000;

/** Page size from the database header (1 stands for 65536). */
function pageSizeOf(bytes: Buffer): number {
  const n = bytes.readUInt16BE(16);
  return n === 1 ? 65_536 : n;
}

/** Page numbers (1-based) on the freelist: trunk pages and the leaf pages they list. */
export function freePages(bytes: Buffer): Set<number> {
  const pageSize = pageSizeOf(bytes);
  const pages = Math.floor(bytes.length / pageSize);
  const free = new Set<number>();
  let trunk = bytes.readUInt32BE(32);
  while (trunk > 0 && trunk <= pages && !free.has(trunk)) {
    free.add(trunk);
    const at = (trunk - 1) * pageSize;
    const next = bytes.readUInt32BE(at);
    const count = Math.min(bytes.readUInt32BE(at + 4), (pageSize - 8) / 4);
    for (let i = 0; i < count; i++) {
      const leaf = bytes.readUInt32BE(at + 8 + 4 * i);
      if (leaf > 0 && leaf <= pages) free.add(leaf);
    }
    trunk = next;
  }
  return free;
}

const PAGE_KINDS: Record<number, string> = {
  2: 'index interior page',
  5: 'table interior page',
  10: 'index leaf page',
  13: 'table leaf page',
};

function pageKind(bytes: Buffer, page: number, pageSize: number, free: Set<number>): string {
  if (free.has(page)) return 'free page';
  const at = (page - 1) * pageSize + (page === 1 ? 100 : 0);
  return PAGE_KINDS[bytes[at] ?? -1] ?? 'overflow or other page';
}

interface Cell {
  table: string;
  column: string;
  row: number;
  text?: string;
  bytes?: Uint8Array;
}

let worker: { child: ChildProcess; ready: Promise<void> } | undefined;
let nextId = 0;

/** The row reader's process, started on first use and kept for the next databases. */
function rowWorker(): { child: ChildProcess; ready: Promise<void> } {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null && worker.child.connected)
    return worker;
  const child = fork(fileURLToPath(new URL('./sqlite-rows-worker.mjs', import.meta.url)), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    execArgv: [],
  });
  // It must not keep the runner alive once every scan is done.
  child.unref();
  child.channel?.unref();
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) => reject(new Error(`the SQLite reader exited (${signal ?? code})`)));
  });
  ready.catch(() => {});
  worker = { child, ready };
  return worker;
}

/** Every text and blob cell of every table, read by sql.js in the row reader's process. */
async function readRows(bytes: Buffer, pieces: Piece[], problems: string[]): Promise<void> {
  const { child, ready } = rowWorker();
  const id = nextId++;
  // Held while a database is being read, released after, so an idle reader never keeps node alive.
  child.ref();
  child.channel?.ref();
  try {
    await ready;
    const answer = await new Promise<{ cells: Cell[]; problems: string[] }>((resolve, reject) => {
      const onMessage = (m: { id?: number; cells: Cell[]; problems: string[] }) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null, signal: string | null) => {
        child.off('message', onMessage);
        reject(new Error(`the SQLite reader exited (${signal ?? code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, bytes: new Uint8Array(bytes), maxRows: MAX_ROWS_PER_TABLE });
    });
    problems.push(...answer.problems);
    for (const c of answer.cells) {
      const chain = [`sqlite:${c.table}.${c.column}`, `row ${c.row}`];
      if (c.text !== undefined) pieces.push({ chain, text: c.text });
      else if (c.bytes !== undefined) pieces.push({ chain, bytes: Buffer.from(c.bytes) });
    }
  } catch (e) {
    problems.push(`its rows could not be read (${messageOf(e)}); only its raw pages were searched`);
  } finally {
    child.unref();
    child.channel?.unref();
  }
}

export const sqliteReader: FileReader = magicReader(MAGIC, 100, {
  id: 'sqlite',
  explain: () =>
    'reads SQLite databases: every text and blob cell of every table (sql.js), and raw pages, naming pages on the freelist',
  async read(file: FileInput): Promise<FileReading> {
    const { bytes } = file;
    const pieces: Piece[] = [];
    const problems: string[] = [];
    const pageSize = pageSizeOf(bytes);
    const free = freePages(bytes);
    await readRows(bytes, pieces, problems);
    const pageOf = (offset: number) => Math.floor(offset / pageSize) + 1;
    return {
      format: 'sqlite',
      pieces,
      problems,
      locate: (offset) => {
        const page = pageOf(offset);
        return [`sqlite:page ${page} (${pageKind(bytes, page, pageSize, free)})`];
      },
      residual: (offset) => free.has(pageOf(offset)),
    };
  },
});

/** Frames a `-shm` file says were copied into the database (`nBackfill`), or undefined. */
function backfilled(shm: Buffer | undefined): number | undefined {
  // The wal-index header is two 48-byte copies, then the checkpoint info whose first field is nBackfill.
  if (!shm || shm.length < 100) return undefined;
  return shm.readUInt32LE(96);
}

export const sqliteWalReader: FileReader = {
  id: 'sqlite-wal',
  explain: () =>
    "reads SQLite write-ahead logs frame by frame, naming each frame's page and whether it was checkpointed into the database yet",
  accepts: (file) => file.bytes.length >= 32 && WAL_MAGICS.includes(file.bytes.readUInt32BE(0)),
  async read(file: FileInput): Promise<FileReading> {
    const { bytes } = file;
    const pageSize = bytes.readUInt32BE(8);
    const salt1 = bytes.readUInt32BE(16);
    const salt2 = bytes.readUInt32BE(20);
    const frameSize = 24 + pageSize;
    const problems: string[] = [];
    if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) {
      problems.push(`its header gives a page size of ${pageSize}, which SQLite never writes`);
      return { format: 'sqlite-wal', pieces: [], problems };
    }
    const shmName = `${baseName(file.path).replace(/-wal$/, '')}-shm`;
    const done = backfilled(file.sibling(shmName));
    const pieces: Piece[] = [];
    const frames = Math.floor((bytes.length - 32) / frameSize);
    const frameText = (frame: number): string => {
      const at = 32 + (frame - 1) * frameSize;
      const page = bytes.readUInt32BE(at);
      const current = bytes.readUInt32BE(at + 8) === salt1 && bytes.readUInt32BE(at + 12) === salt2;
      const state = !current
        ? 'left from an earlier log generation'
        : done === undefined
          ? 'checkpoint state unknown (no -shm)'
          : frame > done
            ? 'not yet checkpointed'
            : 'checkpointed';
      return `sqlite-wal:frame ${frame} of ${frames} (page ${page}, ${state})`;
    };
    return {
      format: 'sqlite-wal',
      pieces,
      problems,
      locate: (offset) => {
        if (offset < 32) return ['sqlite-wal:header'];
        return [frameText(Math.floor((offset - 32) / frameSize) + 1)];
      },
      residual: () => true,
    };
  },
};
