import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Flow } from '../capture/flow.ts';
import { readFlowLog } from '../capture/flow-log.ts';
import { writeHar } from '../capture/har.ts';
import { writeReports } from '../report/publish.ts';
import { sha256File } from '../report/publish-run.ts';
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
 * Writes run.json, the HAR and the reports rendered from run.json (summary.md, report.html,
 * junit.xml) into the run folder, and points `reports/latest` at it.
 */
export async function writeRun(run: RunRecord, runDir: string, flows: Flow[]): Promise<void> {
  await writeHar(join(runDir, 'run.har'), flows);
  run.files.har ??= 'run.har';
  run.files.sha256 = Object.fromEntries(
    [run.files.har, ...run.files.flows]
      .filter((relative) => existsSync(join(runDir, relative)))
      .map((relative) => [relative, sha256File(join(runDir, relative))]),
  );
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeReports(run, runDir);
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
