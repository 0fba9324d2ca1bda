import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/claims/evaluate.ts';
import { runView } from '../../src/claims/run-view.ts';
import { defineClaims } from '../../src/claims/schema.ts';
import { analyzeFlows } from '../../src/detect/analyze.ts';
import type { Token } from '../../src/model/token.ts';
import { addGap, type Capture, cell, flowTo, loadCapture } from './captures.ts';

const [searchOnlyToEngine, searchNotToVendor, encrypted, unlinkable, declared, declaredWithDdg, titles] =
  defineClaims([
    {
      id: 'incognito-search-terms-only-to-search-engine',
      says: 'Search terms typed in incognito are sent only to the search engine',
      when: { mode: 'incognito' },
      data: ['search-terms'],
      mayGoTo: ['search-engine'],
    },
    {
      id: 'search-not-to-vendor',
      says: 'Search terms never go to the maker',
      data: ['search-terms'],
      mustNotGoTo: ['vendor'],
    },
    {
      id: 'encrypted',
      says: 'Nothing personal goes over plain HTTP',
      data: ['any-canary', 'device-info'],
      encryptedInTransit: true,
    },
    {
      id: 'unlinkable',
      says: 'Incognito cannot be tied to normal browsing',
      when: { mode: 'incognito' },
      unlinkableModes: true,
    },
    {
      id: 'declared',
      says: 'Only the sites, the engine and the maker',
      declaredRecipientsOnly: ['search-engine', 'site', 'vendor'],
    },
    {
      id: 'declared-with-ddg',
      says: 'Only the sites, the engine, the maker and the start page',
      declaredRecipientsOnly: ['search-engine', 'site', 'vendor', 'duckduckgo.com'],
    },
    {
      id: 'titles',
      says: 'Page titles stay private',
      data: ['page-titles'],
      mustNotGoTo: ['vendor', 'third-party'],
    },
  ]) as [
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
    ReturnType<typeof defineClaims>[number],
  ];

/**
 * Re-run the real analyzer on a capture with the capture machine's kernel release as a device-info
 * token: Chromium's update check sends it, over plain http too.
 */
function withKernelToken(capture: Capture): Capture {
  const kernel: Token = {
    value: capture.machine.kernel,
    kind: 'device-info',
    dataClass: 'device-info',
    label: 'kernel release',
  };
  for (const r of capture.records) {
    const flows = capture.flows.filter((f) => f.target === r.target.id && f.scenario === r.scenario);
    r.tokens = [...r.tokens, kernel];
    r.findings = analyzeFlows(flows, r.tokens).findings;
  }
  return capture;
}

describe('may-go-to', () => {
  it('should pass on real Chromium in incognito: the search term went only to the search engine', () => {
    const v = evaluate(searchOnlyToEngine!, cell(loadCapture('chromium'), 'chromium:incognito'))!;
    expect(v.status, v.reason).toBe('pass');
    expect(v.reason).toContain('holds on chromium:incognito');
    expect(v.evidence).toEqual([]);
  });

  it('should fail on the leaky reference with evidence naming the collector flow, where and chain', () => {
    const capture = loadCapture('reference');
    const v = evaluate(searchOnlyToEngine!, cell(capture, 'reference:incognito'))!;
    expect(v.status).toBe('fail');
    const e = v.evidence.find((x) => x.host === 'collect.analytics.test')!;
    expect(capture.flows.find((f) => f.id === e.flow)?.request.url).toBe(
      'https://collect.analytics.test/v1/collect',
    );
    expect(e.where).toBe('body');
    expect(e.chain).toContain('base64');
    expect(
      capture.records.some((r) =>
        r.tokens.some((t) => t.value === e.token && t.dataClass === 'search-terms'),
      ),
    ).toBe(true);
    expect(v.reason).toContain("collect.analytics.test is the target's maker, not the search engine");
  });

  it('should not apply to the normal-mode cell of an incognito claim', () => {
    expect(evaluate(searchOnlyToEngine!, cell(loadCapture('chromium'), 'chromium:normal'))).toBeNull();
  });
});

describe('must-not-go-to', () => {
  it('should pass on real Chromium and fail on the reference, whose maker collects search terms', () => {
    const pass = evaluate(searchNotToVendor!, cell(loadCapture('chromium'), 'chromium:normal'))!;
    expect(pass.status, pass.reason).toBe('pass');
    const fail = evaluate(searchNotToVendor!, cell(loadCapture('reference'), 'reference:normal'))!;
    expect(fail.status).toBe('fail');
    expect(new Set(fail.evidence.map((e) => e.host))).toEqual(new Set(['collect.analytics.test']));
  });

  it('should be inconclusive when no scenario planted the data it is about', () => {
    const v = evaluate(titles!, cell(loadCapture('chromium'), 'chromium:normal'))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain('No scenario planted or knew any page titles');
  });
});

describe('encrypted-in-transit', () => {
  it('should pass when every canary travelled over https', () => {
    const v = evaluate(
      defineClaims([{ id: 'c', says: 'x', data: ['any-canary'], encryptedInTransit: true }])[0]!,
      cell(loadCapture('chromium'), 'chromium:normal'),
    )!;
    expect(v.status, v.reason).toBe('pass');
  });

  it("should fail when Chromium's update check sends the kernel release over plain http", () => {
    const capture = withKernelToken(loadCapture('chromium'));
    const v = evaluate(encrypted!, cell(capture, 'chromium:normal'))!;
    expect(v.status).toBe('fail');
    const e = v.evidence[0]!;
    expect(e.token).toBe(capture.machine.kernel);
    expect(e.url.startsWith('http://update.googleapis.com/')).toBe(true);
    expect(v.reason).toContain('it travelled over plain http');
    // The same data over https is no violation: only plain-http flows are evidence.
    for (const x of v.evidence) expect(x.url.startsWith('http://')).toBe(true);
  });
});

describe('unlinkable-modes', () => {
  it('should pass on real Chromium: no value goes to the same party from both modes', () => {
    const v = evaluate(unlinkable!, cell(loadCapture('chromium'), 'chromium:incognito'))!;
    expect(v.status, v.reason).toBe('pass');
  });

  it("should fail on the reference with both flows as evidence: its device id goes to the maker's collector from both modes", () => {
    const capture = loadCapture('reference');
    const v = evaluate(unlinkable!, cell(capture, 'reference:incognito'))!;
    expect(v.status).toBe('fail');
    expect(v.evidence).toHaveLength(2);
    const [normal, incognito] = v.evidence;
    expect(capture.flows.find((f) => f.id === normal!.flow)?.mode).toBe('normal');
    expect(capture.flows.find((f) => f.id === incognito!.flow)?.mode).toBe('incognito');
    expect(normal!.token).toBe('8a4fe2c1d9b73e05');
    expect(normal!.chain).toEqual(['form:data_list', 'base64', 'json:$.device.id']);
  });

  it('should ignore values listed as build constants or matched by `ignore`', () => {
    const capture = loadCapture('reference');
    for (const r of capture.records) r.buildConstants = ['8a4fe2c1d9b73e05'];
    expect(evaluate(unlinkable!, cell(capture, 'reference:incognito'))!.status).toBe('pass');
    const ignoring = defineClaims([
      { id: 'u', says: 'x', when: { mode: 'incognito' }, unlinkableModes: { ignore: ['^8a4fe2'] } },
    ])[0]!;
    expect(evaluate(ignoring, cell(loadCapture('reference'), 'reference:incognito'))!.status).toBe('pass');
  });

  it('should exclude a constant by its whole value only: an identifier that contains it, or is part of it, still links', () => {
    // The device id sent from both modes is 8a4fe2c1d9b73e05; constants that merely overlap it are not it.
    for (const constant of ['8a4fe2c1', 'build-8a4fe2c1d9b73e05-release']) {
      const capture = loadCapture('reference');
      for (const r of capture.records) r.buildConstants = [constant];
      const v = evaluate(unlinkable!, cell(capture, 'reference:incognito'))!;
      expect(v.status, constant).toBe('fail');
      expect(v.evidence.map((e) => e.token)).toContain('8a4fe2c1d9b73e05');
    }
  });

  it('should be inconclusive when there is no normal-mode record to compare with', () => {
    const capture = loadCapture('chromium');
    capture.records = capture.records.filter((r) => r.target.mode === 'incognito');
    const v = evaluate(unlinkable!, cell(capture, 'chromium:incognito'))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain('No normal-mode scenario of chromium ran');
  });
});

describe('declared-recipients-only', () => {
  it('should fail on real Chromium, naming the undeclared start page it fetches', () => {
    const v = evaluate(declared!, cell(loadCapture('chromium'), 'chromium:normal'))!;
    expect(v.status).toBe('fail');
    expect(v.evidence.map((e) => e.host)).toEqual(['start.duckduckgo.com']);
    expect(v.evidence[0]!.where).toBe('host');
    expect(v.reason).toMatch(/2 requests went to start\.duckduckgo\.com, which is a third party/);
  });

  it('should pass once that domain is declared', () => {
    const v = evaluate(declaredWithDdg!, cell(loadCapture('chromium'), 'chromium:normal'))!;
    expect(v.status, v.reason).toBe('pass');
  });
});

/** For each rule kind: a passing cell of a real capture, and a host the rule does not allow. */
const passing = [
  { claim: () => searchOnlyToEngine!, target: 'chromium:incognito', allowed: 'search.phonehome.test' },
  { claim: () => searchNotToVendor!, target: 'chromium:normal', allowed: 'search.phonehome.test' },
  { claim: () => unlinkable!, target: 'chromium:incognito', allowed: 'news.site-a.test' },
  { claim: () => declaredWithDdg!, target: 'chromium:normal', allowed: 'update.googleapis.com' },
  {
    claim: () => defineClaims([{ id: 'e', says: 'x', data: ['any-canary'], encryptedInTransit: true }])[0]!,
    target: 'chromium:normal',
    allowed: '',
  },
] as const;
// A third party for every rule above (and the maker, for must-not-go-to): undeclared, unwanted.
const forbidden = (kind: string) =>
  kind === 'must-not-go-to' ? 'update.googleapis.com' : 'collect.tracker.test';

describe.each(passing)('gaps, for $target under each rule kind', ({ claim, target, allowed }) => {
  const kind = claim().rule.kind;
  const scenario = 'search';

  it(`should go inconclusive (${kind}) for a TLS handshake it could not open to a host that matters`, () => {
    const capture = loadCapture('chromium');
    const host = kind === 'encrypted-in-transit' ? undefined : forbidden(kind);
    addGap(capture, target, scenario, {
      kind: kind === 'encrypted-in-transit' ? 'capture-error' : 'tls-opaque',
      ...(host ? { host } : {}),
      protocol: 'tls',
      reason: `the client aborted the TLS handshake for ${host ?? 'a host'} against the run's CA (cert-rejected), so what it sent there could not be read`,
    });
    const v = evaluate(claim(), cell(capture, target))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain('could not be read');
  });

  it(`should still pass (${kind}) when the unreadable TLS connection went to a recipient that does not matter`, () => {
    const capture = loadCapture('chromium');
    addGap(capture, target, scenario, {
      kind: 'tls-opaque',
      host: allowed || 'search.phonehome.test',
      protocol: 'tls',
      reason: 'the client aborted the TLS handshake against the run CA (cert-rejected)',
    });
    expect(evaluate(claim(), cell(capture, target))!.status).toBe('pass');
  });

  it(`should go inconclusive (${kind}) for traffic that went around the proxy`, () => {
    const capture = loadCapture('chromium');
    addGap(capture, target, scenario, {
      kind: 'bypass',
      protocol: 'quic',
      host: '192.0.2.7',
      reason: 'UDP to port 443 left the namespace without the proxy',
    });
    const v = evaluate(claim(), cell(capture, target))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/bypass \(quic 192\.0\.2\.7\)/i);
  });

  it(`should go inconclusive (${kind}) for a DNS lookup around the proxy, unless it was read in full`, () => {
    const dns = {
      kind: 'bypass' as const,
      protocol: 'dns',
      host: forbidden(kind),
      reason: `the target looked up ${forbidden(kind)} over DNS`,
    };
    const unread = loadCapture('chromium');
    addGap(unread, target, scenario, dns);
    expect(evaluate(claim(), cell(unread, target))!.status).toBe('inconclusive');
    const read = loadCapture('chromium');
    addGap(read, target, scenario, { ...dns, observed: true });
    expect(evaluate(claim(), cell(read, target))!.status).toBe('pass');
  });

  it(`should go inconclusive (${kind}) for a scenario that did not finish`, () => {
    const capture = loadCapture('chromium');
    const record = capture.records.find((r) => r.target.id === target && r.scenario === scenario)!;
    record.status = 'interrupted';
    record.error = 'the scenario did not finish: page.click: Timeout 30000ms exceeded';
    addGap(capture, target, scenario, { kind: 'interrupted', reason: record.error });
    const v = evaluate(claim(), cell(capture, target))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain('did not finish');
  });

  it(`should report error (${kind}) when the harness broke, apart from the target's behaviour`, () => {
    const capture = loadCapture('chromium');
    const record = capture.records.find((r) => r.target.id === target && r.scenario === scenario)!;
    record.status = 'error';
    record.error = 'the browser could not be launched: spawn ENOENT';
    const v = evaluate(claim(), cell(capture, target))!;
    expect(v.status).toBe('error');
    expect(v.reason).toContain('the test itself broke');
    expect(v.reason).toContain('spawn ENOENT');
  });

  it(`should read inconclusive (${kind}) on an unsealed scenario, naming the seal, never pass`, () => {
    const v = evaluate(claim(), cell(loadCapture('chromium'), target, false))!;
    expect(v.status, v.reason).toBe('inconclusive');
    expect(v.reason).toMatch(/Not sealed: .* ran without a network seal/);
    expect(v.reason).toContain('--accept-unsealed');
    expect(v.unsealed).toEqual({ accepted: false, says: expect.stringContaining('Not sealed') });
    const sealed = evaluate(claim(), cell(loadCapture('chromium'), target, true))!;
    expect(sealed.status).toBe('pass');
    expect(sealed.reason).not.toMatch(/seal/i);
    expect(sealed.unsealed).toBeUndefined();
  });

  it(`should read inconclusive (${kind}) when one scenario of the cell carries a not-sealed gap, quoting why`, () => {
    const capture = loadCapture('chromium');
    addGap(capture, target, scenario, {
      kind: 'not-sealed',
      reason:
        'the target ran without a sealed network because sealing was turned off (PHONEHOME_SEAL=off), so traffic that went around the proxy (DNS, QUIC, direct connections) could not be observed',
    });
    const v = evaluate(claim(), cell(capture, target))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain(
      `Not sealed: the scenario ${target} / ${scenario} ran without a network seal because sealing was turned off (PHONEHOME_SEAL=off)`,
    );
  });

  it(`should pass (${kind}) on an unsealed scenario when the risk is accepted, and say so in the reason`, () => {
    const v = evaluate(claim(), cell(loadCapture('chromium'), target, false, true))!;
    expect(v.status, v.reason).toBe('pass');
    expect(v.reason).toContain('Unsealed, accepted with --accept-unsealed');
    expect(v.reason).toContain('what went around it (DNS, QUIC, direct connections) was not seen');
    expect(v.unsealed?.accepted).toBe(true);
  });
});

describe('the seal, per scenario', () => {
  it('should keep fail first on an unsealed scenario: a breach seen anyway is a fail, accepted or not', () => {
    for (const accept of [false, true]) {
      const v = evaluate(
        searchOnlyToEngine!,
        cell(loadCapture('reference'), 'reference:incognito', false, accept),
      )!;
      expect(v.status).toBe('fail');
      expect(v.evidence.length).toBeGreaterThan(0);
      expect(v.unsealed?.accepted).toBe(accept);
      // Every accepted cell says so, a fail too.
      expect(v.reason.includes('--accept-unsealed')).toBe(accept);
    }
  });

  it('should judge each target by its own records: an unsealed record of another target changes nothing', () => {
    const capture = loadCapture('chromium');
    const android = structuredClone(capture.records.find((r) => r.target.id === 'chromium:incognito')!);
    android.target = {
      ...android.target,
      id: 'android-chrome-emulator-5554:incognito',
      base: 'android-chrome-emulator-5554',
    };
    android.sealed = false;
    const alone = evaluate(declaredWithDdg!, cell(capture, 'chromium:normal'))!;
    capture.records.push(android);
    const view = runView(capture.records, capture.flows, { target: 'chromium:normal' });
    const withAndroid = evaluate(declaredWithDdg!, view)!;
    expect(alone.status).toBe('pass');
    expect(withAndroid).toEqual(alone);
  });
});

describe('consent', () => {
  const [declinedClaim, grantedClaim] = defineClaims([
    {
      id: 'declined',
      says: 'Without consent, search terms go only to the engine',
      when: { consent: 'declined' },
      data: ['search-terms'],
      mayGoTo: ['search-engine'],
    },
    {
      id: 'granted',
      says: 'With consent, search terms go only to the engine',
      when: { consent: 'granted' },
      data: ['search-terms'],
      mayGoTo: ['search-engine'],
    },
  ]) as [ReturnType<typeof defineClaims>[number], ReturnType<typeof defineClaims>[number]];

  function withConsent(consent: 'granted' | 'declined' | 'none' | undefined): Capture {
    const capture = loadCapture('chromium');
    for (const r of capture.records) {
      if (consent === undefined) delete (r as { consent?: string }).consent;
      else r.consent = consent;
    }
    return capture;
  }

  it('should apply a claim about declined consent to `none` and `declined`, and not to `granted`', () => {
    for (const consent of ['none', 'declined'] as const) {
      expect(evaluate(declinedClaim, cell(withConsent(consent), 'chromium:incognito'))?.status).toBe('pass');
    }
    expect(evaluate(declinedClaim, cell(withConsent('granted'), 'chromium:incognito'))).toBeNull();
  });

  it('should apply a claim about granted consent only to `granted`', () => {
    expect(evaluate(grantedClaim, cell(withConsent('granted'), 'chromium:incognito'))?.status).toBe('pass');
    for (const consent of ['none', 'declined'] as const) {
      expect(evaluate(grantedClaim, cell(withConsent(consent), 'chromium:incognito'))).toBeNull();
    }
  });

  it('should read inconclusive, not declined, when a record does not say what consent it gave', () => {
    const v = evaluate(declinedClaim, cell(withConsent(undefined), 'chromium:incognito'))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toContain('does not record what consent it gave');
  });
});

describe('decode-bound gaps (real, from the analyzer with a tiny depth bound)', () => {
  function bounded(capture: Capture): Capture {
    for (const r of capture.records) {
      const flows = capture.flows.filter((f) => f.target === r.target.id && f.scenario === r.scenario);
      const result = analyzeFlows(flows, r.tokens, { maxDepth: 0 });
      r.findings = result.findings;
      r.gaps = [...r.gaps, ...result.gaps];
    }
    return capture;
  }

  it('should make a may-go-to claim inconclusive, never pass, when the bound cut a flow to a host outside the allowed ones', () => {
    // With decoding stopped at the raw part, the update check's JSON body to the maker goes unread.
    const capture = bounded(loadCapture('chromium'));
    const gaps = capture.records.flatMap((r) => r.gaps).filter((g) => g.kind === 'decode-bound');
    expect(gaps.map((g) => g.host)).toContain('update.googleapis.com');
    const v = evaluate(searchOnlyToEngine!, cell(capture, 'chromium:incognito'))!;
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/decode-bound \(update\.googleapis\.com\)/i);
  });

  it('should keep a fail a fail when bounds were hit too: the reference leaks even at depth 0', () => {
    const v = evaluate(searchOnlyToEngine!, cell(bounded(loadCapture('reference')), 'reference:incognito'))!;
    expect(v.status).toBe('fail');
  });

  it('should not count a bound on a flow to an allowed recipient', () => {
    const capture = loadCapture('chromium');
    const flow = flowTo(capture, 'chromium:incognito', 'search.phonehome.test');
    addGap(capture, 'chromium:incognito', 'search', {
      kind: 'decode-bound',
      flowId: flow.id,
      host: 'search.phonehome.test',
      reason: 'a chain reached depth 16',
    });
    expect(evaluate(searchOnlyToEngine!, cell(capture, 'chromium:incognito'))!.status).toBe('pass');
  });

  it('should make encrypted-in-transit inconclusive only for a bound on a plain-http flow', () => {
    const capture = loadCapture('chromium');
    const plain = capture.flows.find(
      (f) => f.target === 'chromium:normal' && f.scenario === 'search' && f.transport === 'http',
    )!;
    addGap(capture, 'chromium:normal', 'search', {
      kind: 'decode-bound',
      flowId: plain.id,
      reason: 'decoding took longer than 5000 ms',
    });
    expect(evaluate(encrypted!, cell(capture, 'chromium:normal'))!.status).toBe('inconclusive');
  });

  it('should keep fail over inconclusive: the reference still fails with a bound hit elsewhere', () => {
    const capture = loadCapture('reference');
    addGap(capture, 'reference:incognito', 'search', {
      kind: 'bypass',
      protocol: 'dns',
      host: '192.0.2.53',
      reason: 'DNS query outside the proxy',
    });
    const v = evaluate(searchOnlyToEngine!, cell(capture, 'reference:incognito'))!;
    expect(v.status).toBe('fail');
  });
});
