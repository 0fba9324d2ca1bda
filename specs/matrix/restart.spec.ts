import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { restartScenario } from '../../src/harness/scenarios.ts';

test(`restart: ${restartScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(restartScenario, { harness, target, watch }));
