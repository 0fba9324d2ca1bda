import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';

/**
 * The NDJSON flow log: one JSON object a line, appended as flows arrive, so a crash loses no flow
 * already seen. Lines are `{"type":"flow",...Flow}` or `{"type":"gap",...Gap}`; readers that only
 * want flows may ignore other types.
 */
export class FlowLog {
  readonly path: string;
  private fd: number | null;

  /** Opens (creates or appends to) the log. Throws if the file cannot be opened. */
  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'a', 0o644);
  }

  appendFlow(flow: Flow): void {
    this.write({ type: 'flow', ...flow });
  }

  appendGap(gap: Gap): void {
    this.write({ type: 'gap', ...gap });
  }

  private write(record: object): void {
    if (this.fd === null) return;
    // One write per line, straight to the kernel: a killed process leaves every line it wrote.
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  /** Flushes to disk and closes; further appends are ignored. */
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** What reading a flow log back found: its flows and gaps, and any line that could not be read. */
export interface FlowLogContent {
  flows: Flow[];
  gaps: Gap[];
  /** Complete lines (ending in a newline) that are not a JSON object: the log is damaged there. */
  badLines: number[];
  /** True when the last line had no newline and did not parse: a crash mid-write, the one tolerated loss. */
  tornLast: boolean;
}

/**
 * Reads phonehome's own flow log back: flows and gaps, in order. Every line is written whole with its
 * newline in one write, so only the last line can be torn (a crash mid-write): it is skipped and
 * `tornLast` says so. Any other line that does not parse is listed in `badLines` (1-based) rather
 * than skipped silently: what it held is lost, and the caller says so (a `capture-lost` gap).
 */
export function readFlowLog(text: string): FlowLogContent {
  const flows: Flow[] = [];
  const gaps: Gap[] = [];
  const badLines: number[] = [];
  let tornLast = false;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    // The segment after the last newline is a line the writer had not finished.
    const last = index === lines.length - 1;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      if (last) tornLast = true;
      else badLines.push(index + 1);
      continue;
    }
    const { type, ...rest } = record as { type?: unknown } & Record<string, unknown>;
    if (type === 'gap') gaps.push(rest as unknown as Gap);
    else if (type === 'flow' || type === undefined) flows.push(rest as unknown as Flow);
  }
  return { flows, gaps, badLines, tornLast };
}
