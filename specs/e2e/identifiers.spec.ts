import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetConfig } from '../../drivers/driver.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, type Harness, test } from '../../fixtures/harness.ts';
import { findIdentifiers } from '../../src/claims/identifiers.ts';
import type { ScenarioResult } from '../../src/harness/run-scenario.ts';
import { firstStartScenario, idleScenario, otherMachineScenario } from '../../src/harness/scenarios.ts';
import type { WatchSettings } from '../../src/harness/watch.ts';
import { sealUnavailable } from '../../src/seal/namespace.ts';

// The leaky reference's start ping (fixtures/reference/extension/background.js, test switch
// `identifiers`) carries one value of each kind: an install id kept in its storage and sent from
// normal windows, a link id sent in every mode, a value its native messaging host derives from
// /etc/machine-id, a nonce, and an API key written in its own files. Three real Chromium passes:
// the first start of a fresh profile (restart, then a private launch on it), another fresh profile
// (idle), and a fresh profile as another machine.

const reference = DEFAULT_TARGETS.find((t) => t.id === 'reference') as TargetConfig;
const WATCH: WatchSettings = { quietMs: 3_000, minMs: 4_000, maxMs: 20_000 };

/** A copy of the reference's extension with only its start ping on, in `parent`. */
function referenceWithIdentifiers(parent: string): TargetConfig {
  const dir = join(parent, 'extension');
  cpSync(reference.extensions?.[0] as string, dir, { recursive: true });
  writeFileSync(
    join(dir, 'test-options.json'),
    JSON.stringify({ immediate: false, periodic: false, atStart: false, identifiers: true }),
  );
  return { ...reference, extensions: [dir] };
}

/** The values of one query field of the reference's start pings in a result's flows. */
function sent(result: ScenarioResult, field: string): string[] {
  return result.flows
    .filter((f) => f.request.url.startsWith('https://id.analytics.test/start'))
    .map((f) => new URL(f.request.url).searchParams.get(field))
    .filter((v): v is string => v !== null);
}

/** Runs the three passes and checks where each value came back and how it is classed. */
async function classedByWhereTheyComeBack(harness: Harness, target: TargetConfig): Promise<void> {
  const first = await harness.run(firstStartScenario, { target, mode: 'normal', watch: WATCH });
  const fresh = await harness.run(idleScenario, { target, mode: 'normal', watch: WATCH });
  const other = await harness.run(otherMachineScenario, { target, mode: 'normal', watch: WATCH });
  for (const r of [first, fresh, other]) expect(r.record.status, r.record.error).toBe('finished');
  expect(first.record.launches?.map((l) => `${l.mode}@${l.profile}`)).toEqual([
    'normal@0',
    'normal@0',
    'incognito@0',
  ]);
  expect(other.record.otherMachine?.hostname).toMatch(/^ph-other-/);

  // What the extension sent, read from the traffic itself (the test plants nothing in the flows).
  const [installId] = sent(first, 'iid');
  const [linkId] = sent(first, 'lid');
  const [deviceValue] = sent(first, 'did');
  const [apiKey] = sent(first, 'key');
  expect(installId && linkId && deviceValue && apiKey).toBeTruthy();
  expect(sent(fresh, 'did')).toContain(deviceValue);
  expect(sent(other, 'did').length).toBeGreaterThan(0);
  expect(sent(other, 'did')).not.toContain(deviceValue);
  expect(sent(other, 'key')).toContain(apiKey);

  const results = [first, fresh, other];
  const { identifiers, passes } = findIdentifiers(
    results.map((r) => r.record),
    results.flatMap((r) => r.flows),
  );
  expect(passes.get('reference')).toEqual({ restart: true, profile: true, mode: true, machine: true });
  const byValue = new Map(identifiers.map((i) => [i.value, i]));
  // Kept in the profile, sent at each normal start: survives a restart, not a fresh profile.
  expect(byValue.get(installId as string)).toMatchObject({ class: 'profile', survived: ['restart'] });
  // The same in the normal and the private launch of one profile.
  expect(byValue.get(linkId as string)?.class).toBe('linking');
  expect(byValue.get(linkId as string)?.survived).toEqual(expect.arrayContaining(['restart', 'mode']));
  // The same in two fresh profiles here, another value on another machine.
  expect(byValue.get(deviceValue as string)?.class).toBe('device-derived');
  expect(byValue.get(deviceValue as string)?.hosts).toEqual(['id.analytics.test']);
  // Neither the API key in the extension's files (sent on the other machine too) nor a nonce is listed.
  expect(byValue.has(apiKey as string)).toBe(false);
  for (const n of sent(first, 'n')) expect(byValue.has(n)).toBe(false);
}

test.describe('identifiers the browser makes up, by recurrence', () => {
  test.skip(sealUnavailable() !== undefined, `the other-machine pass needs a seal: ${sealUnavailable()}`);
  test.describe.configure({ timeout: 480_000 });

  test('each kind of value the reference makes up is classed by where it comes back', async ({ harness }) => {
    const copy = mkdtempSync(join(tmpdir(), 'phonehome-reference-'));
    try {
      await classedByWhereTheyComeBack(harness, referenceWithIdentifiers(copy));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
