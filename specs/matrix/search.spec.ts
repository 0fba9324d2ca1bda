import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { searchScenario } from '../../fixtures/scenarios.ts';

test(`search: ${searchScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(searchScenario, { harness, target, watch }));
