import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHar } from '../../src/capture/har.ts';
import { scanFiles } from '../../src/commands/scan.ts';
import { ProgressReporter, type ScanProgress } from '../../src/commands/scan-progress.ts';
import { CANARY, canary, makeFlow } from '../detect/helpers.ts';

/** `n` flows, every 10th holding the canary in a gzip-free JSON body. */
function flows(n: number) {
  return Array.from({ length: n }, (_, i) =>
    makeFlow(
      `https://t.example/e?i=${i}`,
      JSON.stringify({ q: i % 10 === 0 ? CANARY : `nothing-${i}` }),
      [],
      i,
    ),
  );
}

async function tmp(name: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'phonehome-progress-')), name);
}

/** A stream that keeps what is written, and a clock the test moves. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

const at = (bytesDone: number, flowsDone: number): ScanProgress => ({
  file: '/x/capture.ndjson',
  fileIndex: 0,
  files: 1,
  bytesDone,
  bytes: 40 * 1024 * 1024,
  flows: flowsDone,
  findings: 3,
});

describe('scan progress', () => {
  it('should report every NDJSON chunk, the bytes read growing to the file size, and every HAR entry', async () => {
    const ndjson = await tmp('flows.ndjson');
    await writeFile(
      ndjson,
      `${flows(200)
        .map((f) => JSON.stringify({ type: 'flow', ...f }))
        .join('\n')}\n`,
    );
    const har = await tmp('flows.har');
    await writeHar(har, flows(30));
    const seen: ScanProgress[] = [];
    const r = await scanFiles(
      [ndjson, har],
      { tokens: [canary()] },
      {
        jobs: 2,
        batchBytes: 4096,
        batchFlows: 7,
        onProgress: (p) => seen.push(p),
      },
    );
    const size = (await stat(ndjson)).size;
    const first = seen.filter((p) => p.fileIndex === 0);
    expect(first.length).toBeGreaterThan(size / 8192);
    const bytes = first.map((p) => p.bytesDone!);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(first.at(-1)).toMatchObject({
      file: ndjson,
      files: 2,
      bytesDone: size,
      bytes: size,
      flows: 200,
      findings: 20,
    });
    // A HAR is read as a stream of entries: one report per entry, no byte count.
    const second = seen.filter((p) => p.fileIndex === 1);
    expect(second).toHaveLength(30);
    expect(second.every((p) => p.bytes === undefined)).toBe(true);
    expect(second.at(-1)).toMatchObject({ file: har, flows: 230, findings: r.out.findings.length });
    expect(r.out.findings).toHaveLength(23);
  });

  it('should say nothing for a short scan, then rewrite one line on a terminal and clear it at the end', () => {
    let now = 0;
    const stream = fakeStream(true);
    const p = new ProgressReporter({ stream, now: () => now });
    now = 1500;
    p.update(at(1024 * 1024, 300));
    expect(stream.writes).toEqual([]);
    now = 2000;
    p.update(at(10 * 1024 * 1024, 3000));
    now = 2200;
    p.update(at(11 * 1024 * 1024, 3300));
    now = 2600;
    p.update(at(12 * 1024 * 1024, 3600));
    p.done();
    expect(stream.writes).toEqual([
      '\r\u001b[Kphonehome scan: capture.ndjson: 10.0 of 40.0 MB (25 %), 3,000 flows, 3 findings, 5.0 MB/s',
      '\r\u001b[Kphonehome scan: capture.ndjson: 12.0 of 40.0 MB (30 %), 3,600 flows, 3 findings, 4.6 MB/s',
      '\r\u001b[K',
    ]);
  });

  it('should write a line every 10 s to a log, and nothing to clear', () => {
    let now = 0;
    const stream = fakeStream(false);
    const p = new ProgressReporter({ stream, now: () => now });
    for (now = 2000; now <= 25_000; now += 1000) p.update(at(now * 1024, now));
    p.done();
    expect(stream.writes).toEqual([
      'phonehome scan: capture.ndjson: 2.0 of 40.0 MB (4 %), 2,000 flows, 3 findings, 1.0 MB/s\n',
      'phonehome scan: capture.ndjson: 11.7 of 40.0 MB (29 %), 12,000 flows, 3 findings, 1.0 MB/s\n',
      'phonehome scan: capture.ndjson: 21.5 of 40.0 MB (53 %), 22,000 flows, 3 findings, 1.0 MB/s\n',
    ]);
  });

  it('should count the files finished before in the rate, and name the file among several', () => {
    let now = 0;
    const stream = fakeStream(false);
    const p = new ProgressReporter({ stream, now: () => now, quietFor: 0 });
    p.update({ ...at(40 * 1024 * 1024, 100), file: '/x/a.ndjson', files: 2 });
    now = 20_000;
    p.update({ ...at(40 * 1024 * 1024, 200), file: '/x/b.ndjson', fileIndex: 1, files: 2 });
    expect(stream.writes[1]).toBe(
      'phonehome scan: b.ndjson (2 of 2): 40.0 of 40.0 MB (100 %), 200 flows, 3 findings, 4.0 MB/s\n',
    );
  });
});
