import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive } from './namespace.ts';

/**
 * Pid files of processes phonehome starts (browsers, emulators): one JSON file per process under
 * `.phonehome/pids/`, written at launch and removed at close. A crashed runner leaves them behind,
 * and the next start kills what they name (only while the process still runs the same command).
 */

export interface PidFile {
  pid: number;
  /** The phonehome process that started it; while that one lives, the process is not a leftover. */
  owner: number;
  /** argv[0] as seen in /proc/<pid>/cmdline, to avoid killing an unrelated process that reused the pid. */
  command: string;
  /** What it is, for messages (e.g. `chromium for chromium:normal`). */
  what: string;
  startedAt: string;
}

/** Where pid files live: PHONEHOME_STATE_DIR or `.phonehome` at the project root. */
export function pidDir(): string {
  return join(process.env.PHONEHOME_STATE_DIR ?? resolve(import.meta.dirname, '../../.phonehome'), 'pids');
}

/** Records a started process; returns a function that removes the record. Never throws. */
export function writePidFile(pid: number | undefined, what: string): () => void {
  if (pid === undefined) return () => {};
  const path = join(pidDir(), `${pid}.json`);
  try {
    mkdirSync(pidDir(), { recursive: true });
    const record: PidFile = {
      pid,
      owner: process.pid,
      command: commandOf(pid) ?? '',
      what,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(path, JSON.stringify(record));
  } catch {
    // A pid file is a safety net; failing to write one must not fail the run.
  }
  return () => rmSync(path, { force: true });
}

function commandOf(pid: number): string | undefined {
  try {
    // Chromium rewrites its argv into one space-separated string: compare the program only.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * Kills processes whose owner is gone and which still run the recorded command, and removes their
 * pid files (also those of processes already gone). Returns what was killed. Never throws.
 */
export function killLeftoverProcesses(): PidFile[] {
  const killed: PidFile[] = [];
  for (const { path, record } of orphanedRecords<PidFile>(pidDir())) {
    if (isAlive(record.pid) && (!record.command || commandOf(record.pid) === record.command)) {
      try {
        // The browser's own children (renderers, GPU) follow when their parent dies.
        process.kill(record.pid, 'SIGKILL');
        killed.push(record);
      } catch {
        // Gone in between.
      }
    }
    rmSync(path, { force: true });
  }
  return killed;
}

/**
 * The JSON records in `dir` (one a file) whose owner process has exited, each with its path, read one
 * at a time as the caller asks for the next (so each is read just before the caller acts on it). A
 * file that does not parse is removed on the way (a write cut short). None when `dir` cannot be read.
 */
export function* orphanedRecords<T extends { owner: number }>(
  dir: string,
): Generator<{ path: string; record: T }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let record: T;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (!isAlive(record.owner)) yield { path, record };
  }
}
