import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCACertificate } from 'mockttp';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, test } from '../../fixtures/harness.ts';
import { sendPinned } from '../../fixtures/pinning/pinning-client.ts';
import { flowHost } from '../../src/capture/flow.ts';
import { explainGap } from '../../src/capture/gap.ts';
import { startCapture } from '../../src/capture/proxy.ts';
import { defaultClaims } from '../../src/claims/catalog/index.ts';
import { evaluate } from '../../src/claims/evaluate.ts';
import { idleScenario, searchScenario } from '../../src/harness/scenarios.ts';
import { SEARCH_ENGINE_HOST, SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import type { ScenarioRecord } from '../../src/model/run-record.ts';
import { assembleRun } from '../../src/run/assemble.ts';
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

test.describe('Without a seal', () => {
  test('PHONEHOME_SEAL=off: only-declared-recipients passes in neither mode, and each scenario says it was not sealed', async ({
    harness,
  }) => {
    const was = process.env.PHONEHOME_SEAL;
    process.env.PHONEHOME_SEAL = 'off';
    let results: Awaited<ReturnType<typeof harness.run>>[];
    try {
      results = [];
      for (const mode of ['normal', 'incognito'] as const) {
        results.push(await harness.run(idleScenario, { target: chromium, mode }));
      }
    } finally {
      if (was === undefined) delete process.env.PHONEHOME_SEAL;
      else process.env.PHONEHOME_SEAL = was;
    }
    const records = results.map((r) => r.record);
    const flows = results.flatMap((r) => r.flows);
    for (const record of records) {
      expect(record.status, record.error).toBe('finished');
      expect(record.sealed).toBe(false);
      expect(record.consent).toBe('none');
      expect(record.gaps.find((g) => g.kind === 'not-sealed')?.reason).toContain('PHONEHOME_SEAL=off');
    }
    const claims = (await defaultClaims()).filter((c) => c.id === 'only-declared-recipients');
    const base = { runId: 'seal-off', commit: 'unknown', startedAt: '', finishedAt: '', claims };
    const flowsOf = (r: ScenarioRecord) =>
      flows.filter((f) => f.target === r.target.id && f.scenario === r.scenario);
    const run = assembleRun({ ...base, records, flowsOf });
    expect(run.scenarios.map((s) => [s.target, s.sealed])).toEqual([
      ['chromium:incognito', false],
      ['chromium:normal', false],
    ]);
    expect(run.cells).toHaveLength(2);
    for (const cell of run.cells) {
      test.info().annotations.push({ type: `${cell.target} ${cell.status}`, description: cell.reason });
      expect(cell.status, cell.reason).not.toBe('pass');
      // Fail still comes first: a breach seen anyway is a fail; otherwise the seal is the reason.
      if (cell.status === 'inconclusive') {
        expect(cell.reason).toContain(
          `Not sealed: the scenario ${cell.target} / idle ran without a network seal because sealing was turned off (PHONEHOME_SEAL=off)`,
        );
      }
      expect(cell.unsealed?.says).toContain('PHONEHOME_SEAL=off');
    }
    // Accepting the risk gives verdicts, each saying so.
    const accepted = assembleRun({ ...base, records, flowsOf, acceptUnsealed: true });
    for (const cell of accepted.cells) {
      expect(cell.unsealed?.accepted).toBe(true);
      expect(cell.reason).toContain('Unsealed, accepted with --accept-unsealed');
    }
  });
});

test.describe('Steps that did not happen', () => {
  test('a search whose term never left the browser (a lost key, say) is interrupted and its claim inconclusive, not a pass', async ({
    harness,
  }) => {
    // The search page loads, but the term is never typed: as when a key is lost on the way.
    const lostKeys = {
      ...searchScenario,
      async run({ session, canaries }: Parameters<typeof searchScenario.run>[0]) {
        canaries.canary('search-terms', 'search term');
        await session.visit(SEARCH_ENGINE_URL);
      },
    };
    const { record, flows } = await harness.run(lostKeys, { target: chromium, mode: 'incognito' });
    expect(record.status).toBe('interrupted');
    expect(record.gaps.find((g) => g.kind === 'interrupted')?.reason).toContain(
      'no flow carries its search-terms',
    );
    const claim = (await defaultClaims()).find(
      (c) => c.id === 'incognito-search-terms-only-to-search-engine',
    );
    const verdict = evaluate(claim!, {
      target: record.target,
      records: [record],
      flows,
      sealed: record.sealed,
    });
    expect(verdict?.status, verdict?.reason).toBe('inconclusive');
  });
});

test.describe('Pinned TLS', () => {
  test('a host that pins its certificate is a tls-opaque gap, and a claim about where search terms go reads inconclusive on it, not pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-pinning-'));
    const target = 'pinning:normal';
    const capture = await startCapture({
      provenance: { runId: 'pinning', target, scenario: 'search', mode: 'normal' },
      dir,
    });
    const canary = 'phpinnedcanary7';
    try {
      const pinnedCa = (await generateCACertificate()).cert;
      const outcome = await sendPinned({
        proxyPort: capture.endpoint.port,
        host: 'telemetry.pinned.test',
        pinnedCa,
        payload: `q=${canary}`,
      });
      expect(outcome).toBe('refused');
      await expect
        .poll(() => capture.gaps().map((g) => `${g.kind} ${g.host}`))
        .toContain('tls-opaque telemetry.pinned.test');
    } finally {
      await capture.stop();
    }
    const claims = await defaultClaims();
    const claim = claims.find((c) => c.id === 'search-terms-never-to-third-parties');
    expect(claim, 'the default catalog has the search-terms claim').toBeDefined();
    const targetRecord = {
      id: target,
      name: 'Pinning client',
      engine: 'node',
      version: process.version,
      mode: 'normal' as const,
      base: 'pinning',
    };
    const record: ScenarioRecord = {
      runId: 'pinning',
      target: targetRecord,
      scenario: 'search',
      status: 'finished',
      startedAt: new Date().toISOString(),
      durationMs: 0,
      flowsFile: '',
      flows: 0,
      tokens: [{ value: canary, kind: 'canary', dataClass: 'search-terms', label: 'search term' }],
      findings: [],
      gaps: capture.gaps(),
      // telemetry.pinned.test is neither the search engine nor the vendor: a third party.
      recipients: { searchEngine: ['search.phonehome.test'], sites: [], vendor: ['vendor.test'] },
      sealed: true,
      consent: 'none',
      phoneHome: [],
    };
    const verdict = evaluate(claim!, {
      target: targetRecord,
      records: [record],
      flows: capture.flows(),
      sealed: true,
    });
    expect(verdict?.status, verdict?.reason).toBe('inconclusive');
    expect(verdict?.reason).toContain('telemetry.pinned.test');
    // Control: the same record without the gap passes, so the pinned host is what blocks the pass.
    const control = evaluate(claim!, {
      target: targetRecord,
      records: [{ ...record, gaps: [] }],
      flows: [],
      sealed: true,
    });
    expect(control?.status, control?.reason).toBe('pass');
  });
});
