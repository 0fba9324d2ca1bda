import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import type { TargetConfig } from './driver.ts';

/** Helpers every driver that starts a browser process itself needs. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves or rejects like `work`, or rejects with `what` after `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The real command line of a running process, from /proc. */
export function commandLineOf(pid: number | undefined): string[] {
  if (pid === undefined) return [];
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Resolves when the process has exited (at once if it already has). */
export function exitOf(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r();
    else proc.once('exit', () => r());
  });
}

/** True when the process exits within `ms`. */
export function exitsWithin(proc: ChildProcess, ms: number): Promise<boolean> {
  return Promise.race([exitOf(proc).then(() => true), sleep(ms).then(() => false)]);
}

/** Signals the process group the process leads (started with `detached: true`). */
export function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Waits up to `ms` for every process of `proc`'s group to be gone; true when it is (or there is no
 * group to wait on).
 */
export async function groupGoneWithin(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.pid === undefined) return true;
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-proc.pid, 0);
    } catch {
      return true;
    }
    if (Date.now() >= until) return false;
    await sleep(100);
  }
}

/**
 * Waits for the line a browser prints on stderr when its automation endpoint is ready (e.g.
 * `DevTools listening on ws://…`) and resolves with the pattern's first group. stderr is copied to
 * `logPath` as it comes. Rejects with a one-line reason on timeout, early exit or spawn failure.
 */
export function waitForEndpoint(
  proc: ChildProcess,
  options: { pattern: RegExp; logPath: string; timeoutMs: number; browser: string; endpoint: string },
): Promise<string> {
  const { pattern, logPath, timeoutMs, browser, endpoint } = options;
  const log = createWriteStream(logPath);
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error(`${browser} did not open ${endpoint} within ${timeoutMs / 1000}s (see ${logPath})`));
    }, timeoutMs);
    proc.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (buffer.length < 1_000_000) buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = buffer.trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`${browser} exited before it was ready (code ${code}, signal ${signal}): ${last}`));
    });
    proc.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${browser} could not be started: ${error.message}`));
    });
  });
}

/** The target's browser binary (or the Debian default); throws a one-line fix when it is missing. */
export function browserExecutable(target: TargetConfig, debianDefault: string): string {
  const executable = target.executablePath ?? debianDefault;
  if (!existsSync(executable)) {
    throw new Error(
      `${target.id}: no browser at ${executable}; run "npm start" (scripts/setup.sh) to install it`,
    );
  }
  return executable;
}

/** The last lines of a log, on one line (the work folder and its logs are deleted after a run). */
export function lastLines(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text ? text.split('\n').slice(-3).join(' | ') : 'it printed nothing';
  } catch {
    return 'no log';
  }
}
