import { expect, test } from '../../fixtures/harness.ts';
import { matrixScenarios } from '../../fixtures/matrix-env.ts';
import { searchScenario } from '../../fixtures/scenarios.ts';

// The matrix records what happened; claims are judged by the matrix reporter over all scenarios.
// A test here fails only when the harness broke (error), never because the target leaked.
test(`search: ${searchScenario.says}`, async ({ harness, target }) => {
  test.skip(!matrixScenarios().includes(searchScenario.id), 'search is not in this run');
  test.skip(
    !(target.scenarios ?? [searchScenario.id]).includes(searchScenario.id),
    `search is not a scenario of ${target.id}`,
  );
  const { record } = await harness.run(searchScenario);
  expect(record.status, record.error).not.toBe('error');
});
