import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readFlowLog } from '../capture/flow-log.ts';
import { writeHar } from '../capture/har.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { RunRecord, ScenarioRecord } from '../model/run-record.ts';
import { writeReports } from '../report/publish.ts';
import { sha256File } from './publish-run.ts';

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

/**
 * Reads a record's flows back from its NDJSON log. Fails closed: a log that is missing or unreadable,
 * has a damaged line before its last, or holds fewer flows than the record counts, leaves the record
 * `interrupted` with a `capture-lost` gap (so no claim passes on it), keeping whatever flows were
 * read. Only a torn last line (a crash mid-write) is tolerated. A record that captured nothing (a
 * launch error: no log, no flows) is returned as it is.
 */
export function readRecordFlows(
  runDir: string,
  record: ScenarioRecord,
): { record: ScenarioRecord; flows: Flow[] } {
  const file = record.flowsFile;
  if (!file) {
    if (record.flows === 0) return { record, flows: [] };
    return {
      record: captureLost(record, `the record counts ${record.flows} flows but names no flow log`),
      flows: [],
    };
  }
  let text: string;
  try {
    text = readFileSync(join(runDir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (error as Error).message})`;
    const count = `${record.flows} flow${record.flows === 1 ? '' : 's'}`;
    return {
      record: captureLost(
        record,
        `the flow log ${file} ${why}, so the ${count} the scenario captured could not be read back`,
      ),
      flows: [],
    };
  }
  const log = readFlowLog(text);
  const problems: string[] = [];
  if (log.badLines.length > 0) {
    const shown = log.badLines.slice(0, 5).join(', ') + (log.badLines.length > 5 ? ', …' : '');
    problems.push(
      `line${log.badLines.length === 1 ? '' : 's'} ${shown} of the flow log ${file} could not be read`,
    );
  }
  if (log.flows.length < record.flows) {
    problems.push(
      `the flow log ${file} holds ${log.flows.length} flows where the scenario captured ${record.flows}`,
    );
  }
  if (problems.length === 0) return { record, flows: log.flows };
  return {
    record: captureLost(record, `${problems.join('; ')}, so what the missing flows carried is unknown`),
    flows: log.flows,
  };
}

/** The record, interrupted, with a `capture-lost` gap saying what was lost. */
function captureLost(record: ScenarioRecord, reason: string): ScenarioRecord {
  const gap: Gap = {
    kind: 'capture-lost',
    target: record.target.id,
    scenario: record.scenario,
    mode: record.target.mode,
    reason,
    at: new Date().toISOString(),
  };
  return {
    ...record,
    status: record.status === 'finished' ? 'interrupted' : record.status,
    error: record.error ?? 'its flow log could not be read back in full (capture-lost)',
    gaps: [...record.gaps, gap],
  };
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
      // A record that captured nothing names no flow log (''): it has no file to hash.
      .filter((relative) => relative !== '' && existsSync(join(runDir, relative)))
      .map((relative) => [relative, sha256File(join(runDir, relative))]),
  );
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeReports(run, runDir);
  pointLatest(runDir);
}

/**
 * reports/latest → this run (a symlink; a folder holding a copy of run.json where links are not
 * possible). `link` is the symlink call, given by tests to stand for a file system without links.
 */
export function pointLatest(
  runDir: string,
  link: (target: string, path: string) => void = symlinkSync,
): void {
  const latest = join(dirname(runDir), 'latest');
  try {
    if (existsSync(latest) || lstatSync(latest, { throwIfNoEntry: false }))
      rmSync(latest, { recursive: true });
    link(basename(runDir), latest);
  } catch {
    rmSync(latest, { recursive: true, force: true });
    mkdirSync(latest, { recursive: true });
    writeFileSync(join(latest, 'run.json'), readFileSync(join(runDir, 'run.json')));
  }
}
