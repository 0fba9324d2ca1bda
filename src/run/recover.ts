import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cleanLeftoverDisplays } from '../../drivers/x-display.ts';
import { readFlowLog } from '../capture/flow-log.ts';
import { writeHar } from '../capture/har.ts';
import { phoneHomeRows } from '../capture/phone-home.ts';
import { defaultClaims } from '../claims/catalog/index.ts';
import type { Claim } from '../claims/schema.ts';
import type { Flow } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import type { Consent, RunRecord, ScenarioRecord, TargetRecord } from '../model/run-record.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { cleanLeftoverNamespaces, isAlive } from '../seal/namespace.ts';
import { killLeftoverProcesses, type PidFile } from '../seal/pid-files.ts';
import { assembleRun } from './assemble.ts';
import { checkScenarioRecord } from './read-record.ts';
import { projectCommit, readRecordFlows } from './write-run.ts';

/**
 * Crash recovery. `phonehome run` writes `runner.json` into its run folder when it starts and the
 * matrix reporter writes `run.json` when it ends; each scenario writes `started.json` when it starts
 * and `record.json` when it ends, and its flow log line by line in between. A runner killed in the
 * middle leaves a run folder with runner.json (its pid gone) and no run.json: recovery rebuilds that
 * run.json from what is on disk, with every unfinished scenario's cells reading `error`.
 */

export const STOPPED_REASON = 'the runner stopped before the scenario finished';
export const NOT_STARTED_REASON = 'the runner stopped before the scenario started';

/** What `phonehome run` records about itself in the run folder when it starts. */
export interface RunnerFile {
  pid: number;
  runId: string;
  startedAt: string;
  /** Target × mode × scenario planned, as `target:mode/scenario` plus what a record needs. */
  planned?: PlannedScenario[];
  claims?: string;
  /** The run was started with `--accept-unsealed`: a rebuilt run.json keeps that. */
  acceptUnsealed?: boolean;
}

/** One target × mode × scenario, with what a rebuilt record needs. */
export interface PlannedScenario {
  target: string;
  base: string;
  name: string;
  engine: string;
  mode: 'normal' | 'incognito';
  scenario: string;
  vendor: string[];
  /** Consent the scenario gives (absent in runner files written before it was recorded). */
  consent?: Consent;
  reference?: boolean;
}

/** What run-scenario writes when a scenario starts. */
interface StartedFile extends PlannedScenario {
  runId: string;
  startedAt: string;
}

export interface RecoveryReport {
  /** Run folders given a rebuilt run.json. */
  runs: string[];
  /** Browser processes killed. */
  killed: PidFile[];
  /** Leftover namespaces deleted. */
  namespaces: string[];
  /** Leftover virtual displays (`:N`) stopped or whose socket and lock were removed. */
  displays: string[];
}

/** Writes runner.json into a run folder (called by `phonehome run` before the browsers start). */
export function writeRunnerFile(runDir: string, runner: RunnerFile): void {
  writeFileSync(join(runDir, 'runner.json'), `${JSON.stringify(runner, null, 2)}\n`);
}

/** Run folders under `reportsDir` whose runner is gone and which have no run.json. */
export function unfinishedRuns(reportsDir: string): string[] {
  if (!existsSync(reportsDir)) return [];
  return readdirSync(reportsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(reportsDir, e.name))
    .filter((dir) => {
      const runner = readJson<RunnerFile>(join(dir, 'runner.json'));
      return runner !== undefined && !existsSync(join(dir, 'run.json')) && !isAlive(runner.pid);
    });
}

/**
 * Everything the next start cleans after a crash: leftover browser processes (by pid file), sealed
 * namespaces whose creator is gone, virtual displays whose starter is gone (their Xvfb stopped, or
 * the socket and lock a killed one left removed), and unfinished runs (rebuilt run.json). Never throws for one
 * broken run: it is skipped and named in `failed`.
 */
export async function recoverAtStart(
  reportsDir: string,
  claims?: Claim[],
): Promise<RecoveryReport & { failed: string[] }> {
  const killed = killLeftoverProcesses();
  const namespaces = cleanLeftoverNamespaces();
  const displays = await cleanLeftoverDisplays();
  const runs: string[] = [];
  const failed: string[] = [];
  for (const dir of unfinishedRuns(reportsDir)) {
    try {
      await recoverRun(dir, claims);
      runs.push(dir);
    } catch (error) {
      failed.push(`${dir}: ${(error as Error).message}`);
    }
  }
  return { runs, killed, namespaces, displays, failed };
}

/**
 * Rebuilds run.json (plus summary.md and run.har) for a run folder from its capture folders:
 * finished scenarios from their record.json, unfinished ones from started.json and the flow log
 * (status `error`, STOPPED_REASON), planned scenarios that never started as `error` too. The run is
 * marked `interrupted`. Returns the record written.
 */
export async function recoverRun(runDir: string, claims?: Claim[]): Promise<RunRecord> {
  const runner = readJson<RunnerFile>(join(runDir, 'runner.json'));
  const capturesDir = join(runDir, 'captures');
  const records: ScenarioRecord[] = [];
  const flowsByRecord = new Map<ScenarioRecord, Flow[]>();
  const captureDirs = existsSync(capturesDir)
    ? readdirSync(capturesDir, { withFileTypes: true }).filter((e) => e.isDirectory())
    : [];
  for (const entry of captureDirs) {
    const dir = join(capturesDir, entry.name);
    const recovered = recordOfCapture(runDir, dir);
    if (!recovered) continue;
    records.push(recovered.record);
    flowsByRecord.set(recovered.record, recovered.flows);
  }
  const seen = new Set(records.map((r) => `${r.target.id}/${r.scenario}`));
  for (const plan of runner?.planned ?? []) {
    if (seen.has(`${plan.target}/${plan.scenario}`)) continue;
    const record = stoppedRecord(
      runner?.runId ?? '',
      { ...plan, runId: runner?.runId ?? '', startedAt: runner?.startedAt ?? '' },
      NOT_STARTED_REASON,
    );
    records.push(record);
    flowsByRecord.set(record, []);
  }
  const runId = runner?.runId ?? records[0]?.runId ?? relative(join(runDir, '..'), runDir);
  const run: RunRecord = {
    ...assembleRun({
      runId,
      commit: projectCommit(),
      startedAt: runner?.startedAt ?? records[0]?.startedAt ?? new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      records,
      flowsOf: (r) => flowsByRecord.get(r) ?? [],
      claims: claims ?? (await defaultClaims()),
      harFile: 'run.har',
      summaryFile: 'summary.md',
      acceptUnsealed: runner?.acceptUnsealed === true,
    }),
    interrupted: true,
  };
  const flows = [...flowsByRecord.values()].flat();
  // The HAR and the summary are conveniences; run.json (below) is what recovery must not lose.
  await writeHar(join(runDir, 'run.har'), flows).catch(() => {});
  try {
    writeFileSync(join(runDir, 'summary.md'), renderMarkdown(run));
  } catch {
    // `phonehome report` renders it again from run.json.
  }
  // run.json last: its presence is what marks the run as done.
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

/** The record of one capture folder: its record.json, or one rebuilt from started.json and the log. */
export function recordOfCapture(
  runDir: string,
  dir: string,
): { record: ScenarioRecord; flows: Flow[] } | undefined {
  const logPath = join(dir, 'flows.ndjson');
  const written = readJson<unknown>(join(dir, 'record.json'));
  const checked = written === undefined ? undefined : checkScenarioRecord(written);
  // The record counts its flows: a log that cannot give them all back is a capture-lost gap. A
  // record that does not hold is treated as never written: the scenario reads as stopped.
  if (checked && 'record' in checked) return readRecordFlows(runDir, checked.record);
  let text = '';
  let unreadable: string | undefined;
  try {
    if (existsSync(logPath)) text = readFileSync(logPath, 'utf8');
  } catch (error) {
    unreadable = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  const log = readFlowLog(text);
  const started = readJson<StartedFile>(join(dir, 'started.json'));
  if (!started) return undefined;
  const record = stoppedRecord(started.runId, started, STOPPED_REASON);
  const interrupted: Gap = {
    kind: 'interrupted',
    target: started.target,
    scenario: started.scenario,
    mode: started.mode,
    reason: `${STOPPED_REASON}: flows seen until then are kept, anything after was never captured`,
  };
  record.flowsFile = existsSync(logPath) ? relative(runDir, logPath) : '';
  record.flows = log.flows.length;
  record.gaps = [...log.gaps, interrupted];
  if (unreadable || log.badLines.length > 0) {
    record.gaps.push({
      kind: 'capture-lost',
      target: started.target,
      scenario: started.scenario,
      mode: started.mode,
      reason: unreadable
        ? `the flow log cannot be read (${unreadable}), so what the scenario sent is unknown`
        : `lines ${log.badLines.join(', ')} of the flow log could not be read, so what they held is unknown`,
    });
  }
  // The same rows a finished scenario writes; its findings died with the runner, so no data classes.
  record.phoneHome = phoneHomeRows(started.target, started.scenario, log.flows, []);
  // A namespace was opened for the scenario when the packet capture exists.
  record.sealed = existsSync(join(dir, 'bypass.pcap'));
  return { record, flows: log.flows };
}

function stoppedRecord(runId: string, s: StartedFile, reason: string): ScenarioRecord {
  const target: TargetRecord = {
    id: s.target,
    name: s.name,
    engine: s.engine,
    version: 'unknown',
    mode: s.mode,
    base: s.base,
    ...(s.reference ? { reference: true } : {}),
  };
  return {
    runId,
    target,
    scenario: s.scenario,
    status: 'error',
    error: reason,
    startedAt: s.startedAt,
    durationMs: 0,
    flowsFile: '',
    flows: 0,
    // The scenario's canaries were only in the dead runner's memory: findings cannot be rebuilt,
    // and the cell reads error, never pass.
    tokens: [],
    findings: [],
    gaps: [],
    recipients: { searchEngine: [], sites: [], vendor: s.vendor },
    sealed: false,
    // Only an error record: no verdict can pass on it, whatever consent it is filed under.
    consent: s.consent ?? 'none',
    phoneHome: [],
  };
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
