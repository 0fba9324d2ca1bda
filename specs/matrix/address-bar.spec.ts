import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { addressBarScenario } from '../../fixtures/scenarios.ts';

test(`address-bar: ${addressBarScenario.says}`, ({ harness, target }) =>
  runMatrixScenario(addressBarScenario, { harness, target }));
