import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { firstStartScenario } from '../../src/harness/scenarios.ts';

test(`first-start: ${firstStartScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(firstStartScenario, { harness, target, watch }));
