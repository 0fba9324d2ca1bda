import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { chunkLines, NdjsonLineError, ndjsonLine } from '../capture/capture-file.ts';
import type { AnalyzeBounds } from '../decode/bounds.ts';
import { type CipherSpec, cipherDecoder } from '../decode/cipher.ts';
import type { DecoderRegistry } from '../decode/decoder.ts';
import { defaultDecoders } from '../decode/registry.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { Token } from '../model/token.ts';
import { type AnalyzeResult, Analyzer } from './analyze.ts';
import { bundledWorkerEntry } from './pool-bundle.ts';

/**
 * What every analyzer of a pool is built from. Plain data (no functions), because worker threads
 * receive it by structured clone and build their own Analyzer from it.
 */
export interface PoolSetup {
  tokens: Token[];
  bounds?: Partial<AnalyzeBounds>;
  /** Vendor ciphers to add to the built-in decoders. */
  ciphers?: CipherSpec[];
}

/** The most worker threads a pool starts when not told: beyond this, reading the input is the limit. */
export const MAX_DEFAULT_JOBS = 4;

/** Worker threads to use by default: one per available core, at most MAX_DEFAULT_JOBS. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_JOBS));
}

/** The built-in decoders plus the setup's vendor ciphers. Throws if two ciphers share an id. */
export function setupRegistry(ciphers: readonly CipherSpec[] = []): DecoderRegistry {
  const registry = defaultDecoders();
  for (const c of ciphers) {
    // Structured clone turns a Buffer into a plain Uint8Array; the decipher wants Buffers back.
    const iv = c.iv === undefined || c.iv === 'prefix' ? c.iv : Buffer.from(c.iv);
    registry.register(cipherDecoder({ ...c, key: Buffer.from(c.key), ...(iv ? { iv } : {}) }));
  }
  return registry;
}

/**
 * Message to a worker: analyse these flows, or read these bytes of an NDJSON flow log (whole lines)
 * and analyse their flows. Raw bytes cross to a thread as one copy; flow objects cost much more.
 */
export type BatchRequest =
  | { kind: 'flows'; id: number; flows: Flow[] }
  | { kind: 'ndjson'; id: number; bytes: Uint8Array };

/** One record of an NDJSON chunk: a gap, or a flow's analysis (its entry number is its rank). */
export type ChunkItem = { gap: Gap } | { result: AnalyzeResult };

/**
 * An NDJSON chunk read and analysed: its records in order, how many lines it held, and the first
 * bad line (line number counted from 1 in this chunk), after which nothing was read.
 */
export interface AnalyzedChunk {
  items: ChunkItem[];
  lines: number;
  error?: { line: number; reason: string };
}

/** The answer to a BatchRequest. */
export type BatchAnswer =
  | { kind: 'flows'; results: AnalyzeResult[] }
  | { kind: 'ndjson'; chunk: AnalyzedChunk };

/** Message from a worker: `ready` once it has loaded, then one `answer` (or `error`) per batch. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'answer'; id: number; answer: BatchAnswer }
  | { kind: 'error'; id: number; message: string };

/** Reads and analyses one NDJSON chunk (see readLineChunks). Never throws for bad lines. */
export function analyzeChunk(analyzer: Analyzer, bytes: Uint8Array): AnalyzedChunk {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const lines = chunkLines(text);
  const items: ChunkItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    let rec: ReturnType<typeof ndjsonLine>;
    try {
      rec = ndjsonLine(lines[i]!);
    } catch (e) {
      if (!(e instanceof NdjsonLineError)) throw e;
      return { items, lines: lines.length, error: { line: i + 1, reason: e.reason } };
    }
    if (!rec) continue;
    items.push(rec.kind === 'gap' ? { gap: rec.gap } : { result: analyzer.analyzeFlow(rec.flow) });
  }
  return { items, lines: lines.length };
}

/** Answers a batch with `analyzer`: in a worker, or in the calling thread. */
export function answerBatch(analyzer: Analyzer, req: BatchRequest): BatchAnswer {
  return req.kind === 'flows'
    ? { kind: 'flows', results: req.flows.map((f) => analyzer.analyzeFlow(f)) }
    : { kind: 'ndjson', chunk: analyzeChunk(analyzer, req.bytes) };
}

interface Task {
  req: BatchRequest;
  resolve: (a: BatchAnswer) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/**
 * A pool of worker threads that analyse batches of flows, each with its own Analyzer built from the
 * same PoolSetup. With `jobs` 1 it starts no thread and analyses in the calling thread. Threads are
 * started on the first `analyzeBatch`, so a pool that only ever calls `analyzeHere` costs nothing.
 * A worker that fails (cannot load, crashes) is dropped and its batch analysed in the calling
 * thread, so results are never lost; with no worker left, every batch is analysed there.
 */
export class AnalyzerPool {
  readonly jobs: number;
  /** The analyzer of the calling thread (for `jobs` 1, small inputs and fallback). */
  readonly local: Analyzer;
  private readonly setup: PoolSetup;
  private slots: Slot[] | undefined;
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;
  /** Workers started, and batches they analysed (for tests and the benchmark). */
  readonly stats = { workersStarted: 0, workerBatches: 0, localBatches: 0, workerFailures: 0 };

  private readonly entry: URL | undefined;

  /** `entry` is the worker's script (default: the bundle, pool-bundle.ts); tests change it. */
  constructor(setup: PoolSetup, jobs: number = defaultJobs(), entry?: URL) {
    this.entry = entry;
    if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a whole number ≥ 1, not ${jobs}`);
    this.jobs = jobs;
    this.setup = setup;
    this.local = new Analyzer(setup.tokens, setup.bounds, setupRegistry(setup.ciphers));
  }

  /** Analyses flows in the calling thread, synchronously. */
  analyzeHere(flows: readonly Flow[]): AnalyzeResult[] {
    this.stats.localBatches++;
    return flows.map((f) => this.local.analyzeFlow(f));
  }

  /** Reads and analyses an NDJSON chunk in the calling thread, synchronously. */
  analyzeChunkHere(bytes: Uint8Array): AnalyzedChunk {
    this.stats.localBatches++;
    return analyzeChunk(this.local, bytes);
  }

  /**
   * Analyses a batch on the next free worker (queued when all are busy). Resolves with one result
   * per flow, in order. Rejects only after `close()`.
   */
  async analyzeBatch(flows: Flow[]): Promise<AnalyzeResult[]> {
    const a = await this.submit({ kind: 'flows', id: this.nextId++, flows });
    return a.kind === 'flows' ? a.results : [];
  }

  /** analyzeChunkHere on the next free worker. Rejects only after `close()`. */
  async analyzeChunk(bytes: Uint8Array): Promise<AnalyzedChunk> {
    // A copy of just these bytes: a view's whole underlying buffer would be cloned otherwise.
    const a = await this.submit({ kind: 'ndjson', id: this.nextId++, bytes: new Uint8Array(bytes) });
    return a.kind === 'ndjson' ? a.chunk : { items: [], lines: 0 };
  }

  private submit(req: BatchRequest): Promise<BatchAnswer> {
    if (this.closed) return Promise.reject(new Error('the analyzer pool is closed'));
    const slots = this.jobs === 1 ? [] : this.start();
    if (slots.length === 0) return Promise.resolve(this.answerHere(req));
    return new Promise<BatchAnswer>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  private answerHere(req: BatchRequest): BatchAnswer {
    this.stats.localBatches++;
    return answerBatch(this.local, req);
  }

  /** Stops the workers. Batches still queued are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the analyzer pool was closed'));
    const slots = this.slots ?? [];
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private start(): Slot[] {
    if (this.slots) return this.slots;
    this.slots = [];
    for (let i = 0; i < this.jobs; i++) {
      const worker = new Worker(this.entry ?? bundledWorkerEntry(), { workerData: this.setup });
      const slot: Slot = { worker, task: undefined };
      // Until the worker says it is ready, a dummy task keeps dispatch from giving it work.
      slot.task = { req: { kind: 'flows', id: -1, flows: [] }, resolve: () => {}, reject: () => {} };
      worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
      worker.on('error', (e) => this.fail(slot, e));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(slot, new Error(`worker exited with code ${code}`));
      });
      this.slots.push(slot);
      this.stats.workersStarted++;
    }
    return this.slots;
  }

  private onReply(slot: Slot, m: WorkerReply): void {
    const task = slot.task;
    slot.task = undefined;
    if (m.kind === 'answer' && task && task.req.id === m.id) {
      this.stats.workerBatches++;
      task.resolve(m.answer);
    } else if (m.kind === 'error' && task && task.req.id === m.id) {
      // A bug in the worker's analysis of this batch: do it here, where it will surface as it would
      // without workers.
      this.runHere(task);
    }
    this.dispatch();
  }

  private fail(slot: Slot, e: Error): void {
    if (!this.slots?.includes(slot)) return;
    this.stats.workerFailures++;
    this.slots = this.slots.filter((s) => s !== slot);
    void slot.worker.terminate();
    const task = slot.task;
    slot.task = undefined;
    if (task && task.req.id >= 0) this.runHere(task);
    if (this.slots.length === 0) {
      // No worker left: everything queued is analysed here.
      for (const t of this.queue.splice(0)) this.runHere(t);
    }
    this.lastError = e;
    this.dispatch();
  }

  /** The last worker failure, if any (why batches were analysed in the calling thread). */
  lastError: Error | undefined;

  private runHere(task: Task): void {
    try {
      task.resolve(this.answerHere(task.req));
    } catch (e) {
      task.reject(e as Error);
    }
  }

  private dispatch(): void {
    for (const slot of this.slots ?? []) {
      if (this.queue.length === 0) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      // Not transferred: the bytes stay here in case the worker fails and the batch is redone here.
      slot.worker.postMessage(task.req);
    }
  }
}

/** Options of analyzeInOrder; the defaults suit `phonehome scan`. */
export interface InOrderOptions {
  /** A batch is sent once it holds this many flows... */
  batchFlows?: number;
  /** ...or this many bytes of request (URL, headers, base64 body). */
  batchBytes?: number;
  /** At most this many batches are out at once; reading waits for the oldest (back-pressure). */
  maxInFlight?: number;
}

function flowWeight(f: Flow): number {
  let n = f.request.url.length + f.request.bodyBase64.length;
  for (const h of f.request.headers) n += h.name.length + h.value.length;
  return n;
}

/**
 * Analyses the flows among `items` on the pool and yields every item with its result (undefined
 * for items that are not flows), in the order read. Items are read in batches; no more than
 * `maxInFlight` batches are held at once, so memory stays flat whatever the input size. Input
 * that fits in one batch is analysed in the calling thread, starting no worker. Errors from
 * `items` propagate.
 */
export async function* analyzeInOrder<T>(
  items: AsyncIterable<T>,
  flowOf: (item: T) => Flow | undefined,
  pool: AnalyzerPool,
  options: InOrderOptions = {},
): AsyncGenerator<{ item: T; result: AnalyzeResult | undefined }> {
  const batchFlows = options.batchFlows ?? 256;
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? pool.jobs * 2;
  type Out = { item: T; result: AnalyzeResult | undefined };
  const inFlight: Array<Promise<Out[]>> = [];
  let items0: T[] = [];
  let flows: Flow[] = [];
  let bytes = 0;
  let sent = 0;
  const pair = (its: T[], results: AnalyzeResult[]): Out[] => {
    let k = 0;
    return its.map((item) => ({ item, result: flowOf(item) ? results[k++] : undefined }));
  };
  const submit = (last: boolean) => {
    const its = items0;
    const fl = flows;
    items0 = [];
    flows = [];
    bytes = 0;
    // All the input in one batch: not worth starting threads for.
    const p =
      (last && sent === 0) || fl.length === 0
        ? Promise.resolve(pair(its, pool.analyzeHere(fl)))
        : pool.analyzeBatch(fl).then((r) => pair(its, r));
    sent++;
    // Awaited in order below; this only keeps a later batch's failure from counting as unhandled
    // while an earlier one is awaited.
    p.catch(() => {});
    inFlight.push(p);
  };
  for await (const item of items) {
    items0.push(item);
    const f = flowOf(item);
    if (f) {
      flows.push(f);
      bytes += flowWeight(f);
    }
    if (flows.length >= batchFlows || bytes >= batchBytes) {
      submit(false);
      while (inFlight.length >= maxInFlight) yield* await inFlight.shift()!;
    }
  }
  if (items0.length > 0) submit(true);
  while (inFlight.length > 0) yield* await inFlight.shift()!;
}
