import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, test } from '../../fixtures/harness.ts';
import { searchScenario } from '../../fixtures/scenarios.ts';
import { SEARCH_ENGINE_HOST } from '../../fixtures/web/web-sink.ts';
import { flowHost } from '../../src/capture/flow.ts';
import { explainGap } from '../../src/capture/gap.ts';
import { ip, sealUnavailable } from '../../src/seal/namespace.ts';

const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium')!;

test.describe('Fail closed', () => {
  test('a sealed Chromium still loads the fixture pages through the proxy, and whatever went around it is a bypass gap', async ({
    harness,
  }) => {
    test.skip(Boolean(sealUnavailable()), `cannot seal here: ${sealUnavailable()}`);
    const result = await harness.run(searchScenario, { target: chromium, mode: 'normal' });
    const { record, flows } = result;
    expect(record.status, record.error).toBe('finished');
    expect(record.sealed).toBe(true);
    expect(record.gaps.filter((g) => g.kind === 'not-sealed')).toEqual([]);
    const hosts = new Set(flows.map(flowHost));
    expect(hosts).toContain(SEARCH_ENGINE_HOST);
    expect(record.recipients.sites.length).toBeGreaterThan(0);
    expect(hosts).toContain(record.recipients.sites[0]);
    // Whatever Chromium tried around the proxy is listed with destination and protocol.
    for (const gap of record.gaps.filter((g) => g.kind === 'bypass')) {
      expect(gap.protocol).toMatch(/^(dns|udp|quic|tcp)$/);
      expect(gap.host).toBeTruthy();
    }
    test.info().annotations.push({
      type: 'bypass',
      description:
        record.gaps
          .filter((g) => g.kind === 'bypass')
          .map(explainGap)
          .join(' | ') || 'none',
    });
    // The namespace is gone once the scenario ended.
    expect(ip(['netns', 'list'])).not.toMatch(new RegExp(`phonehome-${process.pid}-`));
  });
});
