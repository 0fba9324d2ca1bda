import { describe, expect, it } from 'vitest';
import type { Session } from '../../drivers/driver.ts';
import { scenarioBudgetMs } from '../../fixtures/harness.ts';
import type { CaptureActivity } from '../../src/capture/activity.ts';
import { CanaryBook } from '../../src/harness/canaries.ts';
import { idleScenario, searchScenario } from '../../src/harness/scenarios.ts';
import {
  DEFAULT_WATCH,
  parseDuration,
  type WatchProbe,
  type WatchSettings,
  watchDecision,
  watchSettingsFromEnv,
  watchUntilQuiet,
} from '../../src/harness/watch.ts';
import { createWebFixture, SITE_HOSTS } from '../../src/harness/web/web-sink.ts';

const settings: WatchSettings = { quietMs: 8_000, minMs: 20_000, maxMs: 60_000 };

/** A clock that only moves when the watch sleeps, and a target that sends at given times. */
function simulate(sends: number[], options: { inFlightUntil?: number; bypassAt?: number[] } = {}) {
  let now = 1_000_000;
  const start = now;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  const probe: WatchProbe = {
    activity: (): CaptureActivity => {
      const past = sends.filter((t) => start + t <= now);
      const last = past.length ? start + Math.max(...past) : undefined;
      const open = options.inFlightUntil !== undefined && now - start < options.inFlightUntil;
      return {
        ...(last !== undefined ? { lastAt: last } : {}),
        inFlight: open ? [{ method: 'POST', url: 'https://x.test/', startedAt: start }] : [],
      };
    },
    ...(options.bypassAt
      ? { bypassAttempts: () => (options.bypassAt ?? []).filter((t) => start + t <= now).length }
      : {}),
  };
  return { clock, probe, start };
}

const elapsed = (w: { lastStepAt: string; closedAt: string }) =>
  Date.parse(w.closedAt) - Date.parse(w.lastStepAt);

describe('watch until quiet', () => {
  it('should catch a batch sent 15 s after the last step with the defaults', async () => {
    const { clock, probe } = simulate([15_000]);
    const w = await watchUntilQuiet(probe, DEFAULT_WATCH, clock);
    expect(w.ended).toBe('quiet');
    expect(Date.parse(w.lastActivityAt ?? '') - Date.parse(w.lastStepAt)).toBe(15_000);
    expect(elapsed(w)).toBeGreaterThanOrEqual(15_000 + DEFAULT_WATCH.quietMs);
  });

  it('should close at the minimum when nothing is sent', async () => {
    const { clock, probe } = simulate([]);
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(w).toMatchObject({ ended: 'quiet', inFlightAtClose: 0 });
    expect(w.lastActivityAt).toBeUndefined();
    expect(elapsed(w)).toBe(20_000);
  });

  it('should wait for quiet after the last send, past the minimum', async () => {
    const { clock, probe } = simulate([5_000, 19_000, 25_000]);
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(w.ended).toBe('quiet');
    expect(elapsed(w)).toBe(33_000);
  });

  it('should end at the maximum for a target that never goes quiet, and record it', async () => {
    const sends = Array.from({ length: 100 }, (_, i) => i * 3_000);
    const { clock, probe } = simulate(sends);
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(w).toMatchObject({ ended: 'maximum', quietMs: 8_000, minMs: 20_000, maxMs: 60_000 });
    expect(elapsed(w)).toBe(60_000);
  });

  it('should not count a request still being sent as quiet, and say it was in flight at the maximum', async () => {
    const { clock, probe } = simulate([], { inFlightUntil: 120_000 });
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(w).toMatchObject({ ended: 'maximum', inFlightAtClose: 1 });
  });

  it('should count an attempt to go around the proxy as activity', async () => {
    const { clock, probe } = simulate([], { bypassAt: [18_000] });
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(w.ended).toBe('quiet');
    expect(elapsed(w)).toBeGreaterThanOrEqual(26_000);
  });

  it('should ignore what was sent before the last step', async () => {
    const { clock, probe } = simulate([-500]);
    const w = await watchUntilQuiet(probe, settings, clock);
    expect(elapsed(w)).toBe(20_000);
    expect(w.lastActivityAt).toBeUndefined();
  });

  it('should keep a soak open for its whole length, quiet or not', async () => {
    const { clock, probe } = simulate([]);
    const w = await watchUntilQuiet(probe, { ...settings, soakMs: 120_000 }, clock);
    expect(w).toMatchObject({ ended: 'soak', soakMs: 120_000 });
    expect(elapsed(w)).toBe(120_000);
  });

  it('should decide by the rule: maximum first, then minimum, in-flight, quiet', () => {
    const base = { lastStepAt: 0, inFlight: 0 };
    expect(watchDecision(settings, { ...base, now: 60_000, lastActivityAt: 59_999 })).toBe('maximum');
    expect(watchDecision(settings, { ...base, now: 10_000 })).toBe('continue');
    expect(watchDecision(settings, { ...base, now: 30_000, inFlight: 1 })).toBe('continue');
    expect(watchDecision(settings, { ...base, now: 30_000, lastActivityAt: 25_000 })).toBe('continue');
    expect(watchDecision(settings, { ...base, now: 33_000, lastActivityAt: 25_000 })).toBe('quiet');
  });
});

describe('watch settings', () => {
  it('should read durations with units', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1500ms')).toBe(1_500);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('0.5h')).toBe(1_800_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('-3s')).toBeUndefined();
  });

  it('should take the environment the nightly sets on top of the matrix defaults', () => {
    expect(watchSettingsFromEnv({})).toEqual(DEFAULT_WATCH);
    expect(watchSettingsFromEnv({ PHONEHOME_MATRIX: 'quick' }).maxMs).toBe(30_000);
    expect(
      watchSettingsFromEnv({ PHONEHOME_SOAK: '2m', PHONEHOME_WATCH_QUIET: '3s', PHONEHOME_WATCH_MAX: '90s' }),
    ).toEqual({ ...DEFAULT_WATCH, quietMs: 3_000, maxMs: 90_000, soakMs: 120_000 });
  });

  it('should name the variable and the value it cannot read, and refuse a minimum above the maximum', () => {
    expect(() => watchSettingsFromEnv({ PHONEHOME_SOAK: 'long' })).toThrow(
      'PHONEHOME_SOAK: "long" is not a duration',
    );
    expect(() => watchSettingsFromEnv({ PHONEHOME_WATCH_MIN: '2m' })).toThrow(/minimum .* above its maximum/);
  });

  it("should give Playwright's per-test time to the watch: more windows and longer soaks, more time", () => {
    const chromium = { id: 'c', name: 'C', engine: 'chromium' as const, vendorDomains: [] };
    const android = { ...chromium, engine: 'android' as const };
    const idle = scenarioBudgetMs(idleScenario, DEFAULT_WATCH, chromium);
    const search = scenarioBudgetMs(searchScenario, DEFAULT_WATCH, chromium);
    expect(search).toBeGreaterThan(idle);
    expect(scenarioBudgetMs(searchScenario, DEFAULT_WATCH, android)).toBeGreaterThan(search);
    const soak = scenarioBudgetMs(searchScenario, { ...DEFAULT_WATCH, soakMs: 600_000 }, chromium);
    expect(soak).toBeGreaterThan(2 * 600_000);
  });
});

describe('search scenario', () => {
  it('should declare the site of the first result before clicking it, so a cut-short click is no third party', async () => {
    const sites: string[] = [];
    const session = {
      search: async () => {},
      follow: async () => {
        throw new Error('the page did not load in time');
      },
    } as unknown as Session;
    await expect(
      searchScenario.run({
        session,
        canaries: new CanaryBook({ target: 'c:normal', scenario: 'search', mode: 'normal' }),
        sites,
        web: createWebFixture(),
        relaunch: async () => session,
        target: { id: 'c', name: 'C', engine: 'chromium', vendorDomains: [] },
        engines: [],
        mode: 'normal',
      }),
    ).rejects.toThrow(/did not load/);
    expect(sites).toEqual([SITE_HOSTS[0]]);
  });

  it('should stop when the first result leads anywhere but the fixture’s first site', async () => {
    const session = {
      search: async () => {},
      follow: async () => 'https://elsewhere.test/article/r1',
    } as unknown as Session;
    await expect(
      searchScenario.run({
        session,
        canaries: new CanaryBook({ target: 'c:normal', scenario: 'search', mode: 'normal' }),
        sites: [],
        web: createWebFixture(),
        relaunch: async () => session,
        target: { id: 'c', name: 'C', engine: 'chromium', vendorDomains: [] },
        engines: [],
        mode: 'normal',
      }),
    ).rejects.toThrow(/led to elsewhere.test, not news.site-a.test/);
  });
});
