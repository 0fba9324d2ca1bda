import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, test } from '../../fixtures/harness.ts';
import { flowBody } from '../../src/capture/flow.ts';
import { searchScenario } from '../../src/harness/scenarios.ts';
import { runBothModes } from './both-modes.ts';

const reference = DEFAULT_TARGETS.find((t) => t.id === 'reference')!;

test.describe('leaky reference target', () => {
  test('is caught: it fails both claims in both modes, with evidence that names the flow', async ({
    harness,
  }) => {
    const { normal, incognito, flows, run } = await runBothModes(harness, searchScenario, reference);
    for (const r of [normal, incognito]) expect(r.record.status, r.record.error).toBe('finished');
    const visited = run.cells.filter((c) => c.claim === 'visited-urls-only-to-site');
    expect(visited.map((c) => [c.target, c.status])).toEqual([
      ['reference:incognito', 'fail'],
      ['reference:normal', 'fail'],
    ]);
    const search = run.cells.filter((c) => c.claim === 'incognito-search-terms-only-to-search-engine');
    // The claim is about incognito: its normal-mode cell says not applicable, never pass.
    expect(search.map((c) => [c.target, c.status])).toEqual([
      ['reference:incognito', 'fail'],
      ['reference:normal', 'not-applicable'],
    ]);
    for (const cell of [...visited, ...search.filter((c) => c.status === 'fail')]) {
      const analytics = cell.evidence.filter((e) => e.host === 'collect.analytics.test');
      expect(analytics.length, cell.reason).toBeGreaterThan(0);
      for (const e of analytics) {
        // The evidence names a real captured flow, and the decode chain went through the form field.
        const flow = flows.find((f) => f.id === e.flow);
        expect(flow?.request.url).toBe('https://collect.analytics.test/v1/collect');
        expect(e.chain[0]).toBe('form:data_list');
        expect(e.chain).toContain('base64');
      }
    }
    // The device side: the incognito search term outlives the session in the extension's storage.
    const device = run.cells.find(
      (c) => c.claim === 'incognito-leaves-nothing-on-device' && c.target === 'reference:incognito',
    );
    expect(device?.status, device?.reason).toBe('fail');
    const stored = device!.evidence.find((e) => e.where.includes('/Local Extension Settings/'));
    expect(stored?.chain[0], device?.reason).toMatch(/^leveldb:log record \d+$/);
    expect(stored?.token).toBe(incognito.record.tokens.find((t) => t.dataClass === 'search-terms')?.value);
    // Chromium's own words say it won't save browsing history: the reference shows that page, and
    // its on-disk leak fails the claim quoting it, with the same evidence.
    const vendor = run.cells.find(
      (c) => c.claim === 'chromium-incognito-saves-no-browsing-data' && c.target === 'reference:incognito',
    );
    expect(vendor?.status, vendor?.reason).toBe('fail');
    expect(vendor!.evidence.some((e) => e.where.includes('/Local Extension Settings/'))).toBe(true);
    expect(run.claims.find((c) => c.id === vendor!.claim)?.quote).toContain('Chromium won’t save:');
    // Normal mode keeps its history, as it says it does: the search is in Chromium's History.
    expect(
      run.deviceFindings?.some(
        (f) => f.target === 'reference:normal' && f.where === 'file:profile/Default/History',
      ),
    ).toBe(true);
  });

  test("reports incognito tabs as incognito: the browser's own tab.incognito, seen in its telemetry", async ({
    harness,
  }) => {
    const { flows, record } = await harness.run(searchScenario, { target: reference, mode: 'incognito' });
    expect(record.status, record.error).toBe('finished');
    const batches = flows
      .filter((f) => f.request.url === 'https://collect.analytics.test/v1/collect')
      .map((f) => new URLSearchParams(flowBody(f).toString()).get('data_list') ?? '')
      .map(
        (b64) => JSON.parse(Buffer.from(b64, 'base64').toString()) as { events: { incognito: boolean }[] },
      );
    const events = batches.flatMap((b) => b.events);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.incognito === true)).toBe(true);
  });
});
