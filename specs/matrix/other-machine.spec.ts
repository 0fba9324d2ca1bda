import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { otherMachineScenario } from '../../src/harness/scenarios.ts';

test(`other-machine: ${otherMachineScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(otherMachineScenario, { harness, target, watch }));
