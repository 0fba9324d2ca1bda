import type { Flow } from '../model/flow.ts';
import type { ScenarioRecord, TargetRecord } from '../model/run-record.ts';

/**
 * Everything one cell (claim × target with mode) is judged on, and what assertions look at: one
 * target (with its mode) of a run, the scenario records of its base target in both modes and their
 * flows. `evaluate` takes it.
 */
export interface RunView {
  /** The cell's target (id includes the mode). */
  target: TargetRecord;
  /** All scenario records of the same base target, both modes, with findings, gaps, recipients and status. */
  records: ScenarioRecord[];
  /** All flows of those records. */
  flows: Flow[];
  /**
   * False: treat every scenario as unsealed, whatever its record says. Otherwise each record's own
   * `sealed` (and `not-sealed` gaps) decide, so one unsealed record (an Android run) changes only the
   * cells of its own target.
   */
  sealed?: boolean;
  /**
   * The user accepts the risk of unsealed scenarios (`--accept-unsealed`): claims that need to see all
   * traffic get a verdict on them anyway, and its reason says that traffic around the proxy was not seen.
   */
  acceptUnsealed?: boolean;
}

export interface RunViewOptions {
  /** Target id with mode, e.g. `chromium:incognito`; needed when the records hold several. */
  target?: string;
  /** False: treat every scenario as unsealed; default: each record's own `sealed` decides. */
  sealed?: boolean;
  /** Give verdicts on unsealed scenarios anyway, saying so (`--accept-unsealed`). */
  acceptUnsealed?: boolean;
}

/**
 * Build a RunView from scenario records and their flows. Throws when the records are empty or hold
 * several targets and `target` does not pick one (the message lists the target ids there are).
 */
export function runView(records: ScenarioRecord[], flows: Flow[], options: RunViewOptions = {}): RunView {
  const targets = new Map<string, TargetRecord>();
  for (const r of records) if (!targets.has(r.target.id)) targets.set(r.target.id, r.target);
  const ids = [...targets.keys()].sort();
  const wanted = options.target ?? (ids.length === 1 ? ids[0] : undefined);
  const target = wanted === undefined ? undefined : targets.get(wanted);
  if (!target) {
    const known = ids.length > 0 ? ids.join(', ') : 'none (no scenario records)';
    throw new Error(
      wanted === undefined
        ? `runView: the records hold several targets; pass { target } with one of: ${known}`
        : `runView: unknown target "${wanted}"; targets in these records: ${known}`,
    );
  }
  const related = records.filter((r) => r.target.base === target.base);
  const keys = new Set(related.map((r) => `${r.target.id}\u0000${r.scenario}`));
  return {
    target,
    records: related,
    flows: flows.filter((f) => keys.has(`${f.target}\u0000${f.scenario}`)),
    ...(options.sealed !== undefined ? { sealed: options.sealed } : {}),
    ...(options.acceptUnsealed ? { acceptUnsealed: true } : {}),
  };
}

/** The same view for the other mode of the same base target (for comparing modes). */
export function otherMode(view: RunView): RunView {
  const mode = view.target.mode === 'normal' ? 'incognito' : 'normal';
  const target = view.records.find((r) => r.target.mode === mode)?.target;
  if (!target) throw new Error(`otherMode: no ${mode}-mode records of ${view.target.base}`);
  return { ...view, target };
}
