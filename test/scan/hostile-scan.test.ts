import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeHar } from '../../src/capture/har.ts';
import type { ScanOutput } from '../../src/commands/scan.ts';
import { CANARY, makeFlow } from '../detect/helpers.ts';
import { runScan } from './run-scan.ts';

// The hostile corpus of issue 8, through `phonehome scan`: each input gives a one-line
// `file: reason` (exit 2) or a recorded gap (exit 0); none hangs or crashes.

afterEach(() => vi.restoreAllMocks());

async function harWithBody(dir: string, name: string, body: Buffer | string): Promise<string> {
  const file = join(dir, name);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  await writeHar(file, [makeFlow('https://collect.vendor.test/v1', bytes)]);
  return file;
}

describe('hostile input through phonehome scan', () => {
  it('should refuse truncated, invalid and wrongly typed captures in one line naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-hostile-scan-'));
    const good = await harWithBody(dir, 'good.har', 'x=1');
    const text = await readFile(good, 'utf8');
    const cases: [string, string][] = [
      ['truncated.har', text.slice(0, Math.floor(text.length / 2))],
      ['garbage.har', '\u0000\u0001not json at all\uFFFD'],
      ['types.har', '{"log": {"version": 1.2, "entries": "none"}}'],
    ];
    for (const [name, content] of cases) {
      const file = join(dir, name);
      await writeFile(file, content);
      const r = await runScan([file, '--canary', CANARY, '--json']);
      expect(r.code, name).toBe(2);
      expect(r.err.trim().split('\n'), name).toHaveLength(1);
      expect(r.err, name).toContain(`${file}: `);
      expect(r.err, name).not.toMatch(/\n\s+at /);
    }
  });

  it('should record gaps for a gzip bomb, base64 nested 50 deep and JSON nested 10,000 deep, and exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-hostile-scan-'));
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x61), { level: 9 });
    let nested = Buffer.from(CANARY);
    for (let i = 0; i < 50; i++) nested = Buffer.from(nested.toString('base64'));
    const deepJson = `${'['.repeat(10_000)}"${CANARY}"${']'.repeat(10_000)}`;
    const files = [
      await harWithBody(dir, 'bomb.har', bomb),
      await harWithBody(dir, 'nested.har', nested),
      await harWithBody(dir, 'deep.har', deepJson),
    ];
    const r = await runScan([...files, '--canary', CANARY, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as ScanOutput;
    const gapFiles = new Set(out.gaps.map((g) => (g as { file?: string }).file ?? ''));
    expect(out.gaps.length).toBeGreaterThanOrEqual(2);
    expect([...gapFiles].some((f) => f.endsWith('bomb.har'))).toBe(true);
    expect([...gapFiles].some((f) => f.endsWith('nested.har'))).toBe(true);
  });

  it('should scan a 100 MB body to the end and exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-hostile-scan-'));
    const big = Buffer.alloc(100 * 1024 * 1024, 0x62);
    Buffer.from(CANARY).copy(big, big.length - CANARY.length - 1);
    const file = await harWithBody(dir, 'big.har', big);
    const r = await runScan([file, '--canary', CANARY, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as ScanOutput;
    // Found at the very end, or bounded with a gap: never silently skipped.
    expect(out.findings.length + out.gaps.length).toBeGreaterThan(0);
  });
});
