import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../src/run/harness-failure.ts';
import { isAlive } from '../src/seal/namespace.ts';
import { orphanedRecords, pidDir } from '../src/seal/pid-files.ts';
import { exitsWithin, sleep } from './process.ts';

const run = promisify(execFile);

/**
 * A virtual X display of its own, for browsers driven headed with real keyboard input (the address
 * bar, MiniBrowser). Sealed browsers run in network namespaces of their own, where the host's
 * abstract X socket is out of reach: they connect through the file /tmp/.X11-unix/X<n>. Displays are
 * always started in the host's namespace, where a number in use holds its abstract socket, so a
 * second server on it fails at once instead of sharing it.
 *
 * The number is drawn at random from a wide range, never the lowest free one, so a new display does
 * not take the number of one that is stopping: a server unlinks its socket file as it exits, and a
 * new server on the same number could lose its file in between. (Not caught in the act; the
 * "cannot open display" seen under load was Xvfb's server reset, see -noreset below.)
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

/** Starts tried before giving up (a number drawn twice, a server that did not come up). */
export const START_TRIES = 5;
/** The range display numbers are drawn from: above the few a desktop uses, below what X allows. */
const FIRST_NUMBER = 10_000;
const NUMBERS = 50_000;
/** How long one Xvfb may take to say it accepts clients (a busy machine took ~2 s). */
const READY_MS = 15_000;

const socketPath = (n: number): string => `/tmp/.X11-unix/X${n}`;
const lockPath = (n: number): string => `/tmp/.X${n}-lock`;

/** The Xvfb binary; a test points it at one that cannot start (a harness failure on purpose). */
let xvfbBinary = '/usr/bin/Xvfb';
export function useXvfbBinary(path: string | undefined): void {
  xvfbBinary = path ?? '/usr/bin/Xvfb';
}

/**
 * Starts Xvfb and hands it out once Xvfb itself says it accepts clients (`-displayfd`: it writes its
 * number after its keyboard map is compiled; a socket file alone appears earlier, and a browser
 * connected that early lost key events). The number holds by the abstract socket of the host's
 * network namespace, so every display must be started there, never inside a seal.
 * @throws HarnessError (part `display`) with a one-line reason when no display came up.
 */
export async function startXDisplay(): Promise<XDisplay> {
  const reasons: string[] = [];
  for (let attempt = 1; attempt <= START_TRIES; attempt++) {
    try {
      return await startOne();
    } catch (error) {
      reasons.push((error as Error).message);
    }
  }
  throw new HarnessError('display', `no virtual display could be started (${reasons.join('; ')})`);
}

async function startOne(): Promise<XDisplay> {
  const drawn = FIRST_NUMBER + randomInt(NUMBERS);
  const xvfb: ChildProcess = spawn(
    xvfbBinary,
    // -noreset: by default Xvfb resets when its last client leaves, and a client connecting
    // meanwhile is refused ("cannot open display"): 2 of 200 back-to-back xdotool calls here, and
    // at load a browser started right after a version check or a window search.
    [`:${drawn}`, '-displayfd', '3', '-noreset', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  let announced: number | undefined;
  xvfb.stdio[3]?.on('data', (d: Buffer) => {
    const n = Number.parseInt(d.toString().trim(), 10);
    if (Number.isFinite(n)) announced = n;
  });
  let stderr = '';
  xvfb.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  let spawnError: string | undefined;
  xvfb.on('error', (e) => {
    spawnError = `Xvfb could not be started: ${e.message}`;
  });
  let forget = (): void => {};
  let number: number | undefined;
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
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) {
      await stop();
      throw new Error(gone);
    }
    if (announced !== undefined) {
      number = announced;
      forget = writeDisplayRecord(xvfb.pid, number);
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
    await sleep(50);
  }
  await stop();
  throw new Error(`Xvfb did not say it accepts clients within ${READY_MS / 1000} s`);
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= work();
    return running;
  };
}

async function stopXvfb(xvfb: ChildProcess, number: number | undefined): Promise<void> {
  if (xvfb.exitCode === null && xvfb.signalCode === null) {
    xvfb.kill('SIGTERM');
    if (!(await exitsWithin(xvfb, 3000))) {
      xvfb.kill('SIGKILL');
      await exitsWithin(xvfb, 2000);
    }
  }
  if (xvfb.pid !== undefined && number !== undefined) removeDisplayFiles(number, xvfb.pid);
}

/**
 * Removes the socket (and lock) of display `n` when `pid` is gone, no lock names another process and
 * no server listens on the number (a killed Xvfb cannot remove them itself). `-displayfd` servers
 * take no lock, so the lock alone cannot tell: once an Xvfb has exited, another one may already
 * serve its number through a new socket file, and removing that file cut a sealed browser off its
 * display ("cannot open display: :0" in CI, with display tests beside it).
 */
export function removeDisplayFiles(n: number, pid: number): boolean {
  const owner = lockOwner(n);
  if ((owner !== undefined && owner !== pid) || isAlive(pid) || serves(n)) return false;
  // Socket first: once the lock is gone the number is free for a new server and its new socket.
  rmSync(socketPath(n), { force: true });
  rmSync(lockPath(n), { force: true });
  return true;
}

/**
 * Whether a server of this network namespace listens on display `n`: Xvfb binds the abstract socket
 * `@/tmp/.X11-unix/X<n>` beside the file, and the kernel lists both in /proc/net/unix until the
 * server's process is gone. Every display is started in the host's namespace, where this runs.
 */
export function serves(n: number): boolean {
  try {
    const names = new Set(
      readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .map((line) => line.split(' ').at(-1)),
    );
    return names.has(`@${socketPath(n)}`) || names.has(socketPath(n));
  } catch {
    // Unreadable: say it is served, so that nothing is removed on a guess.
    return true;
  }
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
  for (const { path, record } of orphanedRecords<DisplayRecord>(displayDir())) {
    let stopped = false;
    if (
      isAlive(record.pid) &&
      isXvfb(record.pid) &&
      (lockOwner(record.number) ?? record.pid) === record.pid
    ) {
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
 * Gives `window` the keyboard focus and waits until it has it. xdotool's `windowfocus --sync`
 * gives up after a while when the focus has not moved, which on a machine at load 28 happened to a
 * GNOME Web window that was there and took the focus a moment later (bench/repeat.ts --busy): so it
 * is asked again, three times in all, before the error stands.
 */
export async function focusWindow(x: XDisplay, window: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await x.xdotool('windowfocus', '--sync', window);
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(500 * attempt);
    }
  }
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
  await focusWindow(x, window);
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

/**
 * Puts `text` on the display's clipboard, as a user who copied it elsewhere: `xclip -i` stays in the
 * background serving it until another client (the browser, a later copy) takes the clipboard, and
 * ends with the display at the latest.
 */
function putOnClipboard(x: XDisplay, text: string): void {
  spawnSync('xclip', ['-i', '-selection', 'clipboard'], {
    input: text,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, DISPLAY: x.display },
    timeout: 5000,
  });
}

/**
 * Puts `text` on the clipboard and reads it back until it is held: `xclip -i` serves it from a
 * process it forks, which under load took the clipboard late ("target STRING not available" on a
 * read straight after), and could then take it over from a copy made meanwhile. Up to 12 reads,
 * put again every 4. Returns what was last read.
 */
async function holdOnClipboard(x: XDisplay, text: string): Promise<string> {
  let held = '';
  for (let attempt = 0; attempt < 12 && held !== text; attempt++) {
    if (attempt % 4 === 0) putOnClipboard(x, text);
    else await sleep(250);
    held = await run('xclip', ['-o', '-selection', 'clipboard'], {
      env: { ...process.env, DISPLAY: x.display },
      timeout: 5000,
    }).then(
      (r) => r.stdout,
      (e: { stderr?: string }) => `(xclip: ${(e.stderr ?? String(e)).trim()})`,
    );
  }
  return held;
}

/**
 * Pastes `text` into the address bar of the browser window whose class matches `windowClass` and
 * presses Enter: the text is put on the clipboard (checked by reading it back), then Ctrl+L, Ctrl+V,
 * Enter. No key of the text itself is typed, so no per-keystroke suggestion request fires (Leith's
 * paste). A lone Shift goes first, as in typeIntoAddressBar. Whether the page then loaded is checked
 * from the capture (a scenario's `proves`), not assumed.
 * @throws when the clipboard does not hold the text, or the window never appeared.
 */
export async function pasteIntoAddressBar(x: XDisplay, windowClass: string, text: string): Promise<void> {
  const window = await waitForWindow(x, windowClass);
  const held = await holdOnClipboard(x, text);
  if (held !== text) throw new Error(`the clipboard holds "${held.slice(0, 80)}", not the text to paste`);
  await focusWindow(x, window);
  await x.xdotool('key', 'shift');
  await sleep(50);
  await x.xdotool('key', '--clearmodifiers', 'ctrl+l');
  await sleep(200);
  await x.xdotool('key', '--clearmodifiers', 'ctrl+v');
  await sleep(300);
  await x.xdotool('key', 'Return');
}

/**
 * Reads what `copy` (keys that copy something in the browser) puts on the display's clipboard. The
 * clipboard first holds a marker of our own, so a copy that did not happen is never taken for the
 * text; `accepts` turns away text copied from elsewhere (at load 28 a key came too late and the
 * page's selection was copied instead of an address). Polled, with `copy` pressed again, 4 times.
 * @throws with the last reason nothing usable was read.
 */
export async function copiedText(
  x: XDisplay,
  copy: () => Promise<void>,
  options: { accepts?: (text: string) => boolean; utf8?: boolean } = {},
): Promise<string> {
  const env = { ...process.env, DISPLAY: x.display };
  const marker = `phonehome-marker-${randomUUID()}`;
  // Held before any copy: a marker taken late would replace what the browser copied.
  const held = await holdOnClipboard(x, marker);
  if (held !== marker)
    throw new Error(`the clipboard did not take a marker (it reads "${held.slice(0, 80)}")`);
  const read = ['-o', '-selection', 'clipboard', ...(options.utf8 ? ['-t', 'UTF8_STRING'] : [])];
  let last = '';
  for (let attempt = 1; attempt <= 4; attempt++) {
    await copy();
    const until = Date.now() + 500 * attempt;
    do {
      await sleep(100);
      try {
        const { stdout } = await run('xclip', read, { env, timeout: 5000 });
        const text = stdout.trim();
        if (text && text !== marker && (options.accepts?.(text) ?? true)) return text;
        last =
          text === marker
            ? 'nothing was copied'
            : text
              ? `it copied "${text.slice(0, 80)}", not what was asked for`
              : 'the clipboard is empty';
      } catch (error) {
        last = ((error as { stderr?: string }).stderr ?? String(error)).trim();
      }
    } while (Date.now() < until);
  }
  throw new Error(last);
}
