import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { idleScenario } from '../../fixtures/scenarios.ts';

test(`idle: ${idleScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(idleScenario, { harness, target, watch }));
