/**
 * A file reader knows one storage format browsers write (SQLite, LevelDB, a cache entry, a
 * compressed session file) and turns a file of that format into what the token search looks at:
 * pieces of content, each with the chain of steps that reached it, and a way to name the place of
 * a token found by a raw byte scan of the whole file.
 */

/** One piece of a file's content, as the format holds it; it is peeled with the decoders. */
export interface Piece {
  /** Steps from the file to this piece, e.g. `["sqlite:urls.url", "row 3"]`. */
  chain: string[];
  bytes?: Buffer;
  text?: string;
}

/** What reading one file gave. */
export interface FileReading {
  /** Reader id, e.g. `sqlite`, `leveldb-table`. */
  format: string;
  /** Content the format holds, decoded (decompressed blocks, rows, entry keys and bodies). */
  pieces: Piece[];
  /**
   * The place of a raw hit at `offset` in the file, as chain steps (e.g. `sqlite:page 4 (free
   * page)`); a raw hit is any token whose bytes sit in the file as they are.
   */
  locate?(offset: number): string[];
  /**
   * Places raw hits are always reported from, even when a piece also held the token: residue of
   * deleted data (a free page, a WAL frame), which is evidence of its own.
   */
  residual?(offset: number): boolean;
  /** Parts that could not be read, one sentence each: every one is a gap (the file is not cleared). */
  problems: string[];
}

/** A file as the scanner hands it to readers. */
export interface FileInput {
  /** Path relative to the scanned folder, with `/`. */
  path: string;
  bytes: Buffer;
  /** Another file beside this one (e.g. `History-shm` beside `History-wal`), if it exists. */
  sibling(name: string): Buffer | undefined;
}

export interface FileReader {
  /** kebab-case id, e.g. `sqlite`. */
  readonly id: string;
  /** One sentence: which files it reads and what it takes out of them. */
  explain(): string;
  /** True when this reader knows the file (from its name and first bytes). */
  accepts(file: FileInput): boolean;
  /** Reads the file. Never throws for bad input: what it cannot read goes to `problems`. */
  read(file: FileInput): Promise<FileReading>;
}

/**
 * A reader of a format whose files start with `magic`: it accepts a file of at least `minBytes`
 * (its fixed header) that starts so, whatever the file is called.
 */
export function magicReader(
  magic: Buffer,
  minBytes: number,
  reader: Omit<FileReader, 'accepts'>,
): FileReader {
  return {
    ...reader,
    accepts: (file) => file.bytes.length >= minBytes && file.bytes.subarray(0, magic.length).equals(magic),
  };
}

/** The base name of a `/` path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The folder of a `/` path ('' at the top). */
export function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** A key or name short and printable enough for a chain step. */
export function printable(bytes: Buffer | string, max = 60): string {
  const s = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const clean = s.replace(/[^\x20-\x7e]/g, '·');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
