import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CaptureFileError,
  type CaptureFormat,
  type CaptureRecord,
  captureFileFormat,
  readCaptureFile,
  readLineChunks,
} from '../capture/capture-file.ts';
import type { CipherAlgorithm, CipherSpec } from '../decode/cipher.ts';
import type { AnalyzeResult } from '../detect/analyze.ts';
import { explainFinding } from '../detect/finding.ts';
import {
  type AnalyzedChunk,
  AnalyzerPool,
  analyzeInOrder,
  defaultJobs,
  type InOrderOptions,
  MAX_DEFAULT_JOBS,
  type PoolSetup,
  setupRegistry,
} from '../detect/pool.ts';
import type { Gap } from '../model/gap.ts';
import type { Token } from '../model/token.ts';
import { ProgressReporter, type ScanProgress } from './scan-progress.ts';

export const USAGE =
  'usage: phonehome scan FILE... --canary TOKEN... [--typed-canary TOKEN...] --identifier KIND=VALUE... [--cipher ID:ALGORITHM:KEYHEX[:IVHEX|prefix]] [--jobs N] [--json] [--help]';

/** Identifier kinds `--identifier` accepts, and whether each identifies the device or describes it. */
export const IDENTIFIER_KINDS: Record<string, 'device-id' | 'device-info'> = {
  imei: 'device-id',
  'android-id': 'device-id',
  serial: 'device-id',
  'advertising-id': 'device-id',
  mac: 'device-id',
  model: 'device-info',
  'os-version': 'device-info',
  'build-fingerprint': 'device-info',
};

const ALGORITHMS: CipherAlgorithm[] = [
  'aes-128-cbc',
  'aes-192-cbc',
  'aes-256-cbc',
  'aes-128-ecb',
  'aes-192-ecb',
  'aes-256-ecb',
  'aes-128-gcm',
  'aes-256-gcm',
];

/** One finding as `scan --json` prints it. */
export interface ScanFinding {
  file: string;
  /** 0-based index in the HAR's `log.entries` (or flow number in an NDJSON log). */
  entry: number;
  host: string;
  url: string;
  where: string;
  chain: string[];
  token: string;
  /** `canary`, or the identifier kind (`imei`, `mac`, ...). */
  kind: string;
}

export interface ScanOutput {
  findings: ScanFinding[];
  gaps: Array<Gap & { file: string; entry?: number }>;
}

class UsageError extends Error {}

/** Reads scan's command line (see USAGE); throws UsageError for bad input. */
export function parseScanArgs(argv: string[]) {
  let values: {
    canary?: string[];
    'typed-canary'?: string[];
    identifier?: string[];
    cipher?: string[];
    jobs?: string;
    json?: boolean;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        canary: { type: 'string', multiple: true },
        'typed-canary': { type: 'string', multiple: true },
        identifier: { type: 'string', multiple: true },
        cipher: { type: 'string', multiple: true },
        jobs: { type: 'string', short: 'j' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true as const };
  const tokens: Token[] = [];
  for (const c of values.canary ?? []) {
    if (c === '') throw new UsageError('--canary needs a non-empty value');
    tokens.push({ value: c, kind: 'canary', dataClass: 'search-terms', label: 'canary' });
  }
  for (const c of values['typed-canary'] ?? []) {
    if (c === '') throw new UsageError('--typed-canary needs a non-empty value');
    tokens.push({ value: c, kind: 'canary', dataClass: 'search-terms', label: 'canary', typed: true });
  }
  for (const id of values.identifier ?? []) {
    const eq = id.indexOf('=');
    const kind = eq < 0 ? '' : id.slice(0, eq);
    const value = eq < 0 ? '' : id.slice(eq + 1);
    const tk = IDENTIFIER_KINDS[kind];
    if (!tk || value === '') {
      throw new UsageError(
        `--identifier "${id}" is not KIND=VALUE with KIND one of ${Object.keys(IDENTIFIER_KINDS).join(', ')}`,
      );
    }
    tokens.push({
      value,
      kind: tk,
      dataClass: tk === 'device-id' ? 'device-ids' : 'device-info',
      label: kind,
    });
  }
  const ciphers: CipherSpec[] = [];
  for (const c of values.cipher ?? []) {
    const [id, algorithm, keyHex, iv] = c.split(':');
    if (
      !id ||
      !ALGORITHMS.includes(algorithm as CipherAlgorithm) ||
      !keyHex ||
      !/^[0-9a-f]+$/i.test(keyHex)
    ) {
      throw new UsageError(
        `--cipher "${c}" is not ID:ALGORITHM:KEYHEX[:IVHEX|prefix] with ALGORITHM one of ${ALGORITHMS.join(', ')}`,
      );
    }
    ciphers.push({
      id,
      says: `the key given on the command line as --cipher ${id}`,
      algorithm: algorithm as CipherAlgorithm,
      key: Buffer.from(keyHex, 'hex'),
      ...(iv ? { iv: iv === 'prefix' ? ('prefix' as const) : Buffer.from(iv, 'hex') } : {}),
    });
  }
  // Builds the decoders once here so that a clash of cipher ids is a usage error.
  setupRegistry(ciphers);
  let jobs = defaultJobs();
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!/^[0-9]+$/.test(values.jobs) || jobs < 1) {
      throw new UsageError(`--jobs "${values.jobs}" is not a whole number of worker threads (1 or more)`);
    }
  }
  if (positionals.length === 0) throw new UsageError('no capture FILE given');
  if (tokens.length === 0)
    throw new UsageError('nothing to look for: give at least one --canary or --identifier');
  return {
    help: false as const,
    files: positionals,
    setup: { tokens, ciphers } satisfies PoolSetup,
    jobs,
    json: values.json === true,
  };
}

function readable(
  out: ScanOutput,
  details: Map<ScanFinding, string>,
  flows: number,
  skipped: string[],
): string {
  const lines: string[] = [];
  for (const s of skipped) lines.push(`note: ${s}`);
  lines.push(`${out.findings.length} finding(s) in ${flows} flow(s); ${out.gaps.length} gap(s)`);
  for (const f of out.findings) {
    lines.push(`- ${f.file} entry ${f.entry}: ${details.get(f) ?? `${f.kind} "${f.token}" in ${f.where}`}`);
  }
  for (const g of out.gaps)
    lines.push(`! ${g.file}${g.entry !== undefined ? ` entry ${g.entry}` : ''}: ${g.kind}: ${g.reason}`);
  return `${lines.join('\n')}\n`;
}

/** What scanFiles found, with what the readable report needs besides ScanOutput. */
export interface ScanResult {
  out: ScanOutput;
  /** Each finding's explanation and excerpt, for the readable report. */
  details: Map<ScanFinding, string>;
  /** Flows read. */
  flows: number;
  /** Tokens not searched, each with the reason. */
  skipped: string[];
  /** Worker threads started and batches analysed on them or in the calling thread. */
  stats: AnalyzerPool['stats'];
  /** Why a worker thread failed, when one did (its batches were analysed in the calling thread). */
  workerError?: string;
}

/** Options of scanFiles: worker threads (`jobs`, default defaultJobs()), batching and progress. */
export interface ScanFilesOptions extends InOrderOptions {
  jobs?: number;
  /** Called after each NDJSON chunk and each HAR entry analysed (see ProgressReporter). */
  onProgress?: (progress: ScanProgress) => void;
}

/** The records of one HAR file; any read error becomes a CaptureFileError. */
async function* harRecords(file: string): AsyncGenerator<CaptureRecord> {
  try {
    yield* readCaptureFile(file);
  } catch (e) {
    throw e instanceof CaptureFileError ? e : new CaptureFileError(file, (e as Error).message);
  }
}

/**
 * Scans capture files for the setup's tokens, the engine of `phonehome scan`: files are read as a
 * stream and their flows analysed in batches on a pool of `jobs` worker threads, with a few batches
 * in flight at most, so memory does not grow with the input. NDJSON flow logs go to the workers as
 * raw chunks of lines, which they parse themselves; HAR entries as flows. Findings and gaps come
 * out in file and entry order, whatever the number of threads. Throws CaptureFileError (`FILE:
 * reason`) on an unreadable file.
 */
export async function scanFiles(
  files: readonly string[],
  setup: PoolSetup,
  options: ScanFilesOptions = {},
): Promise<ScanResult> {
  const pool = new AnalyzerPool(setup, options.jobs ?? defaultJobs());
  const out: ScanOutput = { findings: [], gaps: [] };
  const details = new Map<ScanFinding, string>();
  let flows = 0;
  const addFlow = (file: string, entry: number, result: AnalyzeResult) => {
    flows++;
    for (const f of result.findings) {
      const sf: ScanFinding = {
        file,
        entry,
        host: f.host,
        url: f.url,
        where: f.where,
        chain: f.chain,
        token: f.token,
        kind: f.label,
      };
      out.findings.push(sf);
      details.set(sf, `${explainFinding(f)}\n    ${f.excerpt}`);
    }
    for (const g of result.gaps) out.gaps.push({ ...g, file, entry });
  };
  try {
    // Every file is checked before the first is read: a typo in the last name must not cost the
    // scan of the others (nothing is printed when one cannot be read).
    const formats: Array<{ format: CaptureFormat; size: number }> = [];
    for (const file of files) formats.push(await captureFileFormat(file));
    for (const [fileIndex, file] of files.entries()) {
      const { format, size } = formats[fileIndex]!;
      const progress = (bytesDone?: number) =>
        options.onProgress?.({
          file,
          fileIndex,
          files: files.length,
          ...(bytesDone === undefined ? {} : { bytesDone, bytes: size }),
          flows,
          findings: out.findings.length,
        });
      if (format === 'ndjson') {
        await scanNdjson(file, size, pool, options, {
          flow: (entry, result) => addFlow(file, entry, result),
          gap: (gap) => out.gaps.push({ ...gap, file }),
          progress,
        });
        continue;
      }
      const flowOf = (rec: CaptureRecord) => (rec.kind === 'flow' ? rec.flow : undefined);
      for await (const { item: rec, result } of analyzeInOrder(harRecords(file), flowOf, pool, options)) {
        if (rec.kind === 'gap') out.gaps.push({ ...rec.gap, file });
        else if (result) addFlow(file, rec.entry, result);
        progress();
      }
    }
  } finally {
    await pool.close();
  }
  const skipped = pool.local.skipped.map(
    (s) => `${s.token.label} "${s.token.value}" not searched: ${s.reason}`,
  );
  return {
    out,
    details,
    flows,
    skipped,
    stats: pool.stats,
    ...(pool.lastError ? { workerError: pool.lastError.message.split('\n')[0] } : {}),
  };
}

/**
 * Reads an NDJSON flow log in chunks of whole lines and has the pool parse and analyse them, at
 * most `maxInFlight` chunks at once; calls `sink` in file order. A file that fits in one chunk is
 * done in the calling thread. Throws CaptureFileError on the first bad line (`line N: reason`).
 */
async function scanNdjson(
  file: string,
  size: number,
  pool: AnalyzerPool,
  options: ScanFilesOptions,
  sink: {
    flow: (entry: number, result: AnalyzeResult) => void;
    gap: (gap: Gap) => void;
    /** Bytes of the file analysed so far, after each chunk. */
    progress: (bytesDone: number) => void;
  },
): Promise<void> {
  const chunkBytes = options.batchBytes ?? 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? pool.jobs * 2;
  const here = size <= chunkBytes;
  let line = 0;
  let entry = 0;
  let bytesDone = 0;
  const take = async (next: { chunk: Promise<AnalyzedChunk>; bytes: number }) => {
    const c = await next.chunk;
    for (const it of c.items) {
      if ('gap' in it) sink.gap(it.gap);
      else sink.flow(entry++, it.result);
    }
    if (c.error) throw new CaptureFileError(file, `line ${line + c.error.line}: ${c.error.reason}`);
    line += c.lines;
    bytesDone += next.bytes;
    sink.progress(bytesDone);
  };
  const inFlight: Array<{ chunk: Promise<AnalyzedChunk>; bytes: number }> = [];
  for await (const chunk of readLineChunks(file, chunkBytes)) {
    // Read before the pool may hand the chunk's memory over to a worker thread.
    const bytes = chunk.byteLength;
    const p = here ? Promise.resolve(pool.analyzeChunkHere(chunk)) : pool.analyzeChunk(chunk);
    // Awaited in order below; this only keeps a later chunk's failure from counting as unhandled.
    p.catch(() => {});
    inFlight.push({ chunk: p, bytes });
    while (inFlight.length >= maxInFlight) await take(inFlight.shift()!);
  }
  while (inFlight.length > 0) await take(inFlight.shift()!);
}

/**
 * `phonehome scan FILE... --canary TOKEN... --identifier KIND=VALUE... [--json]`: reads HAR or NDJSON
 * captures and reports where the tokens went. Returns the exit code: 0 when the scan ran (whatever
 * it found), 2 on bad arguments (usage line) or an unreadable file (`FILE: reason`). Never throws.
 */
export async function scanCommand(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseScanArgs>;
  try {
    args = parseScanArgs(argv);
  } catch (e) {
    process.stderr.write(`phonehome scan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(
      `${USAGE}\n\nScans HAR 1.2 files (Chrome DevTools, Playwright, HTTP Toolkit, mitmproxy) and phonehome NDJSON flow logs\nfor canaries and device identifiers, through every encoding layer phonehome can peel (a URL anywhere is\none: its path, query and fragment are peeled). A canary is found as typed: spaces as + or %20,\npercent-encoded, form-encoded, JSON \\u-escaped, in any case. --typed-canary also finds its prefixes\nfrom 8 characters up (suggestion requests sent per keystroke).\nIdentifier kinds: ${Object.keys(IDENTIFIER_KINDS).join(', ')}.\n--jobs N analyses flows on N worker threads (default ${defaultJobs()}: one per core, at most ${MAX_DEFAULT_JOBS}).\nA scan that lasts over 2 s shows its progress on stderr (MB read, flows, findings, MB/s).\nExit status: 0 when the scan ran (whatever it found), 2 on bad arguments or an unreadable file.\n`,
    );
    return 0;
  }
  let scan: ScanResult;
  const progress = new ProgressReporter({ stream: process.stderr });
  try {
    scan = await scanFiles(args.files, args.setup, {
      jobs: args.jobs,
      onProgress: (p) => progress.update(p),
    });
  } catch (e) {
    progress.done();
    process.stderr.write(`${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  progress.done();
  const { out, details, flows, skipped } = scan;
  if (scan.workerError) {
    process.stderr.write(
      `phonehome scan: note: a worker thread failed (${scan.workerError}); its flows were analysed in the main thread\n`,
    );
  }
  if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(readable(out, details, flows, skipped));
  return 0;
}

// Lets `npx tsx src/commands/scan.ts ...` run the command until the CLI dispatches to it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await scanCommand(process.argv.slice(2));
}
