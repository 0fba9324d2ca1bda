/**
 * Repeatability: runs the default matrix N times (default 5) and prints every verdict that differs
 * between runs. Zero flips is the bar.
 *
 *   npx tsx bench/repeat.ts [N] [-- extra phonehome run options]
 *
 * Exit code: 0 no flips, 1 at least one flip, 2 a run produced no run.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunRecord } from '../src/report/run-record.ts';

const root = resolve(import.meta.dirname, '..');
const dashes = process.argv.indexOf('--');
const n = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 5);
const extra = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
const runs: RunRecord[] = [];

for (let i = 1; i <= n; i += 1) {
  const out = mkdtempSync(join(tmpdir(), `phonehome-repeat-${i}-`));
  const started = Date.now();
  spawnSync(process.execPath, ['bin/phonehome.js', 'run', '--out', out, ...extra], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: '1' },
  });
  const dir = readdirSync(out).find((d) => d !== 'latest' && existsSync(join(out, d, 'run.json')));
  if (!dir) {
    process.stderr.write(`repeat: run ${i} wrote no run.json (see ${out})\n`);
    process.exit(2);
  }
  const run = JSON.parse(readFileSync(join(out, dir, 'run.json'), 'utf8')) as RunRecord;
  runs.push(run);
  const counts = new Map<string, number>();
  for (const c of run.cells) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  process.stdout.write(
    `run ${i}/${n}: ${run.runId} in ${Math.round((Date.now() - started) / 1000)}s, ${run.cells.length} cells (${[...counts].map(([s, k]) => `${k} ${s}`).join(', ')}), sealed: ${run.sealed}\n`,
  );
}

const byCell = new Map<string, string[]>();
for (const [i, run] of runs.entries()) {
  for (const cell of run.cells) {
    const key = `${cell.claim} × ${cell.target}`;
    const list = byCell.get(key) ?? Array<string>(runs.length).fill('(missing)');
    list[i] = cell.status;
    byCell.set(key, list);
  }
}
const flips = [...byCell].filter(([, statuses]) => new Set(statuses).size > 1);
for (const [key, statuses] of flips) process.stdout.write(`FLIP ${key}: ${statuses.join(' → ')}\n`);
process.stdout.write(`${flips.length} verdict(s) differ across ${n} runs of ${byCell.size} cells\n`);
process.exit(flips.length === 0 ? 0 : 1);
