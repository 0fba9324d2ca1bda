import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../model/run-record.ts';
import { parseRunRecord, RunFileError } from './run-schema.ts';

/** The run.json a path names: the file itself, or `run.json` inside a run folder. */
export function runJsonPath(pathOrDir: string): string {
  return existsSync(pathOrDir) && statSync(pathOrDir).isDirectory() ? join(pathOrDir, 'run.json') : pathOrDir;
}

/**
 * Reads and validates a run.json (or the run.json in a run folder).
 * @throws RunFileError (`file: field: reason`) when the file is missing, not JSON or not a run record.
 */
export function readRun(pathOrDir: string): { run: RunRecord; file: string } {
  const file = runJsonPath(pathOrDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunFileError(
      file,
      '(file)',
      code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunFileError(file, '(root)', `not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return { run: parseRunRecord(json, file), file };
}

/**
 * Reads every run in a folder of runs (`DIR/<run>/run.json`, and `DIR/run.json` itself), for the
 * history. Runs that do not validate are returned as one-line problems instead of failing the whole
 * history; the same run reached twice (e.g. through `latest`) is kept once.
 */
export function readRunFolder(dir: string): { runs: RunRecord[]; problems: string[] } {
  const runs = new Map<string, RunRecord>();
  const problems: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    throw new RunFileError(
      dir,
      '(folder)',
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const candidates = [join(dir, 'run.json'), ...entries.sort().map((e) => join(dir, e, 'run.json'))];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const { run } = readRun(file);
      if (!runs.has(run.runId)) runs.set(run.runId, run);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { runs: [...runs.values()], problems };
}
