import { defineConfig } from '@playwright/test';
import type { TargetConfig } from './drivers/driver.ts';
import { matrixTargets, runId, targetModes } from './fixtures/matrix-env.ts';
import type { Mode } from './src/capture/flow.ts';

/**
 * Two suites share this config:
 * - the matrix (PHONEHOME_SUITE=matrix, what `phonehome run` starts): one project per target × mode,
 *   specs/matrix/*, and the matrix reporter that evaluates claims and writes run.json;
 * - the end-to-end tests (default, part of `npm test`): specs/e2e/*.
 */
const matrix = process.env.PHONEHOME_SUITE === 'matrix';
// Fix the run id in the runner process so every worker writes into the same run folder.
runId();

export default defineConfig<{ target: TargetConfig; mode: Mode }>({
  timeout: 180_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // Scenarios mostly wait (idle, settle): four browsers at a time fit two cores (1.4 min vs 1.8 min
  // with three for the default matrix, same verdicts).
  workers: Number(process.env.PHONEHOME_WORKERS ?? (matrix ? 4 : 2)),
  retries: 0,
  outputDir: 'test-results',
  reporter: matrix
    ? [[process.env.CI ? 'line' : 'list'], ['./src/run/matrix-reporter.ts']]
    : [[process.env.CI ? 'line' : 'list']],
  projects: matrix
    ? matrixTargets().flatMap((target) =>
        targetModes(target).map((mode) => ({
          name: `${target.id}:${mode}`,
          testDir: 'specs/matrix',
          use: { target, mode },
          metadata: { target: target.id, mode },
        })),
      )
    : [{ name: 'e2e', testDir: 'specs/e2e' }],
});
