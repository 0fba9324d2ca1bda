import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetConfig } from '../../drivers/driver.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, type Harness, test } from '../../fixtures/harness.ts';
import { flowBody } from '../../src/capture/flow.ts';
import type { ScenarioResult } from '../../src/harness/run-scenario.ts';
import { type Scenario, searchScenario } from '../../src/harness/scenarios.ts';
import { DEFAULT_WATCH, type WatchSettings } from '../../src/harness/watch.ts';
import { BEACON_URL } from '../../src/harness/web/web-sink.ts';
import type { CellRecord, WatchWindow } from '../../src/model/run-record.ts';
import { assembleResults } from './both-modes.ts';

/**
 * The watch after the steps, on real Chromium: senders that wait, a queue kept for the next start,
 * pages that go quiet or never do. Each window is checked against the flows' own timestamps.
 */

const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium') as TargetConfig;
const reference = DEFAULT_TARGETS.find((t) => t.id === 'reference') as TargetConfig;
const BEACON_HOST = new URL(BEACON_URL).hostname;

/** Opens a fixture page that keeps sending as `query` says (src/harness/web/web-sink.ts, senderPage). */
function senderScenario(query: string): Scenario {
  return {
    id: 'sender',
    says: `opens a page that sends after it loaded (${query})`,
    proves: 'visited-urls',
    async run({ session, canaries, sites }) {
      const id = canaries.canary('visited-urls', 'visited URL path');
      const url = `https://news.site-a.test/sender/${id}?${query}`;
      canaries.add({ value: url, kind: 'canary', dataClass: 'visited-urls', label: 'visited URL' });
      sites.push('news.site-a.test');
      await session.visit(url);
    },
  };
}

async function cells(results: ScenarioResult[]): Promise<CellRecord[]> {
  return (await assembleResults(results)).cells;
}

const ms = (iso: string) => Date.parse(iso);
const length = (w: WatchWindow) => ms(w.closedAt) - ms(w.lastStepAt);

/** The window agrees with the flows: nothing was sent between its last activity and its close. */
function expectWindowMatchesFlows(result: ScenarioResult, watch: WatchWindow): void {
  const inside = result.flows.filter(
    (f) => ms(f.startedAt) >= ms(watch.lastStepAt) && ms(f.startedAt) <= ms(watch.closedAt),
  );
  if (watch.lastActivityAt) {
    expect(inside.length).toBeGreaterThan(0);
    const latest = Math.max(...inside.map((f) => ms(f.startedAt)));
    // Activity is a request's start or its body's end: never before the latest request started.
    expect(ms(watch.lastActivityAt)).toBeGreaterThanOrEqual(latest);
    expect(ms(watch.lastActivityAt) - latest).toBeLessThan(2_000);
  } else {
    expect(inside).toEqual([]);
  }
  if (watch.ended === 'quiet') {
    const last = watch.lastActivityAt ? ms(watch.lastActivityAt) : ms(watch.lastStepAt);
    expect(ms(watch.closedAt) - last).toBeGreaterThanOrEqual(watch.quietMs);
    expect(length(watch)).toBeGreaterThanOrEqual(watch.minMs);
  }
}

/**
 * Runs the sender page (`query`) on Chromium with `watch`: the scenario finished and its window
 * agrees with the flows. Returns the result, its window and its visited-urls-only-to-site cell.
 */
async function watchSender(
  harness: Harness,
  query: string,
  watch: WatchSettings,
): Promise<{ result: ScenarioResult; window: WatchWindow; visited: CellRecord | undefined }> {
  const result = await harness.run(senderScenario(query), { target: chromium, watch });
  const { record } = result;
  expect(record.status, record.error).toBe('finished');
  const window = record.watch as WatchWindow;
  expectWindowMatchesFlows(result, window);
  const visited = (await cells([result])).find((c) => c.claim === 'visited-urls-only-to-site');
  return { result, window, visited };
}

/** A copy of the reference extension with some of its channels switched off (test-only option). */
function referenceWith(channels: { immediate: boolean; periodic: boolean; atStart: boolean }): TargetConfig {
  const source = reference.extensions?.[0] as string;
  const dir = join(mkdtempSync(join(tmpdir(), 'phonehome-reference-')), 'extension');
  cpSync(source, dir, { recursive: true });
  writeFileSync(join(dir, 'test-options.json'), JSON.stringify(channels));
  return { ...reference, extensions: [dir] };
}

function javaHashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

test.describe('the watch after the steps', () => {
  test.describe.configure({ timeout: 480_000 });
  test('a page that goes quiet ends its watch before the maximum', async ({ harness }) => {
    const watch: WatchSettings = { quietMs: 4_000, minMs: 3_000, maxMs: 45_000 };
    const { window, visited } = await watchSender(harness, 'send=1000', watch);
    expect(window.ended).toBe('quiet');
    expect(length(window)).toBeLessThan(watch.maxMs);
    // The send a second after the load was inside the window and fails the claim.
    expect(visited?.status).toBe('fail');
    expect(visited?.evidence.some((e) => e.host === BEACON_HOST)).toBe(true);
  });

  test('a send just before the maximum is caught', async ({ harness }) => {
    const watch: WatchSettings = { quietMs: 4_000, minMs: 3_000, maxMs: 14_000 };
    // A heartbeat every second keeps the page from going quiet; the URL leaves ~2 s before the max.
    const { result, window, visited } = await watchSender(harness, 'beat=1000&send=12000', watch);
    expect(window.ended).toBe('maximum');
    expect(visited?.status).toBe('fail');
    const late = visited?.evidence.filter((e) => e.host === BEACON_HOST) ?? [];
    expect(late.length).toBeGreaterThan(0);
    const flow = result.flows.find((f) => f.id === late[0]?.flow);
    expect(ms(flow?.startedAt ?? '')).toBeGreaterThan(ms(window.closedAt) - 5_000);
    expect(ms(flow?.startedAt ?? '')).toBeLessThanOrEqual(ms(window.closedAt));
  });

  test('an endless sender ends at the maximum, and its pass states the window', async ({ harness }) => {
    const watch: WatchSettings = { quietMs: 4_000, minMs: 3_000, maxMs: 10_000 };
    const { result, window, visited } = await watchSender(harness, 'beat=700', watch);
    expect(window).toMatchObject({ ended: 'maximum', quietMs: 4_000, minMs: 3_000, maxMs: 10_000 });
    expect(length(window)).toBeGreaterThanOrEqual(10_000);
    expect(length(window)).toBeLessThan(12_000);
    const beats = result.flows.filter((f) => f.request.url === BEACON_URL);
    expect(beats.length).toBeGreaterThanOrEqual(8);
    // The heartbeats carry nothing: the claim passes, and says for how long it was watched.
    expect(visited?.status).toBe('pass');
    expect(visited?.reason).toMatch(
      /Watched 1[01] s after the last step \(1 of 1 still sending at their 10 s maximum\)/,
    );
  });
});

test.describe('the leaky reference, as Sensors Analytics sends', () => {
  // Launch, search, a window of up to 60 s, a graceful close and relaunch, and another window.
  test.describe.configure({ timeout: 600_000 });
  test('its 15 s batch alone fails the claim, with evidence sent inside the watch', async ({ harness }) => {
    const target = referenceWith({ immediate: false, periodic: true, atStart: false });
    const result = await harness.run(searchScenario, { target, mode: 'normal', watch: DEFAULT_WATCH });
    const { record } = result;
    expect(record.status, record.error).toBe('finished');
    const window = record.watch as WatchWindow;
    expectWindowMatchesFlows(result, window);
    expect(result.flows.some((f) => f.request.url.startsWith('https://collect.analytics.test/'))).toBe(false);
    const visited = (await cells([result])).find((c) => c.claim === 'visited-urls-only-to-site');
    expect(visited?.status).toBe('fail');
    const sensors = visited?.evidence.filter((e) => e.host === 'sa.analytics.test') ?? [];
    expect(sensors.length, visited?.reason).toBeGreaterThan(0);
    const flow = result.flows.find((f) => f.id === sensors[0]?.flow);
    // Sent after the last step, inside the first window, as the SDK's form: crc, gzip, data_list.
    expect(ms(flow?.startedAt ?? '')).toBeGreaterThan(ms(window.lastStepAt));
    expect(ms(flow?.startedAt ?? '')).toBeLessThanOrEqual(ms(window.closedAt));
    expect(sensors[0]?.chain.slice(0, 3)).toEqual(['form:data_list', 'base64', 'gzip']);
    const form = new URLSearchParams(flow ? flowBody(flow).toString() : '');
    expect(form.get('gzip')).toBe('1');
    expect(form.get('crc')).toBe(String(javaHashCode(form.get('data_list') ?? '')));
  });

  test('its next-start queue alone fails the claim, with evidence sent after the relaunch', async ({
    harness,
  }) => {
    const target = referenceWith({ immediate: false, periodic: false, atStart: true });
    const result = await harness.run(searchScenario, { target, mode: 'normal', watch: DEFAULT_WATCH });
    const { record } = result;
    expect(record.status, record.error).toBe('finished');
    const relaunch = record.flushPoints?.[0];
    expect(relaunch?.point).toBe('close-and-relaunch');
    expect(relaunch?.graceful).toBe(true);
    const visited = (await cells([result])).find((c) => c.claim === 'visited-urls-only-to-site');
    expect(visited?.status).toBe('fail');
    const sensors = visited?.evidence.filter((e) => e.host === 'sa.analytics.test') ?? [];
    expect(sensors.length, visited?.reason).toBeGreaterThan(0);
    // Nothing left before the close; the queue went out when the browser started again.
    for (const e of sensors) {
      const flow = result.flows.find((f) => f.id === e.flow);
      expect(ms(flow?.startedAt ?? '')).toBeGreaterThanOrEqual(ms((record.watch as WatchWindow).closedAt));
    }
    expectWindowMatchesFlows(result, relaunch?.watch as WatchWindow);
  });
});
