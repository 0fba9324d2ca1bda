import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { test } from '../../fixtures/harness.ts';
import { expect } from '../../fixtures/matchers.ts';
import { defaultClaims } from '../../src/claims/catalog/index.ts';
import { getClaim } from '../../src/claims/explain.ts';
import { runView } from '../../src/claims/run-view.ts';
import { searchScenario } from '../../src/harness/scenarios.ts';

const target = (id: string) => DEFAULT_TARGETS.find((t) => t.id === id)!;

test.describe('claim matchers on real runs', () => {
  test('Search terms typed in incognito are sent only to the search engine', async ({ harness }) => {
    const claim = getClaim(await defaultClaims(), 'incognito-search-terms-only-to-search-engine');

    const leaky = await harness.run(searchScenario, { target: target('reference'), mode: 'incognito' });
    const leakyRun = runView([leaky.record], leaky.flows);
    const leakyTerm = leaky.record.tokens.find((t) => t.dataClass === 'search-terms')!;
    await expect(leakyRun).not.toSatisfy(claim);
    await expect(leakyRun).toSend(leakyTerm, { to: 'vendor' });
    await expect(leakyRun).toSend(leakyTerm, { to: 'collect.analytics.test' });

    const chromium = await harness.run(searchScenario, { target: target('chromium'), mode: 'incognito' });
    const chromiumRun = runView([chromium.record], chromium.flows);
    const term = chromium.record.tokens.find((t) => t.dataClass === 'search-terms')!;
    await expect(chromiumRun).toSend(term, { to: 'search-engine' });
    await expect(chromiumRun).not.toSend(term, { to: 'third-party' });
  });
});
