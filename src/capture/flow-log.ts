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
