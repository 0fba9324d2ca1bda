import { basename } from 'node:path';

/** How far a scan has got; scanFiles reports it after each NDJSON chunk and each HAR entry. */
export interface ScanProgress {
  file: string;
  /** 0-based index of `file` among the files scanned, and how many there are. */
  fileIndex: number;
  files: number;
  /** Bytes of `file` read and analysed so far, and its size (NDJSON logs; a HAR is read as a stream of entries). */
  bytesDone?: number;
  bytes?: number;
  /** Flows analysed and findings so far, over all files. */
  flows: number;
  findings: number;
}

/** Where a progress reporter writes, and the clock it reads (tests pass their own). */
export interface ProgressOptions {
  stream: { isTTY?: boolean; write(text: string): unknown };
  now?: () => number;
  /** Nothing is shown for a scan shorter than this (ms). */
  quietFor?: number;
}

/** Milliseconds between lines: rewritten in place on a terminal, appended to a log otherwise. */
const TTY_EVERY = 500;
const LOG_EVERY = 10_000;

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
/** 12345 as `12,345` (toLocaleString loads ICU's locale data, ~25 ms of CPU at the first call). */
const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** One progress line, e.g. `capture.ndjson (1 of 2): 12.3 of 49.1 MB (25 %), 3,112 flows, 4 findings, 4.1 MB/s`. */
export function progressLine(p: ScanProgress, elapsedMs: number, bytesBefore: number): string {
  const of = p.files > 1 ? ` (${p.fileIndex + 1} of ${p.files})` : '';
  const counts = `${count(p.flows)} flows, ${count(p.findings)} findings`;
  if (p.bytes === undefined || p.bytesDone === undefined) return `${basename(p.file)}${of}: ${counts}`;
  const pct = p.bytes > 0 ? Math.floor((100 * p.bytesDone) / p.bytes) : 100;
  const rate =
    elapsedMs > 0 ? ((bytesBefore + p.bytesDone) / 1024 / 1024 / (elapsedMs / 1000)).toFixed(1) : '–';
  return `${basename(p.file)}${of}: ${mb(p.bytesDone)} of ${mb(p.bytes)} MB (${pct} %), ${counts}, ${rate} MB/s`;
}

/**
 * Shows a long scan's progress on stderr: after `quietFor` ms (default 2 s), a line rewritten in
 * place twice a second on a terminal, or one line every 10 s in a log. `done` clears the terminal
 * line, so the report that follows starts clean. Nothing is written for a short scan.
 */
export class ProgressReporter {
  private readonly now: () => number;
  private readonly started: number;
  private readonly quietFor: number;
  private last = Number.NEGATIVE_INFINITY;
  private shown = false;
  /** Bytes of the files finished before the current one, for the rate. */
  private bytesBefore = 0;
  private file = -1;
  private fileBytes = 0;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.quietFor = options.quietFor ?? 2000;
  }

  update(p: ScanProgress): void {
    if (p.fileIndex !== this.file) {
      this.bytesBefore += this.fileBytes;
      this.file = p.fileIndex;
    }
    this.fileBytes = p.bytesDone ?? 0;
    const t = this.now();
    const tty = this.options.stream.isTTY === true;
    if (t - this.started < this.quietFor || t - this.last < (tty ? TTY_EVERY : LOG_EVERY)) return;
    this.last = t;
    const line = `phonehome scan: ${progressLine(p, t - this.started, this.bytesBefore)}`;
    this.options.stream.write(tty ? `\r\u001b[K${line}` : `${line}\n`);
    this.shown = true;
  }

  done(): void {
    if (this.shown && this.options.stream.isTTY === true) this.options.stream.write('\r\u001b[K');
  }
}
