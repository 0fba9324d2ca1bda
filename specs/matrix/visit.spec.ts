import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { visitScenario } from '../../src/harness/scenarios.ts';

test(`visit: ${visitScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(visitScenario, { harness, target, watch }));
