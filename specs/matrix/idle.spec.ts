import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { idleScenario } from '../../src/harness/scenarios.ts';

test(`idle: ${idleScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(idleScenario, { harness, target, watch }));
