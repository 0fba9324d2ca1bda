import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { addressBarScenario } from '../../src/harness/scenarios.ts';

test(`address-bar: ${addressBarScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(addressBarScenario, { harness, target, watch }));
