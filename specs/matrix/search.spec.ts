import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { searchScenario } from '../../src/harness/scenarios.ts';

test(`search: ${searchScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(searchScenario, { harness, target, watch }));
