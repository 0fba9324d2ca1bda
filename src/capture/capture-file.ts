import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import chain from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { z } from 'zod';
import { FileInputError } from '../input/file-error.ts';
import { type Flow, type Header, MODES, type Mode } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';

/** One record read from a capture file: a flow with its 0-based entry index, or a recorded gap. */
export type CaptureRecord = { kind: 'flow'; flow: Flow; entry: number } | { kind: 'gap'; gap: Gap };

export type CaptureFormat = 'har' | 'ndjson';

/** A capture file that cannot be read; the message is one line, `FILE: reason`. */
export class CaptureFileError extends FileInputError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'CaptureFileError';
  }
}

/** HAR files up to this size are parsed whole (fast); larger ones are streamed entry by entry. */
export const HAR_STREAM_THRESHOLD = 64 * 1024 * 1024;

const nameValue = z.object({ name: z.string(), value: z.string() }).passthrough();

/** The part of a HAR entry phonehome reads; other fields (tool-specific `_x` ones too) are ignored. */
const harEntry = z
  .object({
    startedDateTime: z.string().optional(),
    time: z.number().optional(),
    request: z
      .object({
        method: z.string(),
        url: z.string(),
        httpVersion: z.string().optional(),
        headers: z.array(nameValue).default([]),
        cookies: z.array(nameValue.extend({ value: z.string().default('') })).optional(),
        bodySize: z.number().optional(),
        postData: z
          .object({
            mimeType: z.string().optional(),
            text: z.string().optional(),
            encoding: z.string().optional(),
            params: z
              .array(z.object({ name: z.string(), value: z.string().optional() }).passthrough())
              .optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough(),
    response: z
      .object({ status: z.number().optional(), headers: z.array(nameValue).optional() })
      .passthrough()
      .optional(),
    _phonehome: z
      .object({
        id: z.string().optional(),
        runId: z.string().optional(),
        target: z.string().optional(),
        scenario: z.string().optional(),
        mode: z.enum(MODES as [Mode, ...Mode[]]).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

type HarEntry = z.infer<typeof harEntry>;

const flowLine = z
  .object({
    id: z.string(),
    seq: z.number(),
    runId: z.string().default(''),
    target: z.string(),
    scenario: z.string(),
    mode: z.enum(MODES as [Mode, ...Mode[]]),
    startedAt: z.string().default(''),
    transport: z.enum(['http', 'https', 'ws', 'wss']),
    request: z
      .object({
        method: z.string(),
        url: z.string(),
        httpVersion: z.string().default('1.1'),
        headers: z.array(nameValue),
        bodyBase64: z.string().default(''),
        bodySize: z.number().default(0),
      })
      .passthrough(),
    tls: z.object({ intercepted: z.boolean() }).passthrough().nullable().default(null),
  })
  .passthrough();

const gapLine = z.object({ kind: z.string(), reason: z.string() }).passthrough();

function issue(e: z.ZodError, prefix: string): string {
  const first = e.issues[0];
  if (!first) return `${prefix}invalid`;
  const path = first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `${prefix}${path.replace(/^\./, '')}: ${first.message}`;
}

function transportOf(url: string): Flow['transport'] {
  const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toLowerCase();
  return scheme === 'http' || scheme === 'ws' || scheme === 'wss' ? scheme : 'https';
}

/** The request body of a HAR entry as bytes: base64 when `encoding` says so, form params rebuilt. */
function harBody(e: HarEntry, file: string, index: number): Buffer {
  const pd = e.request.postData;
  if (!pd) return Buffer.alloc(0);
  if (pd.text !== undefined && pd.text !== '') {
    if (pd.encoding === 'base64') {
      if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(pd.text)) {
        throw new CaptureFileError(
          file,
          `log.entries[${index}].request.postData.text: encoding is base64 but the text is not`,
        );
      }
      return Buffer.from(pd.text, 'base64');
    }
    return Buffer.from(pd.text, 'utf8');
  }
  // Some exporters give only params for form posts.
  if (pd.params && pd.params.length > 0) {
    return Buffer.from(
      pd.params.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value ?? '')}`).join('&'),
    );
  }
  return Buffer.alloc(0);
}

/** Converts one HAR entry to a Flow; provenance from `_phonehome` when phonehome wrote the file. */
export function harEntryToFlow(raw: unknown, index: number, file: string): Flow {
  const parsed = harEntry.safeParse(raw);
  if (!parsed.success) throw new CaptureFileError(file, issue(parsed.error, `log.entries[${index}].`));
  const e = parsed.data;
  const headers: Header[] = e.request.headers.map((h) => ({ name: h.name, value: h.value }));
  // HAR keeps cookies apart; some exporters leave the Cookie header out of `headers`.
  if (
    e.request.cookies &&
    e.request.cookies.length > 0 &&
    !headers.some((h) => h.name.toLowerCase() === 'cookie')
  ) {
    headers.push({ name: 'Cookie', value: e.request.cookies.map((c) => `${c.name}=${c.value}`).join('; ') });
  }
  const body = harBody(e, file, index);
  const ph = e._phonehome;
  const mode: Mode = ph?.mode ?? 'normal';
  const target = ph?.target ?? 'imported';
  const scenario = ph?.scenario ?? basename(file);
  const transport = transportOf(e.request.url);
  const flow: Flow = {
    id: ph?.id ?? `${basename(file)}#${index}`,
    seq: index,
    runId: ph?.runId ?? '',
    target,
    scenario,
    mode,
    startedAt: e.startedDateTime ?? '',
    transport,
    request: {
      method: e.request.method,
      url: e.request.url,
      httpVersion: (e.request.httpVersion ?? '').replace(/^HTTP\//i, '') || '1.1',
      headers,
      bodyBase64: body.toString('base64'),
      bodySize: body.length,
    },
    // The exporting tool saw the plaintext, so TLS (if any) was opened by it.
    tls: transport === 'https' || transport === 'wss' ? { intercepted: true } : null,
  };
  if (e.time !== undefined && e.time >= 0) flow.durationMs = e.time;
  if (e.response?.status !== undefined) {
    flow.response = {
      status: e.response.status,
      headers: (e.response.headers ?? []).map((h) => ({ name: h.name, value: h.value })),
      bodySize: 0,
    };
  }
  return flow;
}

async function detectFormat(path: string): Promise<CaptureFormat> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const firstLine = head.trimStart().split('\n', 1)[0] ?? '';
    if (firstLine === '') throw new Error('the file is empty');
    if (!firstLine.startsWith('{'))
      throw new Error('not a HAR or NDJSON capture (it does not start with "{")');
    try {
      const first = JSON.parse(firstLine) as Record<string, unknown>;
      return 'log' in first ? 'har' : 'ndjson';
    } catch {
      // A first line that is not a whole JSON object: a pretty-printed (or very large) HAR.
      return 'har';
    }
  } finally {
    await fh.close();
  }
}

/** Why one NDJSON line cannot be read; `reason` does not name the file or line (see ndjsonLine). */
export class NdjsonLineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NdjsonLineError';
  }
}

/** What one NDJSON line holds: a flow, a gap, or nothing (blank, or a record of another type). */
export type NdjsonLineRecord = { kind: 'flow'; flow: Flow } | { kind: 'gap'; gap: Gap } | undefined;

/** Reads one line of a phonehome NDJSON flow log. Throws NdjsonLineError on a bad line. */
export function ndjsonLine(line: string): NdjsonLineRecord {
  if (line.trim() === '') return undefined;
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    throw new NdjsonLineError(`not JSON (${(e as Error).message})`);
  }
  const type = obj.type;
  if (type === 'gap') {
    const g = gapLine.safeParse(obj);
    if (!g.success) throw new NdjsonLineError(issue(g.error, 'gap '));
    const { type: _t, ...gap } = obj;
    return { kind: 'gap', gap: gap as unknown as Gap };
  }
  if (type !== undefined && type !== 'flow') return undefined;
  const f = flowLine.safeParse(obj);
  if (!f.success) throw new NdjsonLineError(issue(f.error, ''));
  const { type: _t, ...flow } = f.data as typeof f.data & { type?: string };
  return { kind: 'flow', flow: flow as unknown as Flow };
}

// Line breaks as readline sees them with crlfDelay Infinity: LF, CRLF, or a CR alone.
const LINE_BREAK = /\r?\n|\r(?!\n)/;

/** The lines of an NDJSON chunk read by readLineChunks (no empty last line after a final break). */
export function chunkLines(text: string): string[] {
  const lines = text.split(LINE_BREAK);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A file's bytes in chunks of about `size` bytes that end at a line break (LF), so each holds whole
 * lines (a line longer than `size` makes its chunk longer). Throws CaptureFileError when unreadable.
 */
export async function* readLineChunks(path: string, size = 1024 * 1024): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  try {
    for await (const data of createReadStream(path, { highWaterMark: size })) {
      const buf: Buffer = carry ? Buffer.concat([carry, data as Buffer]) : (data as Buffer);
      const cut = buf.lastIndexOf(10);
      if (cut < 0) {
        carry = buf;
        continue;
      }
      carry = cut + 1 < buf.length ? buf.subarray(cut + 1) : undefined;
      yield buf.subarray(0, cut + 1);
    }
  } catch (e) {
    throw new CaptureFileError(path, (e as Error).message);
  }
  if (carry && carry.length > 0) yield carry;
}

async function* readNdjson(path: string): AsyncGenerator<CaptureRecord> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let entry = 0;
  for await (const line of lines) {
    lineNo++;
    let rec: NdjsonLineRecord;
    try {
      rec = ndjsonLine(line);
    } catch (e) {
      if (e instanceof NdjsonLineError) throw new CaptureFileError(path, `line ${lineNo}: ${e.reason}`);
      throw e;
    }
    if (!rec) continue;
    if (rec.kind === 'gap') yield rec;
    else yield { kind: 'flow', flow: rec.flow, entry: entry++ };
  }
}

async function* readHar(path: string, size: number): AsyncGenerator<CaptureRecord> {
  if (size <= HAR_STREAM_THRESHOLD) {
    const { readFile } = await import('node:fs/promises');
    let doc: unknown;
    try {
      doc = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (e) {
      throw new CaptureFileError(path, `not valid JSON (${(e as Error).message})`);
    }
    const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries;
    if (!Array.isArray(entries))
      throw new CaptureFileError(path, 'log.entries: missing or not an array (not a HAR file)');
    for (let i = 0; i < entries.length; i++)
      yield { kind: 'flow', flow: harEntryToFlow(entries[i], i, path), entry: i };
    return;
  }
  // Large HAR: stream-json walks the document and assembles one entry at a time, so memory stays
  // at the size of the largest entry, not of the file.
  const pipeline = chain([createReadStream(path), parser(), pick({ filter: 'log.entries' }), streamArray()]);
  let seen = 0;
  try {
    for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      seen++;
      yield { kind: 'flow', flow: harEntryToFlow(item.value, item.key, path), entry: item.key };
    }
  } catch (e) {
    if (e instanceof CaptureFileError) throw e;
    throw new CaptureFileError(path, `not valid JSON (${(e as Error).message})`);
  }
  if (seen === 0) {
    // Either no entries or no log.entries at all; both are worth saying, neither is a crash.
    throw new CaptureFileError(path, 'log.entries: no entries found (not a HAR file, or an empty one)');
  }
}

/**
 * The format and size of a capture file, by its first line. Throws CaptureFileError (`FILE:
 * reason`) when it is missing, not a file, or neither HAR nor NDJSON.
 */
export async function captureFileFormat(path: string): Promise<{ format: CaptureFormat; size: number }> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
    return { format: await detectFormat(path), size: s.size };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new CaptureFileError(path, reason);
  }
}

/**
 * Reads a capture file, HAR 1.2 (as Chrome DevTools, Playwright, HTTP Toolkit and mitmproxy write
 * it) or phonehome's NDJSON flow log, and yields its flows with their 0-based entry index (and, for
 * the flow log, its recorded gaps). Streams: memory does not grow with the file's size (HAR files
 * above HAR_STREAM_THRESHOLD are parsed incrementally).
 * @throws CaptureFileError (`FILE: reason`) when the file cannot be read or is not a capture.
 */
export async function* readCaptureFile(path: string): AsyncGenerator<CaptureRecord> {
  const { format, size } = await captureFileFormat(path);
  if (format === 'ndjson') yield* readNdjson(path);
  else yield* readHar(path, size);
}
