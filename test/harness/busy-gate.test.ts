import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireBusySlot, busySlots, withBusySlot } from '../../src/harness/busy-gate.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'phonehome-gate-'));
  dirs.push(d);
  return d;
}

/** A worker process: waits for a slot in `dir`, logs when it got it and when it let go. */
function worker(dir: string, log: string, holdMs: number, slots: number, die = false) {
  const script = `
    import { appendFileSync } from 'node:fs';
    import { acquireBusySlot } from ${JSON.stringify(join(import.meta.dirname, '../../src/harness/busy-gate.ts'))};
    const release = await acquireBusySlot(${JSON.stringify(dir)}, ${slots}, 3000);
    appendFileSync(${JSON.stringify(log)}, 'in ' + Date.now() + '\\n');
    await new Promise((r) => setTimeout(r, ${holdMs}));
    ${die ? "process.kill(process.pid, 'SIGKILL');" : ''}
    appendFileSync(${JSON.stringify(log)}, 'out ' + Date.now() + '\\n');
    await release();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: 'inherit',
  });
  return new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
}

/** The most slots held at once, from the workers' log. */
function mostAtOnce(log: string): number {
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([what, at]) => ({ delta: what === 'in' ? 1 : -1, at: Number(at) }))
    // At one instant, a release counts before an entry.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.delta;
    most = Math.max(most, now);
  }
  return most;
}

describe('busy gate', () => {
  it('should let at most the given number of processes be busy at once, and every one of them in turn', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const codes = await Promise.all([0, 1, 2, 3, 4].map(() => worker(join(dir, 'slots'), log, 700, 2)));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('in '))).toHaveLength(5);
    expect(mostAtOnce(log)).toBe(2);
  }, 60_000);

  it('should free the slot of a process that died holding it, once its lock goes stale', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    expect(await worker(join(dir, 'slots'), log, 100, 1, true)).toBeNull();
    const started = Date.now();
    expect(await worker(join(dir, 'slots'), log, 10, 1)).toBe(0);
    expect(readFileSync(log, 'utf8').match(/^in /gm)).toHaveLength(2);
    // Not at once: the dead worker's lock was still fresh.
    expect(Date.now() - started).toBeGreaterThan(1_000);
  }, 60_000);

  it('should give a process that already holds a slot another at once (a relaunch inside the steps)', async () => {
    const dir = tempDir();
    const outer = await acquireBusySlot(dir, 1, 3000);
    const inner = await withBusySlot(dir, 1, async () => 'relaunched');
    expect(inner).toBe('relaunched');
    await outer();
    // Released: another acquisition in this process takes the lock file again.
    const again = await acquireBusySlot(dir, 1, 3000);
    await again();
  });

  it('should read the number of slots from the environment and refuse what is not a number', () => {
    expect(busySlots({})).toBe(0);
    expect(busySlots({ PHONEHOME_BUSY_SLOTS: '3' })).toBe(3);
    expect(() => busySlots({ PHONEHOME_BUSY_SLOTS: 'three' })).toThrow(
      /PHONEHOME_BUSY_SLOTS takes a whole number/,
    );
  });
});
