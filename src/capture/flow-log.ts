import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Flow } from './flow.ts';
import type { Gap } from './gap.ts';

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

/**
 * Reads phonehome's own flow log back: flows and gaps, in order. A torn last line (a crash mid-write)
 * is skipped; every complete line before it is kept.
 */
export function readFlowLog(text: string): { flows: Flow[]; gaps: Gap[] } {
  const flows: Flow[] = [];
  const gaps: Gap[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: { type?: string } & Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const { type, ...rest } = record;
    if (type === 'gap') gaps.push(rest as unknown as Gap);
    else if (type === 'flow' || type === undefined) flows.push(rest as unknown as Flow);
  }
  return { flows, gaps };
}
