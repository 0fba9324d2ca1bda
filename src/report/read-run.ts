import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileInputError, fieldPath } from '../input/file-error.ts';
import type { RunRecord } from '../model/run-record.ts';
import { runRecordSchema } from '../model/run-schema.ts';

/** A run.json that failed validation: one line `file: field: reason`. */
export class RunFileError extends FileInputError {
  constructor(file: string, field: string, reason: string) {
    super(file, reason, field);
    this.name = 'RunFileError';
  }
}

/**
 * Validates parsed JSON as a run record of any version (src/model/run-schema.ts).
 * @throws RunFileError naming the file, the first bad field (as a JSON path) and the reason.
 */
export function parseRunRecord(json: unknown, file: string): RunRecord {
  const result = runRecordSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = fieldPath(issue?.path ?? []);
  throw new RunFileError(file, field, issue?.message ?? 'invalid');
}

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
