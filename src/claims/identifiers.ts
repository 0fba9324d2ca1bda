import { flowHost } from '../capture/flow.ts';
import type { Flow, Mode } from '../model/flow.ts';
import type { Boundary, Identifier, LaunchRecord } from '../model/identifier.ts';
import type { ScenarioRecord } from '../model/run-record.ts';
import { linkableValues } from './linkable-values.ts';
import { registrableDomain } from './recipients.ts';

/**
 * Identifiers a browser makes up, found by recurrence (Leith, 2021): every high-entropy value a
 * target sent (src/claims/linkable-values.ts) is placed by the flow that carried it — which profile,
 * which launch of it, which mode, which machine — and a value sent again across one of those
 * boundaries is an identifier. What it survived decides what it is:
 *
 * - sent on another machine (another machine id, hostname and MAC) too: a build constant, not listed;
 * - sent in two fresh profiles on this machine: derived from the device, when the pass on another
 *   machine sent a different value in the same part to the same host; `unresolved` (with the reason)
 *   when that pass did not run or sent nothing there, since only it tells the two apart;
 * - sent in the normal and the private mode of one profile: linking the modes;
 * - sent again after a restart on the same profile: kept in the profile (an install or profile id);
 * - never sent again: a nonce, not listed.
 *
 * Values that cannot have been made up by the browser are left out: canaries, the build constants
 * found in the target's installed files (`buildConstants`), and whatever went to the fixture web
 * phonehome serves itself (its search engine, sites and tracker), whose pages it wrote.
 */

/** Shortest value looked at (the unlinkable-modes rule's default). */
export const IDENTIFIER_MIN_LENGTH = 8;

/** Registrable domains of the fixture web (src/harness/web/web-sink.ts serves them). */
const FIXTURE_WEB = new Set(['phonehome.test', 'site-a.test', 'site-b.test', 'tracker.test']);

/** Which passes of a target ran, so a verdict that needs one that did not can say so. */
export interface IdentifierPasses {
  /** A profile was started again after a close (a restart). */
  restart: boolean;
  /** Two or more fresh profiles ran on this machine. */
  profile: boolean;
  /** Both modes ran on one profile. */
  mode: boolean;
  /** A fresh profile ran on another machine (see src/seal, `otherMachine`). */
  machine: boolean;
}

export interface IdentifierResult {
  identifiers: Identifier[];
  /** By base target id. */
  passes: Map<string, IdentifierPasses>;
}

interface Sighting {
  flow: Flow;
  host: string;
  where: string;
  scenario: string;
  mode: Mode;
  /** `<target with mode>/<scenario>/<profile>`: one profile folder. */
  profile: string;
  /** Launch number within that profile, from 0. */
  launch: number;
  /** False for a launch that did not come up in its mode (LaunchRecord.failed): its mode is not known. */
  modeKnown: boolean;
  machine: 'host' | 'other';
}

/** The launches of a record in time order; a record written before launches were kept has one. */
function launchesOf(record: ScenarioRecord): LaunchRecord[] {
  if (record.launches && record.launches.length > 0) {
    return [...record.launches].sort((a, b) => a.at.localeCompare(b.at));
  }
  return [{ at: record.startedAt, mode: record.target.mode, profile: 0 }];
}

/** The launch a flow belongs to: the last one started before it. */
function launchOf(launches: LaunchRecord[], at: string): { launch: LaunchRecord; index: number } {
  let found = 0;
  for (const [i, l] of launches.entries()) if (l.at <= at) found = i;
  const launch = launches[found] as LaunchRecord;
  const index = launches.slice(0, found).filter((l) => l.profile === launch.profile).length;
  return { launch, index };
}

/** The passes a target's records hold. */
export function passesOf(records: ScenarioRecord[]): IdentifierPasses {
  const passes: IdentifierPasses = { restart: false, profile: false, mode: false, machine: false };
  let hostProfiles = 0;
  for (const r of records) {
    if (r.status === 'error') continue;
    if (r.otherMachine) {
      passes.machine = true;
      continue;
    }
    // A launch that did not come up in its mode crossed no boundary.
    const launches = launchesOf(r).filter((l) => !l.failed);
    const byProfile = new Map<number, LaunchRecord[]>();
    for (const l of launches) byProfile.set(l.profile, [...(byProfile.get(l.profile) ?? []), l]);
    hostProfiles += byProfile.size;
    for (const ls of byProfile.values()) {
      if (ls.length >= 2) passes.restart = true;
      if (new Set(ls.map((l) => l.mode)).size === 2) passes.mode = true;
    }
  }
  passes.profile = hostProfiles >= 2;
  return passes;
}

/** Whether a record launched its profile again after a close (it can show a restart). */
export function restartedOnProfile(record: ScenarioRecord): boolean {
  const launches = launchesOf(record).filter((l) => !l.failed);
  const last = launches.at(-1)?.profile ?? 0;
  return launches.filter((l) => l.profile === last).length >= 2;
}

/**
 * The identifiers in a run's records and flows (any number of targets), each with its class, and
 * which passes each target ran. Pure: reads only what it is given.
 */
export function findIdentifiers(
  records: ScenarioRecord[],
  flows: Flow[],
  minLength = IDENTIFIER_MIN_LENGTH,
): IdentifierResult {
  const recordOf = new Map(records.map((r) => [`${r.target.id}\u0000${r.scenario}`, r]));
  const excluded = new Map<string, Set<string>>();
  for (const r of records) {
    const set = excluded.get(r.target.base) ?? new Set<string>();
    for (const t of r.tokens) if (t.kind === 'canary') set.add(t.value);
    for (const c of r.buildConstants ?? []) set.add(c);
    excluded.set(r.target.base, set);
  }
  const launches = new Map(records.map((r) => [r, launchesOf(r)]));
  // By base target, then value.
  const sightings = new Map<string, Map<string, Sighting[]>>();
  // Host and part pairs in which the other machine sent some value: where a value could have shown.
  const otherReached = new Map<string, Set<string>>();
  const sorted = [...flows].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.seq - b.seq);
  for (const flow of sorted) {
    const r = recordOf.get(`${flow.target}\u0000${flow.scenario}`);
    if (!r) continue;
    const host = flowHost(flow);
    if (FIXTURE_WEB.has(registrableDomain(host))) continue;
    const base = r.target.base;
    const { launch, index } = launchOf(launches.get(r) ?? [], flow.startedAt);
    const machine = r.otherMachine ? 'other' : 'host';
    for (const v of linkableValues(flow, minLength)) {
      if (excluded.get(base)?.has(v.value)) continue;
      if (machine === 'other') {
        const reached = otherReached.get(base) ?? new Set<string>();
        reached.add(`${host}\u0000${v.where}`);
        otherReached.set(base, reached);
      }
      const byValue = sightings.get(base) ?? new Map<string, Sighting[]>();
      const list = byValue.get(v.value) ?? [];
      list.push({
        flow,
        host,
        where: v.where,
        scenario: r.scenario,
        mode: launch.mode,
        profile: `${r.target.id}/${r.scenario}/${launch.profile}`,
        launch: index,
        modeKnown: !launch.failed,
        machine,
      });
      byValue.set(v.value, list);
      sightings.set(base, byValue);
    }
  }

  const passes = new Map<string, IdentifierPasses>();
  for (const base of new Set(records.map((r) => r.target.base))) {
    passes.set(base, passesOf(records.filter((r) => r.target.base === base)));
  }
  const identifiers: Identifier[] = [];
  for (const [base, byValue] of sightings) {
    const targetPasses = passes.get(base);
    for (const [value, seen] of byValue) {
      const onHost = seen.filter((s) => s.machine === 'host');
      // Only on the other machine: that pass is a control, not a browser someone uses.
      if (onHost.length === 0) continue;
      // Sent on another machine too: the same for every install of this build.
      if (onHost.length < seen.length) continue;
      const survived = boundariesOf(onHost);
      if (survived.length === 0) continue;
      const first = onHost[0] as Sighting;
      const hosts = [...new Set(onHost.map((s) => s.host))].sort();
      const parts = [...new Set(onHost.map((s) => s.where))].sort();
      const identifier: Identifier = {
        value,
        target: base,
        class: 'profile',
        hosts,
        parts,
        firstSeen: {
          flow: first.flow.id,
          at: first.flow.startedAt,
          scenario: first.scenario,
          mode: first.mode,
        },
        survived,
        flows: [...new Set(onHost.map((s) => s.flow.id))],
      };
      if (survived.includes('profile')) {
        const reached = otherReached.get(base) ?? new Set<string>();
        const shown = onHost.some((s) => reached.has(`${s.host}\u0000${s.where}`));
        if (shown) identifier.class = 'device-derived';
        else {
          identifier.class = 'unresolved';
          identifier.reason = targetPasses?.machine
            ? `the pass on another machine sent no value in ${parts.join(', ')} to ${hosts.join(', ')}, so a value derived from this machine cannot be told from a build constant`
            : `no pass on another machine (another machine id, hostname and MAC) ran for ${base}, so a value derived from this machine cannot be told from a build constant`;
        }
      } else if (survived.includes('mode')) identifier.class = 'linking';
      identifiers.push(identifier);
    }
  }
  identifiers.sort(
    (a, b) => a.target.localeCompare(b.target) || a.firstSeen.at.localeCompare(b.firstSeen.at),
  );
  return { identifiers, passes };
}

/** The boundaries a value's sightings on this machine crossed. */
function boundariesOf(seen: Sighting[]): Boundary[] {
  const out: Boundary[] = [];
  const launchesByProfile = new Map<string, Set<number>>();
  const modesByProfile = new Map<string, Set<Mode>>();
  for (const s of seen) {
    launchesByProfile.set(s.profile, (launchesByProfile.get(s.profile) ?? new Set()).add(s.launch));
    modesByProfile.set(s.profile, (modesByProfile.get(s.profile) ?? new Set()).add(s.mode));
  }
  if ([...launchesByProfile.values()].some((l) => l.size >= 2)) out.push('restart');
  if (launchesByProfile.size >= 2) out.push('profile');
  // A launch that did not come up in its mode still restarted its profile, but says nothing of modes.
  if (new Set(seen.filter((s) => s.modeKnown).map((s) => s.mode)).size === 2) out.push('mode');
  return out;
}
