import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exitsWithin, sleep } from '../../drivers/process.ts';
import {
  cleanLeftoverDisplays,
  displayDir,
  lockOwner,
  removeDisplayFiles,
  serves,
  startXDisplay,
  type XDisplay,
  xHandshake,
} from '../../drivers/x-display.ts';
import { isAlive } from '../../src/seal/namespace.ts';

const socket = (n: number): string => `/tmp/.X11-unix/X${n}`;
const lock = (n: number): string => `/tmp/.X${n}-lock`;
const numberOf = (x: XDisplay): number => Number(x.display.slice(1));

let state: string;
const started: ChildProcess[] = [];
beforeAll(() => {
  state = mkdtempSync(join(tmpdir(), 'phonehome-display-test-'));
  process.env.PHONEHOME_STATE_DIR = state;
});
afterAll(() => {
  for (const p of started) p.kill('SIGKILL');
  delete process.env.PHONEHOME_STATE_DIR;
  rmSync(state, { recursive: true, force: true });
});
afterEach(() => rmSync(displayDir(), { recursive: true, force: true }));

/** An Xvfb started by hand on a number outside the range startXDisplay uses, once it accepts clients. */
async function rawXvfb(): Promise<{ proc: ChildProcess; number: number }> {
  for (let tries = 0; tries < 5; tries++) {
    const number = 9100 + Math.floor(Math.random() * 800);
    // -noreset as the project's displays: the handshake below is the server's last client leaving,
    // and a resetting server refuses (ECONNRESET) the test's next handshake meanwhile.
    const proc = spawn('/usr/bin/Xvfb', [`:${number}`, '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
    started.push(proc);
    for (let waited = 0; waited < 15_000; waited += 100) {
      if (proc.exitCode !== null) break;
      if (lockOwner(number) === proc.pid && (await xHandshake(socket(number))) === undefined) {
        return { proc, number };
      }
      await sleep(100);
    }
    proc.kill('SIGKILL');
  }
  throw new Error('no Xvfb came up for the test');
}

/** A pid no process has any more (a child that already exited). */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

function writeRecord(pid: number, owner: number, number: number): void {
  mkdirSync(displayDir(), { recursive: true });
  writeFileSync(
    join(displayDir(), `${pid}.json`),
    JSON.stringify({ pid, owner, number, startedAt: new Date().toISOString() }),
  );
}

describe('virtual display', () => {
  it('should hand out a display that an X client reaches through its socket file, and leave no socket or lock after stop', async () => {
    const x = await startXDisplay();
    const n = numberOf(x);
    expect(existsSync(socket(n))).toBe(true);
    expect(await x.xdotool('getdisplaygeometry')).toBe('1280 1024');
    // A sealed browser has no access to the host's abstract socket: only the file leads there.
    if (process.getuid?.() === 0) {
      const out = execFileSync('unshare', ['--net', 'xdotool', 'getdisplaygeometry'], {
        env: { ...process.env, DISPLAY: x.display },
      });
      expect(out.toString().trim()).toBe('1280 1024');
    }
    expect(readdirSync(displayDir())).toHaveLength(1);
    await x.stop();
    expect(existsSync(socket(n))).toBe(false);
    expect(existsSync(lock(n))).toBe(false);
    expect(existsSync(displayDir()) ? readdirSync(displayDir()) : []).toEqual([]);
  });

  it('should accept a client right after the last one left (Xvfb does not reset)', async () => {
    // Without -noreset, Xvfb resets when its last client leaves and refuses or stalls who connects
    // meanwhile: 7 of 200 back-to-back connections here ("cannot open display" for a browser).
    const x = await startXDisplay();
    const reasons: string[] = [];
    for (let i = 0; i < 200; i++) {
      const reason = await xHandshake(socket(numberOf(x)), 500);
      if (reason) reasons.push(reason);
    }
    await x.stop();
    expect(reasons).toEqual([]);
  });

  it('should give parallel displays distinct numbers, each stopped without leftovers', async () => {
    const xs = await Promise.all([startXDisplay(), startXDisplay(), startXDisplay(), startXDisplay()]);
    const numbers = xs.map(numberOf);
    expect(new Set(numbers).size).toBe(4);
    await Promise.all(xs.map((x) => x.stop()));
    // Drawn from a wide range, not the lowest free number: the next display does not take the
    // number one just stopped (whose exiting server may still unlink its file).
    const next = await startXDisplay();
    expect(numberOf(next)).toBeGreaterThanOrEqual(10_000);
    expect(numbers).not.toContain(numberOf(next));
    await next.stop();
    for (const n of numbers) {
      expect(existsSync(socket(n))).toBe(false);
      expect(existsSync(lock(n))).toBe(false);
    }
  });
});

describe('leftover displays at the next start', () => {
  it('should remove the socket and lock of a display whose Xvfb was killed and whose starter is gone', async () => {
    const { proc, number } = await rawXvfb();
    writeRecord(proc.pid as number, deadPid(), number);
    proc.kill('SIGKILL');
    await exitsWithin(proc, 5000);
    // A killed Xvfb cannot clean up: this is what a crashed run leaves.
    expect(existsSync(socket(number))).toBe(true);
    expect(existsSync(lock(number))).toBe(true);
    expect(await cleanLeftoverDisplays()).toEqual([`:${number}`]);
    expect(existsSync(socket(number))).toBe(false);
    expect(existsSync(lock(number))).toBe(false);
    expect(readdirSync(displayDir())).toEqual([]);
  });

  it('should stop a leftover Xvfb still running when its starter is gone, leaving no socket or lock', async () => {
    const { proc, number } = await rawXvfb();
    writeRecord(proc.pid as number, deadPid(), number);
    expect(await cleanLeftoverDisplays()).toEqual([`:${number}`]);
    expect(await exitsWithin(proc, 5000)).toBe(true);
    // Xvfb handles SIGTERM and exits by itself (a SIGKILL would show as the signal).
    expect(proc.signalCode).toBeNull();
    expect(existsSync(socket(number))).toBe(false);
    expect(existsSync(lock(number))).toBe(false);
  });

  it('should leave alone a display whose starter still runs', async () => {
    const { proc, number } = await rawXvfb();
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(owner);
    writeRecord(proc.pid as number, owner.pid as number, number);
    expect(await cleanLeftoverDisplays()).toEqual([]);
    expect(isAlive(proc.pid as number)).toBe(true);
    expect(await xHandshake(socket(number))).toBeUndefined();
    expect(readdirSync(displayDir())).toHaveLength(1);
    proc.kill('SIGTERM');
    await exitsWithin(proc, 5000);
  });

  it("should leave alone another live server's socket and lock on a number a dead display once had", async () => {
    const { proc, number } = await rawXvfb();
    // The record names a dead Xvfb on this number; the number now belongs to a live server.
    writeRecord(deadPid(), deadPid(), number);
    expect(await cleanLeftoverDisplays()).toEqual([]);
    expect(lockOwner(number)).toBe(proc.pid);
    expect(await xHandshake(socket(number))).toBeUndefined();
    proc.kill('SIGTERM');
    await exitsWithin(proc, 5000);
  });

  it('should leave alone the socket of a lockless (-displayfd) server on a number a dead display once had', async () => {
    const x = await startXDisplay();
    const n = numberOf(x);
    // What a parallel worker sees when its Xvfb has exited and another already took the number.
    expect(existsSync(lock(n))).toBe(false);
    expect(serves(n)).toBe(true);
    expect(removeDisplayFiles(n, deadPid())).toBe(false);
    writeRecord(deadPid(), deadPid(), n);
    expect(await cleanLeftoverDisplays()).toEqual([]);
    expect(await xHandshake(socket(n))).toBeUndefined();
    await x.stop();
    expect(serves(n)).toBe(false);
  });
});
