import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeHar } from '../../src/capture/har.ts';
import { scanFiles } from '../../src/commands/scan.ts';
import type { CipherSpec } from '../../src/decode/cipher.ts';
import { AnalyzerPool, analyzeInOrder } from '../../src/detect/pool.ts';
import { bundledWorkerEntry, TSX_WORKER_ENTRY } from '../../src/detect/pool-bundle.ts';
import type { Flow } from '../../src/model/flow.ts';
import { CANARY, canary, makeFlow } from '../detect/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const CIPHER: CipherSpec = {
  id: 'example-sdk',
  says: 'a test key',
  algorithm: 'aes-128-cbc',
  key: KEY,
  iv: 'prefix',
};

function encrypted(text: string): string {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', KEY, iv);
  return Buffer.concat([iv, c.update(text), c.final()]).toString('base64');
}

/** Flow i holds the canary in a different layer every 7th flow; the others hold none. */
function flowAt(i: number): Flow {
  const q = JSON.stringify({ q: i % 7 === 0 ? CANARY : `nothing-${i}`, pad: 'x'.repeat(i % 50) });
  const body = [
    `data=${encodeURIComponent(zlib.gzipSync(q).toString('base64'))}`,
    q,
    JSON.stringify({ enc: encrypted(q) }),
  ][i % 3]!;
  return makeFlow(`https://t${i % 5}.example/e?i=${i}`, body, [], i);
}

/** An NDJSON flow log of `n` flows, with a gap line after flow 10. */
async function flowLog(n: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'phonehome-pool-'));
  const file = join(dir, 'flows.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ type: 'flow', ...flowAt(i) }));
    if (i === 10)
      lines.push(JSON.stringify({ type: 'gap', kind: 'tls-opaque', host: 'p.test', reason: 'pinned' }));
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('scanning on worker threads', () => {
  it('should give the same findings and gaps, in file and entry order, on 2 workers as in one thread', async () => {
    const file = await flowLog(300);
    const setup = { tokens: [canary()], ciphers: [CIPHER] };
    const one = await scanFiles([file, file], setup, { jobs: 1 });
    const two = await scanFiles([file, file], setup, { jobs: 2, batchBytes: 4096, maxInFlight: 3 });
    expect(one.stats.workersStarted).toBe(0);
    expect(two.stats.workersStarted).toBe(2);
    expect(two.stats.workerBatches).toBeGreaterThan(40);
    expect(two.stats.workerFailures).toBe(0);
    expect(two.out).toEqual(one.out);
    // Every 7th flow holds the canary, whichever layer (gzip, JSON, the cipher read by the workers).
    const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === 0);
    expect(two.out.findings.map((f) => [f.file, f.entry])).toEqual(
      [file, file].flatMap((f) => expected.map((e) => [f, e])),
    );
    expect(two.out.findings.find((f) => f.entry === 14)?.chain).toEqual([
      'json:$.enc',
      'base64',
      'cipher:example-sdk',
      'json:$.q',
    ]);
    expect(two.out.gaps.map((g) => g.kind)).toEqual(['tls-opaque', 'tls-opaque']);
    expect(two.flows).toBe(600);
  });

  it('should give the same findings from a HAR on 2 workers as in one thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-pool-'));
    const file = join(dir, 'flows.har');
    await writeHar(
      file,
      Array.from({ length: 100 }, (_, i) => flowAt(i)),
    );
    const setup = { tokens: [canary()], ciphers: [CIPHER] };
    const one = await scanFiles([file], setup, { jobs: 1 });
    const two = await scanFiles([file], setup, { jobs: 2, batchFlows: 7 });
    expect(two.stats.workerBatches).toBe(Math.ceil(100 / 7));
    expect(two.out).toEqual(one.out);
    expect(two.out.findings.map((f) => f.entry)).toEqual(
      Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 7 === 0),
    );
  });

  it('should name the same bad line on workers as when reading line by line', async () => {
    const file = await flowLog(300);
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[250] = '{"type":"flow","id":"x"';
    await writeFile(file, lines.join('\n'));
    const setup = { tokens: [canary()] };
    await expect(scanFiles([file], setup, { jobs: 2, batchBytes: 4096 })).rejects.toThrow(
      `${file}: line 251: not JSON`,
    );
    await expect(scanFiles([file], setup, { jobs: 1 })).rejects.toThrow(`${file}: line 251: not JSON`);
  });

  it('should analyse input that fits in one batch in the calling thread, starting no worker', async () => {
    const file = await flowLog(20);
    const r = await scanFiles([file], { tokens: [canary()] }, { jobs: 2 });
    expect(r.stats).toMatchObject({ workersStarted: 0, localBatches: 1 });
    // Flow 14 is encrypted, and this setup has no cipher.
    expect(r.out.findings.map((f) => f.entry)).toEqual([0, 7]);
  });

  it('should keep at most maxInFlight batches out while reading', async () => {
    const pool = new AnalyzerPool({ tokens: [canary()] }, 2);
    let read = 0;
    let maxAhead = 0;
    let yielded = 0;
    async function* source() {
      for (let i = 0; i < 200; i++) {
        read++;
        maxAhead = Math.max(maxAhead, read - yielded);
        yield flowAt(i);
      }
    }
    try {
      for await (const { result } of analyzeInOrder(source(), (f) => f, pool, {
        batchFlows: 10,
        maxInFlight: 2,
      })) {
        yielded++;
        expect(result).toBeDefined();
      }
    } finally {
      await pool.close();
    }
    expect(yielded).toBe(200);
    // Two batches out, and the one being filled.
    expect(maxAhead).toBeLessThanOrEqual(30);
  });

  it('should analyse in the calling thread the batches of workers that fail to start', async () => {
    const broken = new URL('./no-such-worker.mjs', import.meta.url);
    const pool = new AnalyzerPool({ tokens: [canary()] }, 2, broken);
    try {
      const batches = await Promise.all([0, 1, 2].map((k) => pool.analyzeBatch([flowAt(7 * k)])));
      expect(batches.map((b) => b[0]?.findings.length)).toEqual([1, 1, 0]);
      expect(pool.stats).toMatchObject({ workersStarted: 2, workerFailures: 2, workerBatches: 0 });
      expect(pool.lastError).toBeDefined();
    } finally {
      await pool.close();
    }
  });

  it('should run from the CLI (workers from the bundle) with --jobs 2 as with --jobs 1, and refuse --jobs 0', async () => {
    const file = await flowLog(3000);
    // Larger than one chunk of 1 MB, so that the workers get some.
    const { stat } = await import('node:fs/promises');
    expect((await stat(file)).size).toBeGreaterThan(1024 * 1024);
    const run = promisify(execFile);
    const cli = (jobs: string) =>
      run(
        process.execPath,
        [join(ROOT, 'bin', 'phonehome.js'), 'scan', file, '--canary', CANARY, '--json', '--jobs', jobs],
        {
          cwd: ROOT,
          maxBuffer: 1 << 24,
        },
      );
    const [one, two] = [await cli('1'), await cli('2')];
    const found = JSON.parse(two.stdout) as { findings: Array<{ entry: number }> };
    // Without --cipher, the encrypted flows (every third) hide their canary.
    const expected = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 7 === 0 && i % 3 !== 2);
    expect(found.findings.map((f) => f.entry)).toEqual(expected);
    expect(two.stdout).toBe(one.stdout);
    // No worker failed to load (the scan would still succeed, in the main thread, but say so). On a
    // busy machine the scan may last long enough to show its progress, which is all stderr may hold.
    const progress = /^phonehome scan: flows\.ndjson: [0-9.]+ of [0-9.]+ MB /;
    expect(two.stderr.split('\n').filter((l) => l !== '' && !progress.test(l))).toEqual([]);
    await expect(cli('0')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--jobs "0"') });
    // Three whole commands on a 1.3 MB log: 60 s was too short with the machine at load 28.
  }, 180_000);
});

describe('the worker threads’ script', () => {
  it('should be one bundled JavaScript file, and find in each flow what the TypeScript sources find', async () => {
    const entry = bundledWorkerEntry();
    expect(entry.href).not.toBe(TSX_WORKER_ENTRY.href);
    expect(entry.pathname).toMatch(/node_modules\/\.cache\/phonehome\/pool-worker-[0-9a-f]{16}\.mjs$/);
    const flows = Array.from({ length: 60 }, (_, i) => flowAt(i));
    const setup = { tokens: [canary()], ciphers: [CIPHER] };
    const results = async (pool: AnalyzerPool) => {
      try {
        return (
          await Promise.all([0, 1, 2].map((k) => pool.analyzeBatch(flows.slice(20 * k, 20 * k + 20))))
        ).flat();
      } finally {
        await pool.close();
      }
    };
    const bundled = new AnalyzerPool(setup, 2);
    const viaTsx = new AnalyzerPool(setup, 2, TSX_WORKER_ENTRY);
    const [a, b] = [await results(bundled), await results(viaTsx)];
    expect(bundled.stats).toMatchObject({ workersStarted: 2, workerFailures: 0 });
    expect(bundled.stats.workerBatches).toBe(3);
    expect(a.flatMap((r) => r.findings).length).toBe(9);
    expect(a).toEqual(b);
  }, 60_000);
});
