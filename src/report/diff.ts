import type { Gap, GapKind } from '../model/gap.ts';
import { type Identifier, survivesRestart } from '../model/identifier.ts';
import type { RunRecord, TargetRecord } from '../model/run-record.ts';
import type { DataClass } from '../model/token.ts';
import type { CellStatus } from '../model/verdict.ts';
import { inert } from './text.ts';

/** What got worse between two runs of the same target. */
export type RegressionKind =
  | 'newly-failing'
  | 'new-host'
  | 'new-data-class'
  | 'newly-opaque'
  | 'new-surviving-identifier';

/** One change between two runs, stated as a sentence plus the fields it is about. */
export interface Change {
  kind:
    | RegressionKind
    | 'newly-passing'
    | 'status-changed'
    | 'target-added'
    | 'target-removed'
    | 'promise-reworded'
    | 'identifiers-not-compared';
  /** Target key: base id and mode, e.g. `chromium:incognito` (versions and firmware may differ). */
  target: string;
  claim?: string;
  before?: CellStatus;
  after?: CellStatus;
  host?: string;
  dataClass?: DataClass;
  gapKind?: GapKind;
  /** The request part an identifier went in, for `new-surviving-identifier`. */
  part?: string;
  /** One plain sentence. */
  says: string;
}

export interface Regression extends Change {
  kind: RegressionKind;
}

export interface RunRef {
  runId: string;
  commit: string;
  startedAt: string;
}

/** A matched target: the same base id and mode in both runs, with the builds compared. */
export interface TargetPair {
  target: string;
  name: string;
  before: { version: string; firmware?: string };
  after: { version: string; firmware?: string };
}

export interface DiffResult {
  before: RunRef;
  after: RunRef;
  targets: TargetPair[];
  /** Anything here makes `phonehome diff` exit 1. */
  regressions: Regression[];
  /** Claims that pass now and did not before. */
  improvements: Change[];
  /** Other verdict changes (e.g. pass → inconclusive) and targets present in only one run. */
  changes: Change[];
}

/** One target matched across the two runs (`b` in the earlier, `a` in the later), and where changes go. */
interface TargetComparison {
  before: RunRecord;
  after: RunRecord;
  b: TargetRecord;
  a: TargetRecord;
  /** The target key, base id and mode. */
  key: string;
  out: DiffResult;
}

/**
 * Gap kinds that mean part of the traffic could not be read: a TLS session not opened, decoding
 * bounded, a request body not complete at close, captured flows lost before they were read.
 */
const OPAQUE_KINDS: readonly GapKind[] = ['tls-opaque', 'decode-bound', 'still-sending', 'capture-lost'];

/**
 * Compares two runs target by target. Targets are matched by base id and mode (so a new browser
 * version or firmware is compared with the last one). Regressions: a claim that fails now and did
 * not fail before; a host the target now sends to that it did not before; a data class it now sends
 * that it did not before; a host whose flows are newly opaque (TLS not opened, decoding bounded).
 * Targets present in only one run are listed as changes, not regressions. Pure.
 */
export function diffRuns(before: RunRecord, after: RunRecord): DiffResult {
  const beforeTargets = byKey(before.targets);
  const afterTargets = byKey(after.targets);
  const result: DiffResult = {
    before: ref(before),
    after: ref(after),
    targets: [],
    regressions: [],
    improvements: [],
    changes: [],
  };

  for (const key of beforeTargets.keys()) {
    if (!afterTargets.has(key)) {
      result.changes.push({ kind: 'target-removed', target: key, says: `${key} is not in the later run.` });
    }
  }
  for (const [key, a] of afterTargets) {
    const b = beforeTargets.get(key);
    if (!b) {
      result.changes.push({ kind: 'target-added', target: key, says: `${key} is new in the later run.` });
      continue;
    }
    result.targets.push({
      target: key,
      name: a.name,
      before: build(b),
      after: build(a),
    });
    const pair: TargetComparison = { before, after, b, a, key, out: result };
    compareCells(pair);
    comparePromise(pair);
    compareRecipients(pair);
    compareOpaque(pair);
  }
  // Identifiers belong to the browser, not to one of its modes: compared once per base target.
  const bases = new Set(
    [...afterTargets.values()].filter((t) => beforeTargets.has(`${t.base}:${t.mode}`)).map((t) => t.base),
  );
  for (const base of bases) compareIdentifiers(before, after, base, result);
  return result;
}

/**
 * An identifier that survives a restart (src/model/identifier.ts, `survivesRestart`) sent in a request
 * part to hosts where the earlier run had none is a regression. Values differ from run to run (a
 * profile id is made anew in each fresh profile), so identifiers are matched by where they went.
 */
function compareIdentifiers(before: RunRecord, after: RunRecord, base: string, out: DiffResult): void {
  const now = (after.identifiers ?? []).filter((i) => i.target === base && survivesRestart(i));
  if (now.length === 0) return;
  if (!before.identifiers) {
    out.changes.push({
      kind: 'identifiers-not-compared',
      target: base,
      says: `${base} sends ${now.length} identifier${now.length === 1 ? '' : 's'} that survive a restart; the earlier run looked for none (its run.json has no identifiers), so they are not compared.`,
    });
    return;
  }
  const where = (i: Identifier): string[] =>
    i.parts.flatMap((p) => i.hosts.map((h) => `${h.toLowerCase()} ${p}`));
  const old = new Set(
    before.identifiers.filter((i) => i.target === base && survivesRestart(i)).flatMap(where),
  );
  for (const i of now) {
    if (where(i).some((w) => old.has(w))) continue;
    out.regressions.push({
      kind: 'new-surviving-identifier',
      target: base,
      host: i.hosts[0],
      part: i.parts[0],
      says: `${base} now sends an identifier that survives ${i.survived.join(' and ')} (${i.class}) in ${i.parts.join(', ')} to ${i.hosts.join(', ')}.`,
    });
  }
}

/**
 * The browser's own words about its private mode, compared line by line: a reworded promise is a
 * change of its own (a promise read in only one of the runs is not: it says nothing of the words).
 */
function comparePromise({ b, a, key, out }: TargetComparison): void {
  if (!b.promise || !a.promise || b.promise.text === a.promise.text) return;
  const was = new Set(b.promise.text.split('\n'));
  const now = new Set(a.promise.text.split('\n'));
  const gone = [...was].filter((l) => !now.has(l));
  const added = [...now].filter((l) => !was.has(l));
  const lines = [
    ...gone.map((l) => `no longer says “${inert(l)}”`),
    ...added.map((l) => `now says “${inert(l)}”`),
  ];
  out.changes.push({
    kind: 'promise-reworded',
    target: key,
    says: `${key}'s own promise (${a.promise.source}, ${a.promise.version}) was reworded: ${lines.join('; ')}.`,
  });
}

function compareCells({ before, after, b, a, key, out }: TargetComparison): void {
  const old = new Map(before.cells.filter((c) => c.target === b.id).map((c) => [c.claim, c.status]));
  for (const cell of after.cells.filter((c) => c.target === a.id)) {
    const was = old.get(cell.claim);
    if (was === cell.status) continue;
    // Before @3 a claim that did not apply left no cell: absent and not applicable say the same.
    if (was === undefined && cell.status === 'not-applicable') continue;
    const from = was === undefined ? 'not evaluated' : was === 'not-applicable' ? 'not applicable' : was;
    const base = { target: key, claim: cell.claim, before: was, after: cell.status };
    if (cell.status === 'fail') {
      out.regressions.push({
        ...base,
        kind: 'newly-failing',
        says: `${cell.claim} now fails on ${key} (was ${from}): ${cell.reason}`,
      });
    } else if (cell.status === 'pass') {
      out.improvements.push({
        ...base,
        kind: 'newly-passing',
        says: `${cell.claim} now passes on ${key} (was ${from}).`,
      });
    } else if (was !== undefined) {
      // A claim that no longer applies is a change (its verdict is gone), never an improvement.
      out.changes.push({
        ...base,
        kind: 'status-changed',
        says: `${cell.claim} on ${key} went from ${from} to ${cell.status === 'not-applicable' ? 'not applicable' : cell.status}: ${cell.reason}`,
      });
    }
  }
}

function compareRecipients({ before, after, b, a, key, out }: TargetComparison): void {
  const oldRows = before.phoneHome.filter((r) => r.target === b.id);
  const newRows = after.phoneHome.filter((r) => r.target === a.id);
  const oldHosts = new Set(oldRows.map((r) => r.host.toLowerCase()));
  const oldClasses = new Set(oldRows.flatMap((r) => r.dataClasses));

  const newHosts = new Map<string, Set<DataClass>>();
  const newClasses = new Map<DataClass, Set<string>>();
  for (const row of newRows) {
    const host = row.host.toLowerCase();
    if (!oldHosts.has(host)) {
      const classes = newHosts.get(host) ?? new Set<DataClass>();
      for (const c of row.dataClasses) classes.add(c);
      newHosts.set(host, classes);
    }
    for (const c of row.dataClasses) {
      if (oldClasses.has(c)) continue;
      const hosts = newClasses.get(c) ?? new Set<string>();
      hosts.add(host);
      newClasses.set(c, hosts);
    }
  }
  for (const [host, classes] of newHosts) {
    const what = classes.size > 0 ? ` and sends it ${[...classes].join(', ')}` : '';
    out.regressions.push({
      kind: 'new-host',
      target: key,
      host,
      says: `${key} now talks to ${host}${what}.`,
    });
  }
  for (const [dataClass, hosts] of newClasses) {
    out.regressions.push({
      kind: 'new-data-class',
      target: key,
      dataClass,
      host: [...hosts].sort()[0],
      says: `${key} now sends ${dataClass} (to ${[...hosts].sort().join(', ')}).`,
    });
  }
}

function compareOpaque({ before, after, b, a, key, out }: TargetComparison): void {
  const opaque = (run: RunRecord, id: string): Gap[] =>
    run.gaps.filter((g) => g.target === id && OPAQUE_KINDS.includes(g.kind));
  // Flow ids differ between runs, so opaque traffic is matched by kind and host (scenario when no host).
  const gapKey = (g: Gap): string => `${g.kind} ${g.host?.toLowerCase() ?? `scenario ${g.scenario ?? '?'}`}`;
  const old = new Set(opaque(before, b.id).map(gapKey));
  const seen = new Set<string>();
  for (const gap of opaque(after, a.id)) {
    const k = gapKey(gap);
    if (old.has(k) || seen.has(k)) continue;
    seen.add(k);
    const where = gap.host ?? `the ${gap.scenario ?? 'unknown'} scenario`;
    out.regressions.push({
      kind: 'newly-opaque',
      target: key,
      gapKind: gap.kind,
      host: gap.host,
      says: `${key} has newly opaque traffic (${gap.kind}) to ${where}: ${gap.reason}`,
    });
  }
}

function byKey(targets: TargetRecord[]): Map<string, TargetRecord> {
  return new Map(targets.map((t) => [`${t.base}:${t.mode}`, t]));
}

function ref(run: RunRecord): RunRef {
  return { runId: run.runId, commit: run.commit, startedAt: run.startedAt };
}

function build(t: TargetRecord): { version: string; firmware?: string } {
  return t.firmware ? { version: t.version, firmware: t.firmware } : { version: t.version };
}

/**
 * Renders a diff for a terminal or a log: the runs compared, the builds per target, then
 * regressions, improvements and other changes, one sentence a line. Captured text is made inert.
 */
export function renderDiff(diff: DiffResult): string {
  const lines: string[] = [];
  const run = (r: RunRef): string => `${r.runId} (commit ${r.commit.slice(0, 12)}, ${r.startedAt})`;
  lines.push(`phonehome diff: ${run(diff.before)} → ${run(diff.after)}`, '');
  for (const t of diff.targets) {
    const fw = (x: { firmware?: string }): string => (x.firmware ? ` fw ${x.firmware}` : '');
    const same = t.before.version === t.after.version && t.before.firmware === t.after.firmware;
    lines.push(
      `  ${t.target}: ${t.before.version}${fw(t.before)}${same ? ' (same build)' : ` → ${t.after.version}${fw(t.after)}`}`,
    );
  }
  const section = (title: string, mark: string, items: Change[]): void => {
    if (items.length === 0) return;
    lines.push('', `${title} (${items.length})`);
    for (const c of items) lines.push(`  ${mark} [${c.kind}] ${c.says}`);
  };
  section('Regressions', '✘', diff.regressions);
  section('Improvements', '✔', diff.improvements);
  section('Other changes', '•', diff.changes);
  lines.push(
    '',
    diff.regressions.length > 0
      ? `${diff.regressions.length} regression${diff.regressions.length === 1 ? '' : 's'}.`
      : 'No regressions.',
  );
  return `${lines.map(inert).join('\n')}\n`;
}
