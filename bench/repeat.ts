/**
 * Repeatability: runs the default matrix (`npm start`'s quick matrix) N times (default 5) and prints every verdict that differs
 * between runs, every error cell and every scenario that ended in error (each with its reason), and
 * every launch retried after a harness failure. Zero flips and zero error cells is the bar.
 *
 *   npx tsx bench/repeat.ts [N] [--busy] [-- extra phonehome run options]
 *
 * --busy keeps the machine busy meanwhile: two CPU-bound child processes run beside the matrices
 * and are stopped at the end.
 *
 * Exit code: 0 no flips and no error cells, 1 at least one of either, 2 a run produced no run.json.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunRecord } from '../src/model/run-record.ts';

const root = resolve(import.meta.dirname, '..');
const dashes = process.argv.indexOf('--');
const own = dashes >= 0 ? process.argv.slice(2, dashes) : process.argv.slice(2);
if (own.includes('--help') || own.includes('-h')) {
  process.stdout.write('usage: npx tsx bench/repeat.ts [N] [--busy] [-- extra phonehome run options]\n');
  process.exit(0);
}
const busy = own.includes('--busy');
const count = own.find((a) => /^\d+$/.test(a));
const n = Number(count ?? 5);
const given = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
// The default matrix is the one `npm start` runs; `-- --matrix full` repeats the full one instead.
const extra = given.includes('--matrix') ? given : ['--matrix', 'quick', ...given];
const runs: RunRecord[] = [];

/** CPU-bound loops beside the runs, so the matrix meets a machine as busy as a shared CI runner. */
const burners: ChildProcess[] = busy
  ? [1, 2].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  : [];
const stopBurners = (): void => {
  for (const b of burners) b.kill('SIGKILL');
};
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}
if (busy)
  process.stdout.write(`busy: two CPU-bound processes (pids ${burners.map((b) => b.pid).join(', ')})\n`);

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
    `run ${i}/${n} (${extra.join(' ')}): ${run.runId} in ${Math.round((Date.now() - started) / 1000)}s, ${run.cells.length} cells (${[...counts].map(([s, k]) => `${k} ${s}`).join(', ')}), sealed: ${run.sealed} (${join(out, dir)})\n`,
  );
}
stopBurners();

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

let errorCells = 0;
for (const [i, run] of runs.entries()) {
  for (const s of run.scenarios) {
    if (s.status === 'error')
      process.stdout.write(`ERROR run ${i + 1} ${s.target} / ${s.scenario}: ${s.error}\n`);
    if (s.retries)
      process.stdout.write(
        `RETRIED run ${i + 1} ${s.target} / ${s.scenario}: ${s.firstAttemptError} (${s.firstAttemptFlows ?? 0} flow(s) of the first attempt kept)\n`,
      );
  }
  for (const cell of run.cells.filter((c) => c.status === 'error')) {
    errorCells += 1;
    process.stdout.write(`ERROR CELL run ${i + 1} ${cell.claim} × ${cell.target}: ${cell.reason}\n`);
  }
}
const retried = runs.flatMap((r) => r.scenarios).filter((s) => s.retries).length;
process.stdout.write(
  `${flips.length} verdict(s) differ across ${n} runs of ${byCell.size} cells; ${errorCells} error cell(s); ${retried} launch(es) retried${busy ? '; machine kept busy' : ''}\n`,
);
process.exit(flips.length === 0 && errorCells === 0 ? 0 : 1);
