import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Budget, DEFAULT_BOUNDS, workClock } from '../decode/bounds.ts';
import type { Decoder } from '../decode/decoder.ts';
import { Layer, looksBinary } from '../decode/layer.ts';
import { peel } from '../decode/peel.ts';
import { defaultDecoders } from '../decode/registry.ts';
import { type TokenForm, tokenForms } from '../detect/forms.ts';
import { type Match, Matcher } from '../detect/matcher.ts';
import type { DeviceFinding } from '../model/finding.ts';
import type { Gap } from '../model/gap.ts';
import type { DeviceScanSummary } from '../model/run-record.ts';
import type { Token } from '../model/token.ts';
import { type FileInput, type FileReader, type FileReading, folderOf, messageOf } from './file-reader.ts';
import { FILE_READERS } from './readers.ts';

/**
 * The device side of the evidence: after a scenario, the files the browser wrote are searched for
 * the scenario's tokens with the same token forms and decoders as the traffic, plus readers for the
 * formats browsers store in (src/device/formats/). Each file is looked at two ways: its bytes as
 * they are (a token sitting in a free SQLite page or a WAL frame is found there and placed by
 * page or frame), and the pieces its format holds (rows, LevelDB values, decompressed blocks, cache
 * keys and bodies), peeled like request parts. A file that could not be read in full is a
 * `file-unread` gap: the claim about it is inconclusive, never pass.
 */

/** Limits that keep a scan cheap; a file left out by one of them is a gap, not a clean file. */
export interface DeviceBounds {
  /** Files larger than this are not read (a gap). */
  maxFileBytes: number;
  /** Bytes read per scan; files past it are not read (a gap each). */
  maxTotalBytes: number;
  /** Decoding time per file, in milliseconds of CPU (the decoders' own bound; CPU, so that load does not change it). */
  maxMsPerFile: number;
}

export const DEFAULT_DEVICE_BOUNDS: DeviceBounds = {
  maxFileBytes: 32 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxMsPerFile: 5000,
};

export interface DeviceScanOptions {
  /** The folder the browser wrote to (its work folder: profile, caches, home). */
  root: string;
  tokens: readonly Token[];
  /** Where findings came from: target id with mode, scenario, mode. */
  provenance: { target: string; scenario: string; mode: 'normal' | 'incognito' };
  /** Only files modified at or after this time (ms since the epoch) are read: the scenario's own. */
  since?: number;
  /** Paths (relative, `/`) of the harness's own files, with why they are not the browser's. */
  harnessFiles?: (path: string) => boolean;
  bounds?: Partial<DeviceBounds>;
}

export interface DeviceScan {
  findings: DeviceFinding[];
  /** `file-unread` gaps, one per file (or part of one) that could not be read. */
  gaps: Gap[];
  summary: DeviceScanSummary;
}

const MAX_FINDINGS_PER_TOKEN_PER_FILE = 10;
const EXCERPT_SIDE = 40;
/** Files without a reader are peeled whole up to this size (JSON preferences, text, gzip). */
const MAX_PEELED_UNKNOWN = 2 * 1024 * 1024;
/** Bits per byte above which a file without a reader reads as compressed or encrypted. */
const OPAQUE_ENTROPY = 7.5;

/** Magic numbers of formats whose bytes hold no text of their own a browser would store a term in. */
const MEDIA_MAGICS: Array<[string, Buffer]> = [
  ['png', Buffer.from('89504e47', 'hex')],
  ['jpeg', Buffer.from('ffd8ff', 'hex')],
  ['gif', Buffer.from('GIF8', 'latin1')],
  ['webp', Buffer.from('RIFF', 'latin1')],
  ['ico', Buffer.from('00000100', 'hex')],
  ['woff2', Buffer.from('wOF2', 'latin1')],
];

/** Decoders that recognise their input by a magic number or header, cheap to try on any bytes. */
const MAGIC_DECODERS = new Set(['gzip', 'zlib', 'zstd']);

/** gzip, zstd and zlib (default and best compression): streams the decoders read. */
const COMPRESSED_MAGICS = [
  Buffer.from('1f8b', 'hex'),
  Buffer.from('28b52ffd', 'hex'),
  Buffer.from('789c', 'hex'),
  Buffer.from('78da', 'hex'),
];

function startsWith(bytes: Buffer, magic: Buffer): boolean {
  return bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
}

function excerpt(text: string, index: number, length: number): string {
  const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '·');
  const from = Math.max(0, index - EXCERPT_SIDE);
  const to = Math.min(text.length, index + length + EXCERPT_SIDE);
  return `${from > 0 ? '…' : ''}${clean(text.slice(from, index))}«${clean(text.slice(index, index + length))}»${clean(text.slice(index + length, to))}${to < text.length ? '…' : ''}`;
}

/** Whether a match has no letter or digit touching it (`word`) or no digit (`digit`). */
function bounded(bytes: Buffer, at: number, length: number, boundary: 'word' | 'digit'): boolean {
  const touches = (c: number | undefined) =>
    c !== undefined &&
    ((c >= 0x30 && c <= 0x39) || (boundary === 'word' && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a));
  return !touches(bytes[at - 1]) && !touches(bytes[at + length]);
}

/** Shannon entropy of a leading sample, in bits per byte. */
export function entropy(bytes: Buffer, sample = 65_536): number {
  const n = Math.min(bytes.length, sample);
  if (n === 0) return 0;
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < n; i++) counts[bytes[i]!]!++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log2(c / n);
  return h;
}

/** Every file under `root` (no symlinks, sockets or devices), as `/` paths relative to it. */
function walk(root: string, problems: Array<{ path: string; reason: string }>): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({
        path: relative(root, dir).split(sep).join('/') || '.',
        reason: `its folder could not be listed (${messageOf(e)})`,
      });
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) visit(full);
      else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  visit(root);
  return out.sort();
}

interface Hit {
  token: Token;
  form?: string;
  chain: string[];
  excerpt: string;
  /** Raw hits: offset in the file; pieces: undefined. */
  offset?: number;
}

/**
 * Scans a folder the browser wrote for tokens. Never throws for what is in the folder: an unreadable
 * file, a file over a bound or a format with no reader becomes a `file-unread` gap naming the file.
 */
export class DeviceScanner {
  private readonly matcher: Matcher;
  private readonly decoders: readonly Decoder[];
  private readonly binaryDecoders: readonly Decoder[];
  private readonly bounds: DeviceBounds;
  private readonly utf16: Array<{ token: Token; bytes: Buffer }>;
  private readonly rawForms: Array<{ form: TokenForm; bytes: Buffer }>;

  constructor(
    tokens: readonly Token[],
    bounds: Partial<DeviceBounds> = {},
    private readonly readers: readonly FileReader[] = FILE_READERS,
  ) {
    this.bounds = { ...DEFAULT_DEVICE_BOUNDS, ...bounds };
    const forms = tokenForms([...tokens]).forms;
    this.matcher = new Matcher(forms);
    this.rawForms = forms.flatMap((form) => {
      const texts = form.caseInsensitive
        ? [form.text, form.text.toLowerCase(), form.text.toUpperCase()]
        : [form.text];
      return [...new Set(texts)].map((t) => ({ form, bytes: Buffer.from(t, 'latin1') }));
    });
    this.decoders = defaultDecoders().all();
    this.binaryDecoders = this.decoders.filter((d) => MAGIC_DECODERS.has(d.id));
    // Strings in UTF-16 (Local Storage values, V8-serialised IndexedDB strings, Windows-born
    // formats) hold an ASCII token as every other byte.
    this.utf16 = tokens.map((token) => ({ token, bytes: Buffer.from(token.value, 'utf16le') }));
  }

  async scan(options: DeviceScanOptions): Promise<DeviceScan> {
    const started = Date.now();
    const { root, provenance } = options;
    const findings: DeviceFinding[] = [];
    const gaps: Gap[] = [];
    const summary: DeviceScanSummary = {
      files: 0,
      bytes: 0,
      unchanged: 0,
      harness: 0,
      formats: {},
      durationMs: 0,
    };
    const gap = (path: string, reason: string) =>
      gaps.push({
        kind: 'file-unread',
        file: path,
        target: provenance.target,
        scenario: provenance.scenario,
        mode: provenance.mode,
        reason: `${path} ${reason}`,
      });
    const listProblems: Array<{ path: string; reason: string }> = [];
    const paths = walk(root, listProblems);
    for (const p of listProblems) gap(p.path, p.reason);
    const sizes = new Map<string, number>();
    for (const path of paths) {
      if (options.harnessFiles?.(path)) {
        summary.harness++;
        continue;
      }
      let stat: import('node:fs').Stats;
      try {
        stat = lstatSync(join(root, path));
      } catch (e) {
        gap(path, `could not be read (${messageOf(e)})`);
        continue;
      }
      if (options.since !== undefined && stat.mtimeMs < options.since) {
        summary.unchanged++;
        continue;
      }
      sizes.set(path, stat.size);
    }
    for (const [path, size] of sizes) {
      if (size > this.bounds.maxFileBytes) {
        gap(path, `was not read: ${size} bytes, more than the ${this.bounds.maxFileBytes} read per file`);
        continue;
      }
      if (summary.bytes + size > this.bounds.maxTotalBytes) {
        gap(
          path,
          `was not read: the scan had read ${summary.bytes} bytes, and reads at most ${this.bounds.maxTotalBytes}`,
        );
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(root, path));
      } catch (e) {
        gap(path, `could not be read (${messageOf(e)})`);
        continue;
      }
      summary.files++;
      summary.bytes += bytes.length;
      const file: FileInput = {
        path,
        bytes,
        sibling: (name) => {
          const other = folderOf(path) ? `${folderOf(path)}/${name}` : name;
          try {
            return readFileSync(join(root, other));
          } catch {
            return undefined;
          }
        },
      };
      const result = await this.scanFile(file);
      summary.formats[result.format] = (summary.formats[result.format] ?? 0) + 1;
      for (const problem of result.problems) gap(path, `(${result.format}): ${problem}`);
      for (const h of result.hits) {
        findings.push({
          token: h.token.value,
          tokenKind: h.token.kind,
          dataClass: h.token.dataClass,
          label: h.token.label,
          ...(h.form ? { form: h.form } : {}),
          ...provenance,
          where: `file:${path}`,
          format: result.format,
          chain: h.chain,
          excerpt: h.excerpt,
          fileBytes: bytes.length,
        });
      }
    }
    summary.durationMs = Date.now() - started;
    return { findings, gaps, summary };
  }

  /** One file: its reader's pieces, peeled, and its raw bytes. */
  async scanFile(file: FileInput): Promise<{ format: string; hits: Hit[]; problems: string[] }> {
    const reader = this.readers.find((r) => {
      try {
        return r.accepts(file);
      } catch {
        return false;
      }
    });
    let reading: FileReading;
    if (reader) {
      try {
        reading = await reader.read(file);
      } catch (e) {
        reading = {
          format: reader.id,
          pieces: [],
          problems: [`could not be read as ${reader.id} (${messageOf(e)})`],
        };
      }
    } else reading = this.unknown(file);

    // CPU time: the scan runs while other browsers of the matrix work, and a wall-time bound made
    // Firefox's 4.7 MB remote-settings database a gap under load (1.3 s of work on a quiet machine).
    const budget = new Budget({ ...DEFAULT_BOUNDS, maxMs: this.bounds.maxMsPerFile }, workClock());
    const pieceHits: Hit[] = [];
    for (const piece of reading.pieces) {
      const root =
        piece.bytes !== undefined
          ? Layer.fromBytes(piece.bytes, piece.chain)
          : Layer.fromText(piece.text ?? '', piece.chain);
      // Binary values (structured clones, protobufs, encoded keys, images, encrypted cookies) keep
      // their strings as bytes, which the raw search reads; of the decoders only those that
      // recognise a magic number are worth running on them. A profile holds tens of thousands of
      // such values (Firefox's remote-settings IndexedDB alone: some 8,000), and running every
      // decoder on each took over 5 s a file.
      const binary = piece.bytes !== undefined && root.hasControl;
      const hits: Hit[] = [];
      peel(root, binary ? this.binaryDecoders : this.decoders, budget, {
        layer: (layer) => {
          for (const m of this.matcher.match(layer.text))
            hits.push(this.hit(m, [...layer.chain], layer.text));
        },
      });
      if (binary) hits.push(...this.wide(piece.bytes!, () => piece.chain));
      pieceHits.push(...deepest(hits));
    }
    const problems = [...reading.problems];
    if (budget.hits.length > 0) problems.push(`decoding its contents hit a bound: ${budget.hits.join('; ')}`);

    const rawHits = this.raw(file.bytes, reading);
    const inPieces = new Set(pieceHits.map((h) => h.token.value));
    // A raw hit adds nothing where a piece already placed the token more precisely, unless it is
    // residue of deleted data (a free page, a WAL frame), which is evidence of its own.
    const kept = rawHits.filter(
      (h) =>
        !inPieces.has(h.token.value) || (h.offset !== undefined && reading.residual?.(h.offset) === true),
    );
    return { format: reading.format, hits: capped([...pieceHits, ...kept]), problems };
  }

  private hit(m: Match, chain: string[], text: string, offset?: number): Hit {
    const form = m.form.form ?? (m.seen !== m.form.token.value ? 'case-folded' : undefined);
    return {
      token: m.form.token,
      ...(form ? { form } : {}),
      chain,
      excerpt: excerpt(text, m.index, m.seen.length),
      ...(offset !== undefined ? { offset } : {}),
    };
  }

  /** Tokens whose bytes sit in the file as they are (Latin-1 keeps one character per byte), and in UTF-16. */
  private raw(bytes: Buffer, reading: FileReading): Hit[] {
    const hits: Hit[] = [];
    // Native byte search per form (the regular-expression matcher crashed the process on
    // multi-megabyte files of a Firefox profile); case-insensitive forms are looked for as written,
    // lower-cased and upper-cased.
    for (const f of this.rawForms) {
      for (let at = bytes.indexOf(f.bytes); at >= 0; at = bytes.indexOf(f.bytes, at + 1)) {
        if (f.form.boundary !== 'none' && !bounded(bytes, at, f.bytes.length, f.form.boundary)) continue;
        const from = Math.max(0, at - EXCERPT_SIDE);
        const text = bytes.toString(
          'latin1',
          from,
          Math.min(bytes.length, at + f.bytes.length + EXCERPT_SIDE),
        );
        const seen = bytes.toString('latin1', at, at + f.bytes.length);
        hits.push(this.hit({ form: f.form, seen, index: at - from }, reading.locate?.(at) ?? [], text, at));
      }
    }
    hits.push(...this.wide(bytes, (at) => reading.locate?.(at) ?? []));
    return hits;
  }

  /** Tokens written in UTF-16 (little-endian) in these bytes. */
  private wide(bytes: Buffer, chainAt: (offset: number) => string[]): Hit[] {
    const hits: Hit[] = [];
    for (const { token, bytes: wide } of this.utf16) {
      for (let at = bytes.indexOf(wide); at >= 0; at = bytes.indexOf(wide, at + 1)) {
        const view = bytes.subarray(Math.max(0, at - 80), at + wide.length + 80).toString('utf16le');
        const index = view.indexOf(token.value);
        hits.push({
          token,
          form: 'utf-16le',
          chain: chainAt(at),
          excerpt: index >= 0 ? excerpt(view, index, token.value.length) : `«${token.value}»`,
          offset: at,
        });
      }
    }
    return hits;
  }

  /** A file no reader knows: peeled whole when small, and a gap when its bytes look compressed or encrypted. */
  private unknown(file: FileInput): FileReading {
    const { bytes } = file;
    const media = MEDIA_MAGICS.find(([, magic]) => startsWith(bytes, magic));
    if (media) return { format: media[0], pieces: [], problems: [] };
    // Binary files no reader knows (GPU shader caches, memory-mapped metrics) are searched raw only:
    // peeling their bytes with every decoder costs far more than it finds. Text and compressed
    // streams with a magic number are peeled.
    const peelable =
      bytes.length <= MAX_PEELED_UNKNOWN &&
      (!looksBinary(bytes.subarray(0, 4096).toString('utf8')) ||
        COMPRESSED_MAGICS.some((m) => startsWith(bytes, m)));
    const pieces = peelable ? [{ chain: [], bytes }] : [];
    const opaque = bytes.length >= 1024 && entropy(bytes) > OPAQUE_ENTROPY;
    return {
      format: 'raw',
      pieces,
      problems: opaque
        ? [
            `looks compressed or encrypted (${entropy(bytes).toFixed(2)} bits per byte) and no reader knows its format, so only its raw bytes were searched`,
          ]
        : [],
    };
  }
}

/** Within one piece, a token is reported at the deepest layer that holds it (a child's chain says more). */
function deepest(hits: Hit[]): Hit[] {
  return hits.filter(
    (h) =>
      !hits.some(
        (o) =>
          o !== h &&
          o.token.value === h.token.value &&
          o.chain.length > h.chain.length &&
          h.chain.every((step, i) => o.chain[i] === step),
      ),
  );
}

/** One finding per token, chain and form, and at most a few per token in one file. */
function capped(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  const perToken = new Map<string, number>();
  const out: Hit[] = [];
  for (const h of hits) {
    const key = `${h.token.value}\u0000${h.chain.join('\u0001')}\u0000${h.form ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = perToken.get(h.token.value) ?? 0;
    if (n >= MAX_FINDINGS_PER_TOKEN_PER_FILE) continue;
    perToken.set(h.token.value, n + 1);
    out.push(h);
  }
  return out;
}

/** Scans a folder with a scanner made for these tokens. */
export function scanDeviceFiles(options: DeviceScanOptions): Promise<DeviceScan> {
  return new DeviceScanner(options.tokens, options.bounds).scan(options);
}
