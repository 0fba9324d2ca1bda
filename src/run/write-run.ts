import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Flow } from '../capture/flow.ts';
import { readFlowLog } from '../capture/flow-log.ts';
import { writeHar } from '../capture/har.ts';
import { renderMarkdown } from '../report/markdown.ts';
import type { RunRecord, ScenarioRecord } from '../report/run-record.ts';

/** The project commit, or `unknown` outside a git checkout. */
export function projectCommit(cwd = process.cwd()): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** Reads a record's flows from its NDJSON log (missing log: no flows). */
export function flowsOfRecord(runDir: string, record: ScenarioRecord): Flow[] {
  if (!record.flowsFile) return [];
  const path = join(runDir, record.flowsFile);
  if (!existsSync(path)) return [];
  return readFlowLog(readFileSync(path, 'utf8')).flows;
}

/**
 * Writes run.json, summary.md and run.har into the run folder and points `reports/latest` at it.
 * run.json is written last-but-one and atomically enough (write then rename is not needed: readers
 * only look after the run has finished).
 */
export async function writeRun(run: RunRecord, runDir: string, flows: Flow[]): Promise<void> {
  await writeHar(join(runDir, 'run.har'), flows);
  writeFileSync(join(runDir, 'summary.md'), renderMarkdown(run));
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  pointLatest(runDir);
}

/** reports/latest → this run (a symlink; a copy of run.json where links are not possible). */
function pointLatest(runDir: string): void {
  const latest = join(dirname(runDir), 'latest');
  try {
    if (existsSync(latest) || lstatSync(latest, { throwIfNoEntry: false }))
      rmSync(latest, { recursive: true });
    symlinkSync(basename(runDir), latest);
  } catch {
    rmSync(latest, { recursive: true, force: true });
    writeFileSync(join(latest, 'run.json'), readFileSync(join(runDir, 'run.json')));
  }
}
