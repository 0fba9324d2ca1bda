import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/claims/evaluate.ts';
import { findIdentifiers } from '../../src/claims/identifiers.ts';
import { runView } from '../../src/claims/run-view.ts';
import { defineClaims } from '../../src/claims/schema.ts';
import { analyzeFlows } from '../../src/detect/analyze.ts';
import type { Flow, Mode } from '../../src/model/flow.ts';
import type { LaunchRecord } from '../../src/model/identifier.ts';
import type { ScenarioRecord } from '../../src/model/run-record.ts';
import { testFlow } from '../flow.ts';
import { scenarioRecord } from '../scenario-record.ts';

// Unit tests of the classification on hand-made passes; the real-browser test (the reference
// extension, specs/e2e/identifiers.spec.ts) shows the same classes from a browser's own traffic.

const PROFILE_ID = 'pf7Q2kLx9ZmA4wRt';
const DEVICE_ID = 'dv3b9c41e07f55a2d8e1';
const LINK_ID = 'lk8Hq2Vn5Ws1Xe7Y';
const CONSTANT = 'AIzaSyB3x7Kq9Lm2Np4Rt6';

let seq = 0;
let clock = Date.parse('2026-01-01T00:00:00Z');
const tick = () => {
  clock += 1000;
  return new Date(clock).toISOString();
};

interface PassSpec {
  scenario: string;
  mode?: Mode;
  /** One array of request URLs per launch; each launch's mode (default: the record's). */
  launches: { mode?: Mode; profile?: number; failed?: string; urls: string[] }[];
  otherMachine?: boolean;
  buildConstants?: string[];
}

function pass(spec: PassSpec): { record: ScenarioRecord; flows: Flow[] } {
  const mode = spec.mode ?? 'normal';
  const target = `b:${mode}`;
  const startedAt = tick();
  const launches: LaunchRecord[] = [];
  const flows: Flow[] = [];
  for (const l of spec.launches) {
    launches.push({
      at: tick(),
      mode: l.mode ?? mode,
      profile: l.profile ?? 0,
      ...(l.failed ? { failed: l.failed } : {}),
    });
    for (const url of l.urls) {
      seq += 1;
      flows.push(
        testFlow({
          url,
          method: 'GET',
          seq,
          runId: 'r',
          target,
          scenario: spec.scenario,
          mode,
          startedAt: tick(),
        }),
      );
    }
  }
  const record = scenarioRecord({
    target: { id: target, name: 'B', engine: 'chromium', version: '1', mode, base: 'b' },
    scenario: spec.scenario,
    startedAt,
    flowsFile: 'x',
    flows: flows.length,
    launches,
    ...(spec.buildConstants ? { buildConstants: spec.buildConstants } : {}),
    ...(spec.otherMachine ? { otherMachine: { hostname: 'h', machineId: 'm', mac: 'x' } } : {}),
  });
  return { record, flows };
}

const nonce = () => `n${Math.random().toString(36).slice(2, 12)}7x`;

/** A run of target `b`: first start and restart, a second fresh profile, and the other machine. */
function run(opts: { otherMachine?: boolean; otherMachineSends?: boolean; privateOnProfile?: boolean } = {}) {
  const url = (q: string) => `https://telemetry.vendor.example/ping?${q}`;
  const parts = [
    pass({
      scenario: 'first-start',
      launches: [
        { urls: [url(`pid=${PROFILE_ID}&did=${DEVICE_ID}&n=${nonce()}&k=${CONSTANT}`)] },
        { urls: [url(`pid=${PROFILE_ID}&did=${DEVICE_ID}&n=${nonce()}&k=${CONSTANT}&l=${LINK_ID}`)] },
        ...(opts.privateOnProfile !== false
          ? [{ mode: 'incognito' as const, urls: [url(`l=${LINK_ID}&n=${nonce()}&k=${CONSTANT}`)] }]
          : []),
      ],
    }),
    pass({
      scenario: 'idle',
      launches: [{ urls: [url(`pid=pfOther9Kq2Lm4Np&did=${DEVICE_ID}&n=${nonce()}&k=${CONSTANT}`)] }],
    }),
  ];
  if (opts.otherMachine !== false) {
    parts.push(
      pass({
        scenario: 'other-machine',
        otherMachine: true,
        launches: [
          {
            urls: [
              opts.otherMachineSends === false
                ? 'https://elsewhere.vendor.example/x'
                : url(`pid=pfThird3Zx8Cv1B&did=dvOther77aa12bc9f0e&n=${nonce()}&k=${CONSTANT}`),
            ],
          },
        ],
      }),
    );
  }
  return findIdentifiers(
    parts.map((p) => p.record),
    parts.flatMap((p) => p.flows),
  );
}

describe('identifiers by recurrence', () => {
  it('should list an id kept in the profile and sent at each start as surviving a restart, not a fresh profile', () => {
    const id = run().identifiers.find((i) => i.value === PROFILE_ID);
    expect(id).toMatchObject({
      class: 'profile',
      survived: ['restart'],
      hosts: ['telemetry.vendor.example'],
    });
    expect(id?.parts).toEqual(['url-query:pid']);
    expect(id?.firstSeen.scenario).toBe('first-start');
  });

  it('should call a value the same in fresh profiles on this machine but not on another device-derived', () => {
    const id = run().identifiers.find((i) => i.value === DEVICE_ID);
    expect(id?.class).toBe('device-derived');
    expect(id?.survived).toEqual(expect.arrayContaining(['restart', 'profile']));
  });

  it('should call a value shared by the normal and the private mode of one profile linking', () => {
    const id = run().identifiers.find((i) => i.value === LINK_ID);
    expect(id?.class).toBe('linking');
    expect(id?.survived).toContain('mode');
  });

  it('should list neither a per-request random value nor a constant sent on another machine too', () => {
    const values = run().identifiers.map((i) => i.value);
    expect(values).not.toContain(CONSTANT);
    expect(values.some((v) => v.startsWith('n'))).toBe(false);
    expect(values).toEqual(expect.arrayContaining([PROFILE_ID, DEVICE_ID, LINK_ID]));
    expect(values).toHaveLength(3);
  });

  it('should leave out a constant found in the installed files', () => {
    const p = pass({
      scenario: 's',
      buildConstants: ['kFixedKey1234abcd99'],
      launches: [
        { urls: ['https://v.example/?k=kFixedKey1234abcd99'] },
        { urls: ['https://v.example/?k=kFixedKey1234abcd99'] },
      ],
    });
    expect(findIdentifiers([p.record], p.flows).identifiers).toEqual([]);
  });

  it('should say unresolved, with the reason, when no pass on another machine ran', () => {
    const result = run({ otherMachine: false });
    expect(result.passes.get('b')?.machine).toBe(false);
    const device = result.identifiers.find((i) => i.value === DEVICE_ID);
    expect(device?.class).toBe('unresolved');
    expect(device?.reason).toMatch(/no pass on another machine/);
    // Without that pass a build constant is no longer told apart either: it is not called a nonce.
    expect(result.identifiers.find((i) => i.value === CONSTANT)?.class).toBe('unresolved');
  });

  it('should say unresolved when the other machine sent nothing where the value could have shown', () => {
    const device = run({ otherMachineSends: false }).identifiers.find((i) => i.value === DEVICE_ID);
    expect(device?.class).toBe('unresolved');
    expect(device?.reason).toMatch(/sent no value in url-query:did to telemetry.vendor.example/);
  });

  it('should say which passes ran', () => {
    expect(run().passes.get('b')).toEqual({ restart: true, profile: true, mode: true, machine: true });
    expect(run({ privateOnProfile: false }).passes.get('b')?.mode).toBe(false);
  });

  it('should count no pass for a relaunch that did not come up in its mode, and class nothing by it', () => {
    const p = pass({
      scenario: 'first-start',
      launches: [
        { urls: ['https://v.example/?a=st4rtOnly9x2Lm8Qp1'] },
        // The private relaunch exited before its window appeared; what it sent is still its own.
        {
          mode: 'incognito',
          failed: 'exited before its window appeared',
          urls: ['https://v.example/?a=st4rtOnly9x2Lm8Qp1'],
        },
      ],
    });
    const result = findIdentifiers([p.record], p.flows);
    expect(result.passes.get('b')).toEqual({ restart: false, profile: false, mode: false, machine: false });
    // Sent again after a relaunch on its profile, but no mode is known of that relaunch: not linking.
    expect(result.identifiers).toMatchObject([{ class: 'profile', survived: ['restart'] }]);
  });

  it('should leave out what went to the fixture web, whose pages phonehome wrote', () => {
    const p = pass({
      scenario: 's',
      launches: [
        { urls: ['https://news.site-a.test/a?x=st4bleK9x2Lm8Qp1'] },
        { urls: ['https://news.site-a.test/a?x=st4bleK9x2Lm8Qp1'] },
      ],
    });
    expect(findIdentifiers([p.record], p.flows).identifiers).toEqual([]);
  });
});

describe('claim: searches typed in the address bar are not tied to an identifier that survives a restart', () => {
  const claim = defineClaims([
    {
      id: 'c',
      says: 'Searches typed in the address bar are not tied to an identifier that survives a restart',
      when: { mode: 'any' },
      data: ['search-terms'],
      notTiedToSurvivingIdentifier: { scenarios: ['address-bar'] },
    },
  ])[0] as ReturnType<typeof defineClaims>[number];
  const TERM = 'phq7x2k9m4zt';

  /** The address-bar scenario: a suggest request with the term (and `sid`), a restart, and a ping with `sid`. */
  function addressBar(opts: { sid: string; again: string; restarted?: boolean }) {
    const suggest = `https://suggest.vendor.example/complete?q=${TERM}&sid=${opts.sid}`;
    const p = pass({
      scenario: 'address-bar',
      launches: [
        { urls: [suggest] },
        ...(opts.restarted === false ? [] : [{ urls: [`https://ping.vendor.example/p?sid=${opts.again}`] }]),
      ],
    });
    const flow = p.flows[0] as Flow;
    p.record.tokens = [{ value: TERM, kind: 'canary', dataClass: 'search-terms', label: 'search term' }];
    p.record.findings = analyzeFlows(p.flows, p.record.tokens).findings;
    expect(p.record.findings.map((f) => f.flowId)).toContain(flow.id);
    return p;
  }
  const verdict = (p: ReturnType<typeof pass>) =>
    evaluate(claim, runView([p.record], p.flows, { target: 'b:normal' }));

  it('should fail when the search went with a value sent again after the restart', () => {
    const v = verdict(addressBar({ sid: 'sX81kQ2mZ7pL4vN0', again: 'sX81kQ2mZ7pL4vN0' }));
    expect(v?.status).toBe('fail');
    expect(v?.reason).toMatch(/kept in the profile, sent again after a restart/);
    expect(v?.evidence.map((e) => e.token)).toEqual([TERM, 'sX81kQ2mZ7pL4vN0']);
  });

  it('should pass when the value with the search never came back', () => {
    expect(verdict(addressBar({ sid: 'sX81kQ2mZ7pL4vN0', again: 'oT5hEr2Qw9Zx3Lm7' }))?.status).toBe('pass');
  });

  it('should be inconclusive, never pass, when the scenario was not restarted on its profile', () => {
    const v = verdict(addressBar({ sid: 'sX81kQ2mZ7pL4vN0', again: '', restarted: false }));
    expect(v?.status).toBe('inconclusive');
    expect(v?.reason).toMatch(/was not restarted on its profile/);
  });

  it('should be inconclusive when no address-bar scenario ran', () => {
    const p = pass({ scenario: 'idle', launches: [{ urls: [] }] });
    const v = evaluate(claim, runView([p.record], p.flows, { target: 'b:normal' }));
    expect(v?.status).toBe('inconclusive');
    expect(v?.reason).toMatch(/No address-bar scenario ran/);
  });
});
