import { describe, expect, it } from 'vitest';
import { defaultClaims } from '../../src/claims/catalog/index.ts';
import { type Claim, defineClaims } from '../../src/claims/schema.ts';
import { parseRunRecord } from '../../src/report/read-run.ts';
import { assembleRun } from '../../src/run/assemble.ts';
import { type Capture, loadCapture } from '../claims/captures.ts';

/** run.json of a capture's records, judged by `claims` (default: the default claims). */
async function assemble(capture: Capture, acceptUnsealed = false, claims?: Claim[]) {
  const byScenario = (r: Capture['records'][number]) =>
    capture.flows.filter((f) => f.target === r.target.id && f.scenario === r.scenario);
  return assembleRun({
    runId: 'test',
    commit: 'unknown',
    startedAt: '2026-11-29T00:00:00.000Z',
    finishedAt: '2026-11-29T00:01:00.000Z',
    records: capture.records,
    flowsOf: byScenario,
    claims: claims ?? (await defaultClaims()),
    acceptUnsealed,
  });
}

/** Claims about where data goes (a seal matters to them; not to what is left on the device). */
async function networkClaims(): Promise<Set<string>> {
  const claims = await defaultClaims();
  return new Set(claims.filter((c) => c.rule.kind !== 'not-on-device').map((c) => c.id));
}

/** The chromium capture with every record sealed, plus an unsealed record of an Android target. */
function withAndroid(): Capture {
  const capture = loadCapture('chromium');
  for (const r of capture.records) r.sealed = true;
  const android = structuredClone(capture.records.find((r) => r.target.id === 'chromium:incognito')!);
  const base = 'android-chrome-emulator-5554';
  android.target = {
    ...android.target,
    id: `${base}:incognito`,
    base,
    name: 'Chrome on Android',
    engine: 'android',
  };
  android.sealed = false;
  android.consent = 'declined';
  capture.records.push(android);
  return capture;
}

describe('assembleRun', () => {
  it("should leave desktop cells alone when one record (an Android run) is unsealed, and read that target's own cells inconclusive", async () => {
    const sealedOnly = loadCapture('chromium');
    for (const r of sealedOnly.records) r.sealed = true;
    const before = await assemble(sealedOnly);
    const after = await assemble(withAndroid());
    const chromium = (run: typeof before) => run.cells.filter((c) => c.target.startsWith('chromium:'));
    expect(chromium(after)).toEqual(chromium(before));
    expect(chromium(after).some((c) => c.status === 'pass')).toBe(true);
    const network = await networkClaims();
    const android = after.cells.filter((c) => c.target.startsWith('android-') && network.has(c.claim));
    expect(android.length).toBeGreaterThan(0);
    expect(android.some((c) => c.status === 'pass')).toBe(false);
    expect(
      android.filter((c) => c.status === 'inconclusive').every((c) => c.reason.includes('Not sealed')),
    ).toBe(true);
    expect(after.sealed).toBe(false);
  });

  it('should write sealed and consent per scenario, and the accepted risk in the run and in each such cell', async () => {
    const run = await assemble(withAndroid(), true);
    expect(() => parseRunRecord(JSON.parse(JSON.stringify(run)), 'run.json')).not.toThrow();
    expect(run.schema).toBe('phonehome/run@3');
    expect(run.acceptUnsealed).toBe(true);
    const android = run.scenarios.find((s) => s.target.startsWith('android-'))!;
    expect(android).toMatchObject({ sealed: false, consent: 'declined' });
    expect(
      run.scenarios
        .filter((s) => s.target.startsWith('chromium:'))
        .every((s) => s.sealed && s.consent === 'none'),
    ).toBe(true);
    const network = await networkClaims();
    const cells = run.cells.filter(
      (c) => c.target.startsWith('android-') && network.has(c.claim) && c.status !== 'not-applicable',
    );
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) {
      expect(c.unsealed?.accepted, c.claim).toBe(true);
      expect(c.reason).toContain('accepted with --accept-unsealed');
    }
    expect(run.cells.filter((c) => c.target.startsWith('chromium:')).every((c) => !c.unsealed)).toBe(true);
  });

  it('should give each target the promise its browser showed, the first one read standing, and say why where none was read', async () => {
    const capture = loadCapture('chromium');
    const incognito = capture.records.filter((r) => r.target.id === 'chromium:incognito');
    expect(incognito.length).toBeGreaterThan(1);
    const promise = {
      text: 'You’ve gone Incognito\nChromium won’t save:',
      source: 'browser UI: chrome://newtab/ (the incognito new tab page)',
      version: 'Chromium 156.0.8078.108',
      locale: 'en-US',
    };
    // The first record could not read it, the second did: the target carries the one read.
    incognito[0]!.target = { ...incognito[0]!.target, promiseUnread: 'the page did not load' };
    incognito[1]!.target = { ...incognito[1]!.target, promise };
    const run = await assemble(capture);
    const target = run.targets.find((t) => t.id === 'chromium:incognito')!;
    expect(target.promise).toEqual(promise);
    expect(target.promiseUnread).toBeUndefined();
    expect(parseRunRecord(JSON.parse(JSON.stringify(run)), 'run.json').targets).toEqual(run.targets);
    // None read anywhere: the reason stays, never an empty promise.
    for (const r of incognito)
      r.target = { ...r.target, promise: undefined, promiseUnread: 'the page did not load' };
    const unread = (await assemble(capture)).targets.find((t) => t.id === 'chromium:incognito')!;
    expect(unread.promise).toBeUndefined();
    expect(unread.promiseUnread).toBe('the page did not load');
  });

  it('should give every claim × target a cell, not applicable where the claim is about another mode, target or consent', async () => {
    const capture = withAndroid();
    const claims = [
      ...(await defaultClaims()),
      ...defineClaims([
        {
          id: 'quoted-for-firefox',
          says: 'Private windows keep no history',
          quote:
            'Firefox deletes your cookies, history, and site data when you close all your private windows.',
          source: 'browser UI: about:privatebrowsing',
          appliesTo: { targets: ['firefox-esr'], engines: ['gecko'] },
          data: ['search-terms'],
          notOnDevice: true,
        },
        {
          id: 'quoted-for-android',
          says: 'Search terms go only to the search engine',
          quote: 'some words',
          source: 'https://vendor.example/privacy',
          appliesTo: { targets: ['android-chrome-*'] },
          data: ['search-terms'],
          mayGoTo: ['search-engine'],
        },
        {
          id: 'only-with-consent',
          says: 'With consent, device identifiers go only to the vendor',
          generic: true,
          when: { consent: 'granted' },
          data: ['device-ids'],
          mayGoTo: ['vendor'],
        },
      ]),
    ];
    const run = await assemble(capture, false, claims);
    expect(run.cells).toHaveLength(claims.length * run.targets.length);
    const cell = (claim: string, target: string) =>
      run.cells.find((c) => c.claim === claim && c.target === target)!;
    // Another target: never judged, so never a pass, and the reason names the scope and the quote's source.
    const firefox = cell('quoted-for-firefox', 'chromium:incognito');
    expect(firefox.status).toBe('not-applicable');
    expect(firefox.evidence).toEqual([]);
    expect(firefox.reason).toContain('target firefox-esr and engine gecko');
    expect(firefox.reason).toContain('browser UI: about:privatebrowsing');
    // A target pattern: the Android target is judged (inconclusive, unsealed), the desktop one is not.
    expect(cell('quoted-for-android', 'android-chrome-emulator-5554:incognito').status).toBe('inconclusive');
    expect(cell('quoted-for-android', 'chromium:incognito').status).toBe('not-applicable');
    // Another mode.
    const mode = cell('incognito-leaves-nothing-on-device', 'chromium:normal');
    expect(mode).toMatchObject({ status: 'not-applicable' });
    expect(mode.reason).toContain('incognito mode only');
    // Another consent: every scenario gave none or declined.
    const consent = cell('only-with-consent', 'chromium:incognito');
    expect(consent.status).toBe('not-applicable');
    expect(consent.reason).toContain('granted consent');
    // The claims keep their words and scope in run.json, and the run validates as @3.
    const parsed = parseRunRecord(JSON.parse(JSON.stringify(run)), 'run.json');
    expect(parsed.claims.find((c) => c.id === 'quoted-for-firefox')).toMatchObject({
      quote: 'Firefox deletes your cookies, history, and site data when you close all your private windows.',
      source: 'browser UI: about:privatebrowsing',
      appliesTo: { targets: ['firefox-esr'], engines: ['gecko'] },
    });
    expect(parsed.claims.find((c) => c.id === 'only-with-consent')?.generic).toBe(true);
  });

  it('should judge a claim whose records do not say what consent they gave (inconclusive), not call it not applicable', async () => {
    const capture = loadCapture('chromium');
    for (const r of capture.records) delete (r as { consent?: string }).consent;
    const claims = defineClaims([
      {
        id: 'with-consent',
        says: 'With consent, ids go to the vendor',
        data: ['device-ids'],
        when: { consent: 'granted' },
        mayGoTo: ['vendor'],
      },
    ]);
    const run = assembleRun({
      runId: 'test',
      commit: 'unknown',
      startedAt: '2026-11-29T00:00:00.000Z',
      finishedAt: '2026-11-29T00:01:00.000Z',
      records: capture.records,
      flowsOf: (r) => capture.flows.filter((f) => f.target === r.target.id && f.scenario === r.scenario),
      claims,
    });
    expect(run.cells.map((c) => c.status)).toEqual(['inconclusive', 'inconclusive']);
  });
});
