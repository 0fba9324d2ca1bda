import type { TargetConfig } from '../../drivers/driver.ts';
import type { Harness } from '../../fixtures/harness.ts';
import { defaultClaims } from '../../src/claims/catalog/index.ts';
import type { ScenarioResult } from '../../src/harness/run-scenario.ts';
import type { Scenario } from '../../src/harness/scenarios.ts';
import type { RunRecord } from '../../src/model/run-record.ts';
import { assembleRun } from '../../src/run/assemble.ts';

/**
 * run.json as the matrix reporter would assemble it from these scenario results, judged by the
 * default claims: each record gets the flows of its own target and scenario.
 */
export async function assembleResults(results: ScenarioResult[]): Promise<RunRecord> {
  const flows = results.flatMap((r) => r.flows);
  return assembleRun({
    runId: 'e2e',
    commit: 'test',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    records: results.map((r) => r.record),
    flowsOf: (record) => flows.filter((f) => f.target === record.target.id && f.scenario === record.scenario),
    claims: await defaultClaims(),
  });
}

/** What one scenario did on one target in normal and then in incognito mode, and run.json of both. */
export interface BothModes {
  normal: ScenarioResult;
  incognito: ScenarioResult;
  /** The flows of both runs. */
  flows: ScenarioResult['flows'];
  run: RunRecord;
}

/** Runs `scenario` on `target` in normal and then in incognito mode, and assembles run.json of both. */
export async function runBothModes(
  harness: Harness,
  scenario: Scenario,
  target: TargetConfig,
): Promise<BothModes> {
  const normal = await harness.run(scenario, { target, mode: 'normal' });
  const incognito = await harness.run(scenario, { target, mode: 'incognito' });
  return {
    normal,
    incognito,
    flows: [...normal.flows, ...incognito.flows],
    run: await assembleResults([normal, incognito]),
  };
}
