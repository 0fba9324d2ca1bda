import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestResult,
} from '@playwright/test/reporter';
import { consentOf } from '../../drivers/consent.ts';
import type { TargetConfig } from '../../drivers/driver.ts';
import { defaultClaims } from '../claims/catalog/index.ts';
import { loadClaims } from '../claims/load.ts';
import type { Mode } from '../model/flow.ts';
import type { ScenarioRecord } from '../model/run-record.ts';
import { renderTerminalMatrix } from '../report/terminal.ts';
import { assembleRun } from './assemble.ts';
import { checkScenarioRecord } from './read-record.ts';
import { projectCommit, readRecordFlows, writeRun } from './write-run.ts';

const RECORD_ATTACHMENT = 'phonehome-record';

/** What the matrix reporter is told by playwright.config.ts. */
export interface MatrixReporterOptions {
  /** The run id: run.json goes to `<reportsDir>/<runId>/`. */
  runId?: string;
  /** Folder of the run folders (default `reports`). */
  reportsDir?: string;
  /** A claim file to judge instead of the default catalog. */
  claims?: string;
  /** The config's twin of `--accept-unsealed`: verdicts on unsealed scenarios, each saying so. */
  acceptUnsealed?: boolean;
}

/**
 * The matrix is a reporter over projects: it gathers every scenario record the tests attached,
 * evaluates the claims over them and writes run.json (plus summary.md and the HAR), then prints the
 * claims × targets table. A test that died without a record still becomes an `error` scenario, so
 * its cells can never read pass.
 */
export default class MatrixReporter implements Reporter {
  private readonly records: ScenarioRecord[] = [];
  private startedAt = new Date();
  private total = 0;
  private done = 0;
  private readonly options: Required<Omit<MatrixReporterOptions, 'claims'>> & { claims?: string };

  /** Options from playwright.config.ts (`['./src/run/matrix-reporter.ts', matrixReporterOptions()]`). */
  constructor(options: MatrixReporterOptions = {}) {
    this.options = {
      runId: options.runId ?? 'unknown',
      reportsDir: options.reportsDir ?? 'reports',
      acceptUnsealed: options.acceptUnsealed === true,
      ...(options.claims ? { claims: options.claims } : {}),
    };
  }

  onBegin(_config: FullConfig, suite: Suite): void {
    this.startedAt = new Date();
    this.total = suite.allTests().length;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.done += 1;
    if (result.status === 'skipped') return;
    const attachment = result.attachments.find((a) => a.name === RECORD_ATTACHMENT && a.path);
    let problem: string | undefined;
    if (attachment?.path) {
      try {
        const checked = checkScenarioRecord(JSON.parse(readFileSync(attachment.path, 'utf8')));
        if ('record' in checked) {
          this.records.push(checked.record);
          return;
        }
        problem = `its scenario record does not hold (${checked.problem})`;
      } catch (error) {
        // An unreadable record is a broken harness.
        problem = `its scenario record cannot be read (${(error as Error).message})`;
      }
    }
    this.records.push(errorRecord(this.options.runId, test, result, problem));
  }

  async onEnd(result: FullResult): Promise<void> {
    const { runId, reportsDir, claims: claimsFile, acceptUnsealed } = this.options;
    const runDir = join(reportsDir, runId);
    if (this.records.length === 0) {
      // Nothing ran (e.g. `--list`, or every scenario skipped): there is no run to record.
      process.stdout.write('phonehome: no scenario ran; no run.json written\n');
      return;
    }
    try {
      mkdirSync(runDir, { recursive: true });
      const claims = claimsFile ? await loadClaims(claimsFile) : await defaultClaims();
      // A flow log that cannot be read back in full turns its record interrupted (capture-lost).
      const read = this.records.map((r) => readRecordFlows(runDir, r));
      const flows = new Map(read.map(({ record, flows }) => [record, flows]));
      const run = assembleRun({
        runId,
        commit: projectCommit(),
        startedAt: this.startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        records: [...flows.keys()],
        flowsOf: (r) => flows.get(r) ?? [],
        claims,
        harFile: 'run.har',
        summaryFile: 'summary.md',
        acceptUnsealed,
      });
      await writeRun(run, runDir, [...flows.values()].flat());
      process.stdout.write(`\n${renderTerminalMatrix(run, { color: process.stdout.isTTY })}\n`);
      process.stdout.write(`\nrun.json: ${join(runDir, 'run.json')} (also reports/latest/run.json)\n`);
      process.stdout.write(`report: ${join(runDir, 'report.html')}, summary.md, junit.xml, run.har\n`);
      // On GitHub Actions the Markdown summary becomes the job's summary page.
      const stepSummary = process.env.GITHUB_STEP_SUMMARY;
      if (stepSummary) appendFileSync(stepSummary, readFileSync(join(runDir, 'summary.md')));
      process.stdout.write(`scenarios: ${this.done}/${this.total}, Playwright status: ${result.status}\n`);
    } catch (error) {
      process.stderr.write(`phonehome: could not write the run report: ${(error as Error).message}\n`);
      throw error;
    }
  }

  printsToStdio(): boolean {
    return true;
  }
}

/** A record for a test that ended without one (crash, timeout before the capture started). */
function errorRecord(runId: string, test: TestCase, result: TestResult, problem?: string): ScenarioRecord {
  const project = test.parent.project();
  const use = (project?.use ?? {}) as { target?: TargetConfig; mode?: Mode };
  const target = use.target;
  const mode = use.mode ?? 'normal';
  const scenario = test.title.split(':')[0] ?? test.title;
  const reason =
    problem ?? result.errors[0]?.message?.split('\n')[0] ?? `test ended with status ${result.status}`;
  return {
    runId,
    target: {
      id: `${target?.id ?? 'unknown'}:${mode}`,
      name: target?.name ?? 'unknown',
      engine: target?.engine ?? 'unknown',
      version: 'unknown',
      mode,
      base: target?.id ?? 'unknown',
    },
    scenario,
    status: 'error',
    error: `the harness broke: ${reason}`,
    startedAt: result.startTime.toISOString(),
    durationMs: result.duration,
    flowsFile: '',
    flows: 0,
    tokens: [],
    findings: [],
    gaps: [],
    recipients: { searchEngine: [], sites: [], vendor: target?.vendorDomains ?? [] },
    sealed: false,
    consent: target ? consentOf(target) : 'none',
    phoneHome: [],
  };
}
