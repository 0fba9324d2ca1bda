import { expect, test } from '../../fixtures/harness.ts';
import { matrixScenarios } from '../../fixtures/matrix-env.ts';
import { restartScenario } from '../../fixtures/scenarios.ts';

test(`restart: ${restartScenario.says}`, async ({ harness, target }) => {
  test.skip(!matrixScenarios().includes(restartScenario.id), 'restart is not in this run');
  test.skip(
    !(target.scenarios ?? [restartScenario.id]).includes(restartScenario.id),
    `restart is not a scenario of ${target.id}`,
  );
  const { record } = await harness.run(restartScenario);
  expect(record.status, record.error).not.toBe('error');
});
