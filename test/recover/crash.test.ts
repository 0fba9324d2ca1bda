import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import type { RunRecord } from '../../src/model/run-record.ts';
import { runRecordSchema } from '../../src/model/run-schema.ts';
import { recoverAtStart, STOPPED_REASON, unfinishedRuns } from '../../src/run/recover.ts';
import { ip, isAlive } from '../../src/seal/namespace.ts';
import type { PidFile } from '../../src/seal/pid-files.ts';

const root = resolve(import.meta.dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'phonehome-crash-'));
const state = mkdtempSync(join(tmpdir(), 'phonehome-state-'));
let runner: ChildProcess | undefined;

afterAll(() => {
  if (runner?.pid) killTree(runner.pid, () => true);
});

/** Every descendant of a process (pid, parent, command name), from /proc. */
function descendants(pid: number): { pid: number; comm: string }[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(d), ppid, comm }];
      } catch {
        return [];
      }
    });
  const found: { pid: number; comm: string }[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

/** Node processes by their executable (Playwright renames its processes' titles). */
function isNode(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}

function killTree(pid: number, which: (pid: number) => boolean): number[] {
  const victims = [{ pid, comm: 'node' }, ...descendants(pid)].filter((p) => which(p.pid));
  for (const p of victims) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return victims.map((p) => p.pid);
}

function flowLogs(): string[] {
  return readdirSync(out, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('flows.ndjson'))
    .map((p) => join(out, p));
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('crash safety', () => {
  it('should keep the flows, clean leftovers and rebuild run.json with error cells after kill -9 of the runner mid-scenario', async () => {
    runner = spawn(
      process.execPath,
      [
        'bin/phonehome.js',
        'run',
        '--target',
        'chromium',
        '--scenario',
        'idle',
        '--workers',
        '1',
        '--out',
        out,
      ],
      {
        cwd: root,
        env: { ...process.env, PHONEHOME_IDLE_MS: '120000', PHONEHOME_STATE_DIR: state, CI: '1' },
        stdio: 'ignore',
      },
    );
    const runnerPid = runner.pid as number;
    // Mid-scenario: the browser runs (its pid file exists) and a flow is already on disk.
    const pidFile = await until(
      'a browser pid file and a flow on disk',
      () => {
        const files = existsSync(join(state, 'pids')) ? readdirSync(join(state, 'pids')) : [];
        const flows = flowLogs().flatMap((p) => readFlowLog(readFileSync(p, 'utf8')).flows);
        return files[0] && flows.length > 0 ? join(state, 'pids', files[0]) : undefined;
      },
      90_000,
    );
    const browser = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile;
    // The runner, Playwright and its worker die at once, as under the OOM killer; the browser stays.
    const killed = killTree(runnerPid, (pid) => isNode(pid));
    expect(killed).toContain(browser.owner);
    await until('the runner to be gone', () => killed.every((p) => !isAlive(p)) || undefined, 10_000);
    const flowsBefore = flowLogs().flatMap((p) => readFlowLog(readFileSync(p, 'utf8')).flows);
    expect(flowsBefore.length).toBeGreaterThan(0);
    expect(isAlive(browser.pid)).toBe(true);

    const [runDir] = unfinishedRuns(out);
    expect(runDir).toBeDefined();
    // The next start, as `phonehome run` does it, with the same state folder.
    process.env.PHONEHOME_STATE_DIR = state;
    const report = await recoverAtStart(out);
    expect(report.failed).toEqual([]);
    expect(report.killed.map((p) => p.pid)).toContain(browser.pid);
    await until('the leftover browser to die', () => !isAlive(browser.pid) || undefined, 10_000);
    expect(ip(['netns', 'list'])).not.toMatch(new RegExp(`phonehome-${browser.owner}-`));
    expect(report.runs).toEqual([runDir]);

    const run = JSON.parse(readFileSync(join(runDir as string, 'run.json'), 'utf8')) as RunRecord;
    expect(runRecordSchema.safeParse(run).success).toBe(true);
    expect(run.interrupted).toBe(true);
    const stopped = run.scenarios.find((s) => s.target === 'chromium:normal' && s.scenario === 'idle');
    expect(stopped).toMatchObject({ status: 'error', error: STOPPED_REASON });
    expect(stopped?.flows).toBeGreaterThanOrEqual(flowsBefore.length);
    const cells = run.cells.filter((c) => c.target === 'chromium:normal' && c.status !== 'not-applicable');
    expect(cells.length).toBeGreaterThan(0);
    // A leak already seen in the kept flows still fails (evidence beats a broken test); every other
    // cell reads error with the reason. None can pass.
    for (const cell of cells) {
      expect(['error', 'fail']).toContain(cell.status);
      if (cell.status === 'error') expect(cell.reason).toContain(STOPPED_REASON);
    }
    expect(cells.filter((c) => c.status === 'error').length).toBeGreaterThan(0);
    // The incognito half never started: its cells read error too, never pass.
    expect(run.cells.filter((c) => c.status === 'pass')).toEqual([]);
    // Recovered once: the next start finds nothing left to do.
    expect(unfinishedRuns(out)).toEqual([]);
  }, 180_000);
});
