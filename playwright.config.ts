import { defineConfig } from '@playwright/test';
import type { TargetConfig } from './drivers/driver.ts';
import {
  matrixReporterOptions,
  matrixScenarios,
  matrixTargets,
  runId,
  targetModes,
} from './fixtures/matrix-env.ts';
import { BUSY_SLOTS_ENV } from './src/harness/busy-gate.ts';
import { longestFirst, scenariosOf } from './src/harness/plan.ts';
import { SCENARIO_IDS } from './src/harness/scenarios.ts';
import { type WatchSettings, watchSettingsFromEnv } from './src/harness/watch.ts';
import type { Mode } from './src/model/flow.ts';

/**
 * Two suites share this config:
 * - the matrix (PHONEHOME_SUITE=matrix, what `phonehome run` starts): one project per target × mode,
 *   specs/matrix/*, and the matrix reporter that evaluates claims and writes run.json;
 * - the end-to-end tests (default, part of `npm test`): specs/e2e/*.
 */
const matrix = process.env.PHONEHOME_SUITE === 'matrix';
// Fix the run id in the runner process so every worker writes into the same run folder.
runId();
// How long each scenario watches after its steps: `phonehome run` options, or the variables the
// nightly workflow sets (PHONEHOME_WATCH_QUIET/MIN/MAX, PHONEHOME_SOAK), read once here. The
// end-to-end tests take the quick matrix's window unless told otherwise (specs/e2e/watch.spec.ts
// sets its own).
const watch = watchSettingsFromEnv(matrix ? process.env : { PHONEHOME_MATRIX: 'quick', ...process.env });

/**
 * The matrix's projects: one per target × mode, each declaring only the scenarios it runs (the plan
 * is filtered here, before `--shard` splits it, so every shard gets real work and none is skipped).
 */
async function matrixProjects() {
  const projects = [];
  for (const target of longestFirst(matrixTargets())) {
    const runs = await scenariosOf(target, matrixScenarios());
    if (runs.length === 0) continue;
    const left = SCENARIO_IDS.filter((id) => !runs.includes(id)).map((id) => `**/${id}.spec.ts`);
    for (const mode of targetModes(target)) {
      projects.push({
        name: `${target.id}:${mode}`,
        testDir: 'specs/matrix',
        testIgnore: left,
        use: { target, mode, watch },
        metadata: { target: target.id, mode },
      });
    }
  }
  return projects;
}

const quick = process.env.PHONEHOME_MATRIX === 'quick';
// The matrix's busy phases (launch, steps, relaunch) take turns three at a time across workers
// (src/harness/busy-gate.ts); set here, before the workers start, so each of them inherits it.
if (matrix) process.env[BUSY_SLOTS_ENV] ??= '3';

export default defineConfig<{ target: TargetConfig; mode: Mode; watch: WatchSettings }>({
  timeout: 180_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // Scenarios mostly wait (their watch windows): four browsers at a time fit two cores (1.4 min vs
  // 1.8 min with three for the full matrix, same verdicts). The quick matrix runs one search per
  // target and mode, fourteen in all: with seven workers they take two turns instead of four, and
  // the busy gate keeps seven launches from sharing two cores at once.
  workers: Number(process.env.PHONEHOME_WORKERS ?? (matrix ? (quick ? 7 : 4) : 2)),
  retries: 0,
  outputDir: 'test-results',
  reporter: matrix
    ? [[process.env.CI ? 'line' : 'list'], ['./src/run/matrix-reporter.ts', matrixReporterOptions()]]
    : [[process.env.CI ? 'line' : 'list']],
  // The matrix checks every target before any scenario starts (exit 2 with one line per problem).
  ...(matrix ? { globalSetup: './fixtures/global-setup.ts' } : {}),
  projects: matrix
    ? await matrixProjects()
    : [
        {
          name: 'e2e',
          testDir: 'specs/e2e',
          use: { watch },
          // A search now watches after its steps and after a relaunch: up to two windows per run,
          // and several tests run two scenarios.
          timeout: 600_000,
        },
      ],
});
