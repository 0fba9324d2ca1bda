import { expect, test } from '../../fixtures/harness.ts';
import { matrixScenarios } from '../../fixtures/matrix-env.ts';
import { visitScenario } from '../../fixtures/scenarios.ts';

test(`visit: ${visitScenario.says}`, async ({ harness, target }) => {
  test.skip(!matrixScenarios().includes(visitScenario.id), 'visit is not in this run');
  test.skip(
    !(target.scenarios ?? [visitScenario.id]).includes(visitScenario.id),
    `visit is not a scenario of ${target.id}`,
  );
  const { record } = await harness.run(visitScenario);
  expect(record.status, record.error).not.toBe('error');
});
