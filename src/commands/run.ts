import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { consentOf } from '../../drivers/consent.ts';
import type { TargetConfig } from '../../drivers/driver.ts';
import { preflight } from '../../drivers/preflight.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { loadTargetsConfig } from '../../drivers/targets-config.ts';
import { loadClaims } from '../claims/load.ts';
import { preflightItems } from '../harness/plan.ts';
import { DEFAULT_SCENARIOS, ENV, newRunId, PREFLIGHT_DONE, QUICK_SCENARIOS } from '../harness/run-env.ts';
import { SCENARIO_IDS } from '../harness/scenarios.ts';
import { checkWatch, parseDuration, WATCH_ENV, watchSettingsFromEnv } from '../harness/watch.ts';
import type { RunRecord } from '../model/run-record.ts';
import { ACCEPT_UNSEALED_ENV } from '../run/accept-unsealed.ts';
import { recoverAtStart, recoverRun, writeRunnerFile } from '../run/recover.ts';
import { commandArgs, usageError } from './args.ts';

export const RUN_HELP = `Usage: phonehome run [options]

Runs the claims matrix: every target × mode × scenario behind its own capture proxy, then evaluates the
claims and writes reports/<run-id>/run.json (and reports/latest → it), report.html, summary.md,
junit.xml and run.har.

Options:
  --target ID           a target to run (repeatable): ${DEFAULT_TARGETS.map((t) => t.id).join(', ')},
                        or android:SERIAL[:RECIPE] for an Android device (default: all default targets)
  --targets FILE        a targets file (YAML/JSON: engine, executablePath, args, vendorDomains,
                        name); its targets run instead of the defaults (see drivers/README-desktop.md)
  --scenario ID         a scenario to run (repeatable): ${SCENARIO_IDS.join(', ')}
                        (default: ${DEFAULT_SCENARIOS.join(', ')}; with --matrix quick: ${QUICK_SCENARIOS.join(', ')})
  --matrix quick|full   quick: the search scenario on every target and mode, each watched through
                        its flush point with a 30 s maximum window (what npm start runs);
                        full (default): every scenario, 60 s maximum window
  --watch-quiet DURATION  after the steps, close once nothing was sent for this long (default 8s,
                        also quick); durations like 20s, 2m, 1500ms
  --watch-min DURATION  never close sooner than this after the last step (default 20s; quick 17s)
  --watch-max DURATION  close at this point even if the target keeps sending (default 60s; quick 30s)
  --soak DURATION       keep each browser open exactly this long after its steps and after each
                        flush point, quiet or not (the nightly)
  --claims FILE         a claims file (.yaml or .ts) instead of the default catalog
  --out DIR             reports folder (default: reports)
  --workers N           parallel browsers (default: 4)
  --keep-key            keep each capture's CA private key (default: deleted at the end)
  --fail-on-leak        exit 1 when a claim fails on a target that is not the reference
  --accept-unsealed     give verdicts on scenarios that ran without a network seal (Android, a driver
                        that cannot be sealed, PHONEHOME_SEAL=off); without it, every claim about where
                        data goes reads inconclusive there, since traffic around the proxy was not seen.
                        Each such cell says so. For \`npx playwright test\`: PHONEHOME_ACCEPT_UNSEALED=1
  -h, --help            this help

Before any scenario starts, every selected target is checked (browser binary, adb, device attached,
app installed, Appium reachable, a virtual display for scenarios that need a window); each problem is
one line with its fix, and the run stops with exit 2.

Exit codes: 0 the run finished and run.json was written; 1 --fail-on-leak and a non-reference target
failed a claim; 2 bad arguments or input, a preflight problem, or the run could not produce run.json;
3 the run finished but the harness broke somewhere (an error cell; 3 wins over 1).`;

/** `phonehome run`: starts Playwright Test on the matrix suite and reads back run.json. */
export async function runCommand(argv: string[]): Promise<number> {
  const parsed = commandArgs(
    'run',
    argv,
    {
      target: { type: 'string', multiple: true },
      targets: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      claims: { type: 'string' },
      out: { type: 'string' },
      workers: { type: 'string' },
      'keep-key': { type: 'boolean' },
      'fail-on-leak': { type: 'boolean' },
      'accept-unsealed': { type: 'boolean' },
      matrix: { type: 'string' },
      'watch-quiet': { type: 'string' },
      'watch-min': { type: 'string' },
      'watch-max': { type: 'string' },
      soak: { type: 'string' },
    },
    RUN_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return usageError('run', `unexpected argument ${positionals[0]}`, RUN_HELP);
  if (values.workers !== undefined && !/^[1-9]\d*$/.test(values.workers)) {
    return usageError('run', `--workers takes a whole number from 1, not "${values.workers}"`, RUN_HELP);
  }
  if (values.matrix !== undefined && values.matrix !== 'quick' && values.matrix !== 'full') {
    return usageError('run', `--matrix takes quick or full, not "${values.matrix}"`, RUN_HELP);
  }
  const watchEnv: NodeJS.ProcessEnv = { ...(values.matrix ? { [WATCH_ENV.matrix]: values.matrix } : {}) };
  for (const [option, name] of [
    ['watch-quiet', WATCH_ENV.quiet],
    ['watch-min', WATCH_ENV.min],
    ['watch-max', WATCH_ENV.max],
    ['soak', WATCH_ENV.soak],
  ] as const) {
    const value = values[option];
    if (value === undefined) continue;
    if (parseDuration(value) === undefined) {
      return usageError(
        'run',
        `--${option} takes a duration such as 20s, 2m or 1500ms, not "${value}"`,
        RUN_HELP,
      );
    }
    watchEnv[name] = value;
  }
  try {
    checkWatch(watchSettingsFromEnv({ ...process.env, ...watchEnv }));
  } catch (error) {
    return usageError('run', (error as Error).message, RUN_HELP);
  }
  let targets: TargetConfig[];
  try {
    targets = await selectTargets(values.target ?? [], values.targets);
    if (values.claims) await loadClaims(values.claims);
  } catch (error) {
    process.stderr.write(`phonehome run: ${(error as Error).message}\n`);
    return 2;
  }
  const scenarios = values.scenario ?? (values.matrix === 'quick' ? QUICK_SCENARIOS : DEFAULT_SCENARIOS);
  const unknown = scenarios.filter((s) => !SCENARIO_IDS.includes(s));
  if (unknown.length > 0) {
    process.stderr.write(
      `phonehome run: unknown scenario ${unknown.join(', ')}; known scenarios: ${SCENARIO_IDS.join(', ')}\n`,
    );
    return 2;
  }
  const problems = await preflight(await preflightItems(targets, scenarios));
  if (problems.length > 0) {
    for (const line of problems) process.stderr.write(`phonehome run: ${line}\n`);
    return 2;
  }
  const runId = newRunId();
  const reportsDir = resolve(values.out ?? 'reports');
  await recoverLeftovers(reportsDir);
  const runDir = join(reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  // With this file, a run killed midway is found and rebuilt at the next start (src/run/recover.ts).
  writeRunnerFile(runDir, {
    pid: process.pid,
    runId,
    startedAt: new Date().toISOString(),
    ...(values['accept-unsealed'] ? { acceptUnsealed: true } : {}),
    planned: targets.flatMap((t) =>
      (t.modes ?? (['normal', 'incognito'] as const)).flatMap((mode) =>
        scenarios
          .filter((scenario) => (t.scenarios ?? [scenario]).includes(scenario))
          .map((scenario) => ({
            target: `${t.id}:${mode}`,
            base: t.id,
            name: t.name,
            engine: t.engine,
            mode,
            scenario,
            vendor: t.vendorDomains,
            consent: consentOf(t),
            ...(t.reference ? { reference: true } : {}),
          })),
      ),
    ),
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PHONEHOME_SUITE: 'matrix',
    [ENV.runId]: runId,
    [ENV.reportsDir]: reportsDir,
    [ENV.targets]: JSON.stringify(targets),
    [ENV.scenarios]: scenarios.join(','),
    // Checked above: the matrix's global setup need not check again.
    [PREFLIGHT_DONE]: '1',
    ...(values.claims ? { [ENV.claims]: resolve(values.claims) } : {}),
    ...(values['keep-key'] ? { [ENV.keepKey]: '1' } : {}),
    // Set or cleared: an inherited PHONEHOME_ACCEPT_UNSEALED must not accept what the command line did not.
    [ACCEPT_UNSEALED_ENV]: values['accept-unsealed'] ? '1' : '0',
    ...(values.workers ? { PHONEHOME_WORKERS: values.workers } : {}),
    ...watchEnv,
  };
  process.stdout.write(
    `phonehome: run ${runId}: ${targets.length} targets × modes × ${scenarios.length} scenarios (${targets.map((t) => t.id).join(', ')})\n`,
  );
  const playwright = createRequire(import.meta.url).resolve('@playwright/test/cli');
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [playwright, 'test', '--config', 'playwright.config.ts'], {
      env,
      stdio: 'inherit',
      cwd: resolve(import.meta.dirname, '../..'),
    });
    child.on('exit', (status) => done(status ?? 2));
    child.on('error', () => done(2));
  });
  const runJson = join(reportsDir, runId, 'run.json');
  if (!existsSync(runJson)) {
    process.stderr.write(`phonehome run: the run wrote no run.json (Playwright exited ${code})\n`);
    try {
      await recoverRun(runDir);
      process.stderr.write(`phonehome run: rebuilt ${runJson} from the captures (run marked interrupted)\n`);
    } catch (error) {
      process.stderr.write(`phonehome run: could not rebuild run.json: ${(error as Error).message}\n`);
    }
    return 2;
  }
  return runExitCode(JSON.parse(readFileSync(runJson, 'utf8')) as RunRecord, values['fail-on-leak'] === true);
}

/**
 * The exit code of a run that wrote run.json: 3 when the harness broke somewhere (an error cell),
 * whatever else happened, because its verdicts are incomplete; else 1 with `--fail-on-leak` when a
 * target other than the reference failed a claim; else 0.
 */
export function runExitCode(run: Pick<RunRecord, 'targets' | 'cells'>, failOnLeak: boolean): number {
  if (run.cells.some((c) => c.status === 'error')) return 3;
  if (failOnLeak) {
    const reference = new Set(run.targets.filter((t) => t.reference).map((t) => t.id));
    if (run.cells.some((c) => c.status === 'fail' && !reference.has(c.target))) return 1;
  }
  return 0;
}

/** Cleans what a crashed run left (browsers, namespaces, displays) and rebuilds its run.json; says what it did. */
async function recoverLeftovers(reportsDir: string): Promise<void> {
  const report = await recoverAtStart(reportsDir);
  for (const p of report.killed)
    process.stdout.write(`phonehome: killed leftover ${p.what} (pid ${p.pid})\n`);
  for (const n of report.namespaces)
    process.stdout.write(`phonehome: deleted leftover network namespace ${n}\n`);
  for (const d of report.displays) process.stdout.write(`phonehome: cleaned leftover virtual display ${d}\n`);
  for (const r of report.runs) {
    process.stdout.write(
      `phonehome: the runner of ${r} stopped midway; rebuilt its run.json (interrupted)\n`,
    );
  }
  for (const f of report.failed) process.stderr.write(`phonehome: could not recover ${f}\n`);
}

/**
 * Targets by id from the targets file when one is given (else the defaults), or Android devices by
 * `android:SERIAL[:RECIPE]`. An unknown id fails with the ids there are.
 */
export async function selectTargets(ids: string[], file: string | undefined): Promise<TargetConfig[]> {
  const known = file ? loadTargetsConfig(file) : DEFAULT_TARGETS;
  if (ids.length === 0) return known;
  const targets: TargetConfig[] = [];
  for (const id of ids) {
    if (id.startsWith('android:')) {
      const { androidTargetFromSpec } = await import('../../drivers/android/android-target.ts');
      targets.push(androidTargetFromSpec(id));
      continue;
    }
    const target = known.find((t) => t.id === id);
    if (!target) {
      throw new Error(
        `unknown target "${id}"${file ? ` in ${file}` : ''}; known targets: ${known.map((t) => t.id).join(', ')}, android:SERIAL`,
      );
    }
    targets.push(target);
  }
  return targets;
}
