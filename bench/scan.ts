/**
 * Benchmark of `phonehome scan`'s engine: generates NDJSON flow logs of mixed telemetry traffic
 * (plain, form, JSON, base64, gzip+base64, lz-string) at 50, 100 and 200 MB in a temp directory,
 * with the canary planted in known flows, then scans each in a fresh process with scanFiles (the
 * engine of `phonehome scan`, worker pool included), once in the scanning thread (jobs 1) and once
 * on one worker per core, and prints MB/s, peak RSS, findings vs planted, the ratio to `grep -c`
 * over the same file, its CPU time (the figure to read when the machine is shared) and the load.
 *
 *   npx tsx bench/scan.ts [SIZES_MB...]      e.g. npx tsx bench/scan.ts 50 100 200
 *   BENCH_JOBS=2 npx tsx bench/scan.ts 200   only these worker counts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import LZString from 'lz-string';
import type { Flow } from '../src/capture/flow.ts';
import { MAX_DEFAULT_JOBS } from '../src/detect/pool.ts';

const CANARY = 'phbench7k2x9qm4z';
const PLANT_EVERY = 25;

function words(n: number): string {
  const w = [
    'search',
    'page',
    'view',
    'click',
    'session',
    'user',
    'event',
    'screen',
    'scroll',
    'load',
    'time',
    'value',
  ];
  let s = '';
  for (let i = 0; i < n; i++) s += `${w[(i * 7 + n) % w.length]}${i % 13} `;
  return s;
}

/** A batch of events as an analytics SDK would send it; the canary goes in one event's URL. */
function eventBatch(i: number, planted: boolean): string {
  const events = Array.from({ length: 12 }, (_, k) => ({
    event: k % 3 === 0 ? '$pageview' : 'click',
    ts: 1714550000000 + i * 100 + k,
    props: {
      $url:
        planted && k === 5 ? `https://search.test/search?q=${CANARY}` : `https://site.test/page/${i}/${k}`,
      id: randomBytes(12).toString('hex'),
      text: words(20 + (k % 5)),
    },
  }));
  return JSON.stringify({ api_key: 'phc_benchkey', batch: events });
}

const KINDS = ['plain', 'form', 'json', 'base64', 'gzip64', 'lz64'] as const;

function makeFlow(i: number): { flow: Flow; planted: boolean } {
  const planted = i % PLANT_EVERY === 0;
  const kind = KINDS[i % KINDS.length]!;
  const json = eventBatch(i, planted);
  let url = `https://t${i % 7}.vendor.test/e/?ip=1&_=${1714550000000 + i}`;
  let body: string;
  if (kind === 'plain') {
    if (planted) url += `&q=${CANARY}`;
    body = words(200);
  } else if (kind === 'form') body = `data=${encodeURIComponent(json)}&ver=1.2.3`;
  else if (kind === 'json') body = json;
  else if (kind === 'base64') body = `data=${encodeURIComponent(Buffer.from(json).toString('base64'))}`;
  else if (kind === 'gzip64')
    body = `data=${encodeURIComponent(zlib.gzipSync(json).toString('base64'))}&compression=gzip-js`;
  else body = `data=${encodeURIComponent(LZString.compressToBase64(json))}&compression=lz64`;
  const b = Buffer.from(body);
  return {
    planted,
    flow: {
      id: `bench/s#${i}`,
      seq: i,
      runId: 'bench',
      target: 'bench:normal',
      scenario: 's',
      mode: 'normal',
      startedAt: '2024-05-01T10:00:00.000Z',
      transport: 'https',
      request: {
        method: 'POST',
        url,
        httpVersion: '1.1',
        headers: [
          { name: 'content-type', value: 'application/x-www-form-urlencoded' },
          { name: 'user-agent', value: 'Mozilla/5.0 (X11; Linux x86_64) bench' },
        ],
        bodyBase64: b.toString('base64'),
        bodySize: b.length,
      },
      tls: { intercepted: true },
    },
  };
}

/** Writes flows until the file reaches `mb` MB; returns the number of planted flows. */
function generate(path: string, mb: number): { planted: number; flows: number } {
  const fd = openSync(path, 'w');
  let size = 0;
  let planted = 0;
  let i = 0;
  // A pool of generated flows, reused with fresh ids, keeps generation fast for large files.
  const pool = Array.from({ length: 600 }, (_, k) => makeFlow(k));
  while (size < mb * 1024 * 1024) {
    const p = pool[i % pool.length]!;
    const line = `${JSON.stringify({ type: 'flow', ...p.flow, id: `bench/s#${i}`, seq: i })}\n`;
    writeSync(fd, line);
    size += Buffer.byteLength(line);
    if (p.planted) planted++;
    i++;
  }
  closeSync(fd);
  return { planted, flows: i };
}

/** Scans `file` with scanFiles, the engine of `phonehome scan` (worker pool included), and prints figures as JSON. */
async function child(file: string, jobs: number): Promise<void> {
  const { scanFiles } = await import('../src/commands/scan.ts');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { out, stats } = await scanFiles(
    [file],
    { tokens: [{ value: CANARY, kind: 'canary', dataClass: 'search-terms', label: 'canary' }] },
    { jobs },
  );
  const ms = performance.now() - t0;
  // The process's CPU time: every thread's, the workers' too.
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      findings: out.findings.length,
      flowsFound: new Set(out.findings.map((f) => f.entry)).size,
      gaps: out.gaps.length,
      maxRssKb: process.resourceUsage().maxRSS,
      workers: stats.workersStarted,
    }),
  );
}

interface ChildFigures {
  ms: number;
  cpuMs: number;
  findings: number;
  flowsFound: number;
  gaps: number;
  maxRssKb: number;
  workers: number;
}

function jobsList(): number[] {
  // BENCH_JOBS=1,2: the worker-thread counts to compare; 1 analyses in the scanning thread, as
  // phonehome scan did before it had workers.
  const env = process.env.BENCH_JOBS;
  if (env) return env.split(',').map(Number);
  const all = Math.min(availableParallelism(), MAX_DEFAULT_JOBS);
  return all > 1 ? [1, all] : [1];
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, Number(process.argv[4]));
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-bench-'));
  const self = fileURLToPath(import.meta.url);
  try {
    // cpu_s is the scanning process's CPU time, all its threads (workers, GC helpers): on a machine
    // shared with other work it shows what the engine costs, where wall time (scan_s, MB/s) also
    // counts waiting for a core. load is the 1-minute load average when the scan ended, against
    // availableParallelism() cores.
    console.log(`cores: ${availableParallelism()}; jobs compared: ${jobsList().join(', ')}`);
    console.log(
      'size_MB  jobs  flows   planted  found  findings  gaps  scan_s  MB/s   cpu_s   cpu_MB/s  peak_RSS_MB  grep_s  ratio   load',
    );
    for (const mb of sizes.length > 0 ? sizes : [50, 100, 200]) {
      const file = join(dir, `capture-${mb}.ndjson`);
      const { planted, flows } = generate(file, mb);
      const bytes = statSync(file).size;
      for (const jobs of jobsList()) {
        const g0 = performance.now();
        // grep counts lines holding the canary as written; planted canaries are mostly encoded, so
        // this is only a speed reference for one plain pass over the same bytes.
        spawnSync('grep', ['-c', CANARY, file]);
        const grepS = (performance.now() - g0) / 1000;
        const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', file, String(jobs)], {
          maxBuffer: 1 << 20,
        });
        const r = JSON.parse(out.toString()) as ChildFigures;
        const s = r.ms / 1000;
        const mbs = bytes / 1024 / 1024 / s;
        console.log(
          [
            String(mb).padEnd(8),
            `${jobs}${r.workers > 0 ? '' : '*'}`.padEnd(5),
            String(flows).padEnd(7),
            String(planted).padEnd(8),
            String(r.flowsFound).padEnd(6),
            String(r.findings).padEnd(9),
            String(r.gaps).padEnd(5),
            s.toFixed(2).padEnd(7),
            mbs.toFixed(1).padEnd(6),
            (r.cpuMs / 1000).toFixed(2).padEnd(7),
            (bytes / 1024 / 1024 / (r.cpuMs / 1000)).toFixed(1).padEnd(9),
            (r.maxRssKb / 1024).toFixed(0).padEnd(12),
            grepS.toFixed(3).padEnd(7),
            (s / grepS).toFixed(1).padEnd(7),
            loadavg()[0]!.toFixed(2),
          ].join(' '),
        );
      }
      if (!process.env.KEEP) rmSync(file);
    }
    console.log('jobs marked * ran in the scanning thread (no worker thread started)');
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
