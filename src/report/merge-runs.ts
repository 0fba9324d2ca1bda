import { RUN_SCHEMA, type RunPart, type RunRecord } from '../model/run-record.ts';

/** Where a merged part's flow logs go inside the merged run folder: `parts/<runId>/`. */
export function partDir(runId: string): string {
  return `parts/${runId}`;
}

/** Runs that cannot become one: names the run at fault and its field (the caller adds the file). */
export class MergeError extends Error {
  constructor(
    readonly runId: string,
    readonly field: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'MergeError';
  }
}

/**
 * One run from finished runs of different targets: the nightly's desktop matrix (merged from its
 * shards) and its Android emulator job. Each part's cells were judged where it ran (a claim compares
 * only a target's own modes, so no verdict needs another part's flows) and are kept as they are; a
 * target in two parts is refused, since its cells would then disagree. Run id, commit and machine
 * are the first run's; every part is listed in `parts`; the others' flow logs are named under
 * `parts/<runId>/`, where the caller copies them.
 * @throws MergeError when two runs share a target id or a run id.
 */
export function mergeRuns(base: RunRecord, others: readonly RunRecord[]): RunRecord {
  const owner = new Map<string, string>();
  const runIds = new Set<string>();
  for (const run of [base, ...others]) {
    if (runIds.has(run.runId)) {
      throw new MergeError(run.runId, 'runId', `run ${run.runId} is given twice`);
    }
    runIds.add(run.runId);
    for (const target of run.targets) {
      const earlier = owner.get(target.id);
      if (earlier !== undefined) {
        throw new MergeError(
          run.runId,
          `targets[${run.targets.indexOf(target)}].id`,
          `target ${target.id} is in run ${earlier} and in run ${run.runId}; merged runs must cover different targets`,
        );
      }
      owner.set(target.id, run.runId);
    }
  }
  const claims = new Map(base.claims.map((c) => [c.id, c]));
  for (const run of others) for (const c of run.claims) if (!claims.has(c.id)) claims.set(c.id, c);
  const all = [base, ...others];
  const prefixed = (run: RunRecord, path: string) => (run === base ? path : `${partDir(run.runId)}/${path}`);
  const sha256: Record<string, string> = {};
  for (const run of all) {
    for (const [path, hash] of Object.entries(run.files.sha256 ?? {})) sha256[prefixed(run, path)] = hash;
  }
  const earliest = all.map((r) => r.startedAt).sort()[0] ?? base.startedAt;
  const latest =
    all
      .map((r) => r.finishedAt)
      .sort()
      .at(-1) ?? base.finishedAt;
  const acceptUnsealed = all.some((r) => r.acceptUnsealed);
  const interrupted = all.some((r) => r.interrupted);
  const deviceFindings = all.flatMap((r) => r.deviceFindings ?? []);
  return {
    ...base,
    schema: RUN_SCHEMA,
    startedAt: earliest,
    finishedAt: latest,
    sealed: all.every((r) => r.sealed),
    ...(acceptUnsealed ? { acceptUnsealed: true } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    targets: all.flatMap((r) => r.targets),
    claims: [...claims.values()],
    cells: all.flatMap((r) => r.cells),
    scenarios: all.flatMap((r) => r.scenarios),
    gaps: all.flatMap((r) => r.gaps),
    phoneHome: all.flatMap((r) => r.phoneHome),
    findings: all.flatMap((r) => r.findings),
    ...(deviceFindings.length > 0 || base.deviceFindings ? { deviceFindings } : {}),
    files: {
      ...base.files,
      flows: all.flatMap((r) => r.files.flows.map((f) => prefixed(r, f))),
      ...(Object.keys(sha256).length > 0 ? { sha256 } : {}),
    },
    parts: [...(base.parts ?? [partOf(base)]), ...others.flatMap((r) => r.parts ?? [partOf(r)])],
  };
}

/** A run as one part of a merged run: where and when it ran, and its targets. */
function partOf(run: RunRecord): RunPart {
  return {
    runId: run.runId,
    commit: run.commit,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    machine: run.machine,
    targets: run.targets.map((t) => t.id),
  };
}
