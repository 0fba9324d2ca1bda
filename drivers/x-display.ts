import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../src/run/harness-failure.ts';
import { isAlive } from '../src/seal/namespace.ts';
import { pidDir } from '../src/seal/pid-files.ts';
import { exitsWithin, sleep } from './process.ts';

const run = promisify(execFile);

/**
 * A virtual X display of its own, for browsers driven headed with real keyboard input (the address
 * bar, MiniBrowser). Sealed browsers run in network namespaces of their own, where the abstract X
 * socket of the host is out of reach: they connect through the file /tmp/.X11-unix/X<n>, which any
 * Xvfb started for the same number in another namespace would replace. So each display gets an
 * explicit number, whose lock file (/tmp/.X<n>-lock, shared by every namespace) Xvfb takes
 * atomically; `-displayfd` would pick a number per namespace and take no lock.
 */
export interface XDisplay {
  /** `:N`, for DISPLAY. */
  display: string;
  /** Runs xdotool on this display; resolves with its output. */
  xdotool(...args: string[]): Promise<string>;
  /**
   * Stops Xvfb as it expects (SIGTERM, so it removes its socket and lock), SIGKILL after 3 s, and
   * then removes what a killed Xvfb left. Never throws; safe to call twice.
   */
  stop(): Promise<void>;
}

/** Display numbers tried: far above those `-displayfd` and `xvfb-run -a` hand out (0 and 99 up). */
const DISPLAY_MIN = 1000;
const DISPLAY_MAX = 9000;
/** Numbers tried before giving up (a number is taken when its lock names a live server). */
const START_TRIES = 4;
/** How long one Xvfb may take to accept an X client (a busy machine took ~2 s). */
const READY_MS = 15_000;

const socketPath = (n: number): string => `/tmp/.X11-unix/X${n}`;
const lockPath = (n: number): string => `/tmp/.X${n}-lock`;

/** The Xvfb binary; a test points it at one that cannot start (a harness failure on purpose). */
let xvfbBinary = '/usr/bin/Xvfb';
export function useXvfbBinary(path: string | undefined): void {
  xvfbBinary = path ?? '/usr/bin/Xvfb';
}

/**
 * Starts Xvfb on a free display number and hands it out once its lock names this Xvfb and its
 * socket file (the way a sealed browser connects) is there. Tries up to four numbers.
 * @throws HarnessError (part `display`) with a one-line reason when no display came up.
 */
export async function startXDisplay(): Promise<XDisplay> {
  const reasons: string[] = [];
  for (let attempt = 1; attempt <= START_TRIES; attempt++) {
    const number = randomInt(DISPLAY_MIN, DISPLAY_MAX);
    try {
      return await startOn(number);
    } catch (error) {
      reasons.push(`:${number}: ${(error as Error).message}`);
    }
  }
  throw new HarnessError('display', `no virtual display could be started (${reasons.join('; ')})`);
}

async function startOn(number: number): Promise<XDisplay> {
  const xvfb: ChildProcess = spawn(
    xvfbBinary,
    // -noreset: the server keeps its state when the last client (an xdotool call) disconnects.
    [`:${number}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  xvfb.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  let spawnError: string | undefined;
  xvfb.on('error', (e) => {
    spawnError = `Xvfb could not be started: ${e.message}`;
  });
  const forget = writeDisplayRecord(xvfb.pid, number);
  const stop = once(async () => {
    await stopXvfb(xvfb, number);
    forget();
  });
  const exited = (): string | undefined => {
    if (spawnError) return spawnError;
    if (xvfb.exitCode === null && xvfb.signalCode === null) return undefined;
    const said = stderr.match(/Fatal server error:\s*\n?(?:\(EE\)\s*)?([^\n]+)/)?.[1]?.trim();
    return `Xvfb exited (code ${xvfb.exitCode}, signal ${xvfb.signalCode})${said ? `: ${said}` : ''}`;
  };
  const deadline = Date.now() + READY_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) {
      await stop();
      throw new Error(gone);
    }
    const lock = lockOwner(number);
    if (lock !== undefined && lock !== xvfb.pid) {
      last = `its lock names pid ${lock}, not this Xvfb (${xvfb.pid})`;
    } else if (lock === xvfb.pid) {
      // No X client connects before the browser does: a display is the browser's alone from its
      // first connection (the drivers' own xdotool calls come after the browser's window).
      if (existsSync(socketPath(number))) {
        const display = `:${number}`;
        return {
          display,
          async xdotool(...args) {
            const { stdout } = await run('xdotool', args, { env: { ...process.env, DISPLAY: display } });
            return stdout.trim();
          },
          stop,
        };
      }
      last = 'its socket file is not there yet';
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`Xvfb was not ready within ${READY_MS / 1000} s (${last})`);
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= work();
    return running;
  };
}

async function stopXvfb(xvfb: ChildProcess, number: number): Promise<void> {
  if (xvfb.exitCode === null && xvfb.signalCode === null) {
    xvfb.kill('SIGTERM');
    if (!(await exitsWithin(xvfb, 3000))) {
      xvfb.kill('SIGKILL');
      await exitsWithin(xvfb, 2000);
    }
  }
  if (xvfb.pid !== undefined) removeDisplayFiles(number, xvfb.pid);
}

/**
 * Removes the socket and lock of display `n` when its lock still names `pid` and that process is
 * gone (a killed Xvfb cannot remove them itself). A lock of any other process is left alone, and so
 * is its socket. Returns true when something was removed.
 */
export function removeDisplayFiles(n: number, pid: number): boolean {
  if (lockOwner(n) !== pid || isAlive(pid)) return false;
  // Socket first: once the lock is gone the number is free for a new server and its new socket.
  rmSync(socketPath(n), { force: true });
  rmSync(lockPath(n), { force: true });
  return true;
}

/** The pid written in display `n`'s lock file, or undefined when there is none. */
export function lockOwner(n: number): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath(n), 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens an X connection through the socket file at `path`, as Xlib does (little-endian, protocol
 * 11.0, no authorization), and reads the first byte of the server's answer. Resolves undefined
 * when the server accepted the client, else the reason. Used by the tests.
 */
export function xHandshake(path: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done('the server did not answer the connection setup'));
    socket.once('error', (e) => done(`cannot connect to ${path}: ${(e as NodeJS.ErrnoException).code}`));
    socket.once('connect', () => {
      const setup = Buffer.alloc(12);
      setup.write('l', 0);
      setup.writeUInt16LE(11, 2);
      socket.write(setup);
    });
    socket.once('data', (d: Buffer) => {
      // 1 Success, 0 Failed, 2 Authenticate.
      done(d[0] === 1 ? undefined : `the server refused the client (setup status ${d[0]})`);
    });
  });
}

/** One started Xvfb, recorded until it stops so that the next start cleans it after a crash. */
interface DisplayRecord {
  pid: number;
  /** The phonehome process that started it; while that one lives, the display is not a leftover. */
  owner: number;
  number: number;
  startedAt: string;
}

/** Where display records live: `displays/` beside the browsers' pid files. */
export function displayDir(): string {
  return join(pidDir(), '..', 'displays');
}

function writeDisplayRecord(pid: number | undefined, number: number): () => void {
  if (pid === undefined) return () => {};
  const path = join(displayDir(), `${pid}.json`);
  try {
    mkdirSync(displayDir(), { recursive: true });
    const record: DisplayRecord = { pid, owner: process.pid, number, startedAt: new Date().toISOString() };
    writeFileSync(path, JSON.stringify(record));
  } catch {
    // A record is a safety net; failing to write one must not fail the display.
  }
  return () => rmSync(path, { force: true });
}

/**
 * Cleans the displays of phonehome processes that are gone: a leftover Xvfb still running is
 * stopped as `stop()` does, and the socket and lock a killed one left are removed. Displays whose
 * starter still runs, and files another live process holds, are left alone. Returns the displays
 * cleaned (`:N`). Never throws.
 */
export async function cleanLeftoverDisplays(): Promise<string[]> {
  const cleaned: string[] = [];
  let names: string[];
  try {
    names = readdirSync(displayDir()).filter((n) => n.endsWith('.json'));
  } catch {
    return cleaned;
  }
  for (const name of names) {
    const path = join(displayDir(), name);
    let record: DisplayRecord;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as DisplayRecord;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (isAlive(record.owner)) continue;
    let stopped = false;
    if (isAlive(record.pid) && isXvfb(record.pid) && lockOwner(record.number) === record.pid) {
      await stopPid(record.pid);
      stopped = true;
    }
    if (removeDisplayFiles(record.number, record.pid) || stopped) cleaned.push(`:${record.number}`);
    rmSync(path, { force: true });
  }
  return cleaned;
}

function isXvfb(pid: number): boolean {
  try {
    return /Xvfb$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

async function stopPid(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(pid, s);
    } catch {
      // Gone in between.
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < 3000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  for (let waited = 0; waited < 2000 && isAlive(pid); waited += 100) await sleep(100);
}

/**
 * Types `query` into the address bar of the browser window whose class matches `windowClass` and
 * presses Enter, with real keys: Ctrl+L, the query key by key (suggestion requests fire per
 * keystroke), Enter. The first key event after a focus change is sometimes dropped (seen with
 * MiniBrowser, about one try in two), so a lone Shift, which does nothing, goes first. Whether the
 * search then happened is checked from the capture (a scenario's `proves`), not assumed.
 */
export async function typeIntoAddressBar(x: XDisplay, windowClass: string, query: string): Promise<void> {
  const window = await waitForWindow(x, windowClass);
  await x.xdotool('windowfocus', '--sync', window);
  await x.xdotool('key', 'shift');
  await sleep(50);
  await x.xdotool('key', '--clearmodifiers', 'ctrl+l');
  await sleep(200);
  await typeKeys(x, query);
  await x.xdotool('key', 'Return');
}

/**
 * Types text key by key. A character the keyboard map lacks (any non-ASCII letter) makes xdotool
 * map it to a spare keycode first; Firefox reads the new map late and drops the key when the
 * next one follows within 60 ms ("crème" arrived as "crme" in three tries of three), while with
 * 250 ms it arrived whole in every try. So such characters go one by one, slowly.
 */
async function typeKeys(x: XDisplay, text: string): Promise<void> {
  for (const run of text.match(/[\x00-\x7f]+|[^\x00-\x7f]/gu) ?? []) {
    await x.xdotool('type', '--delay', /^[\x00-\x7f]/.test(run) ? '60' : '250', run);
  }
}

/**
 * The first visible window whose class matches, once there is one (30 s at most). `gone` says why
 * to stop waiting early (the browser exited), or undefined.
 */
export async function waitForWindow(
  x: XDisplay,
  windowClass: string,
  gone: () => string | undefined = () => undefined,
): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason) throw new Error(reason);
    const found = await x.xdotool('search', '--onlyvisible', '--class', windowClass).catch(() => '');
    const window = found.split('\n')[0];
    if (window) return window;
    await sleep(100);
  }
  throw new Error(`no ${windowClass} window appeared on the virtual display within 30 s`);
}
