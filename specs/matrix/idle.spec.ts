import { expect, test } from '../../fixtures/harness.ts';
import { matrixScenarios } from '../../fixtures/matrix-env.ts';
import { idleScenario } from '../../fixtures/scenarios.ts';

test(`idle: ${idleScenario.says}`, async ({ harness, target }) => {
  test.skip(!matrixScenarios().includes(idleScenario.id), 'idle is not in this run');
  test.skip(
    !(target.scenarios ?? [idleScenario.id]).includes(idleScenario.id),
    `idle is not a scenario of ${target.id}`,
  );
  const { record } = await harness.run(idleScenario);
  expect(record.status, record.error).not.toBe('error');
});
