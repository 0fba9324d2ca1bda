import { runMatrixScenario, test } from '../../fixtures/harness.ts';
import { pasteScenario } from '../../src/harness/scenarios.ts';

test(`paste: ${pasteScenario.says}`, ({ harness, target, watch }) =>
  runMatrixScenario(pasteScenario, { harness, target, watch }));
