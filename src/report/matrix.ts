import type { CellRecord, ClaimRecord, RunRecord, TargetRecord } from '../model/run-record.ts';
import type { VerdictStatus } from '../model/verdict.ts';

/**
 * The claims × targets matrix as every renderer sees it: rows in the run's claim order, columns in
 * its target order, and a lookup of the cell for each pair (absent when the claim was not evaluated
 * on that target).
 */
export interface Matrix {
  claims: ClaimRecord[];
  targets: TargetRecord[];
  cell(claim: string, target: string): CellRecord | undefined;
  counts: Record<VerdictStatus, number>;
}

/** One symbol a status, shared by the terminal and Markdown renderers. */
export const STATUS_SYMBOL: Record<VerdictStatus | 'none', string> = {
  pass: '✔',
  fail: '✘',
  inconclusive: '?',
  error: '!',
  none: '—',
};

/** One word a status, for legends and alt text. */
export const STATUS_WORD: Record<VerdictStatus | 'none', string> = {
  pass: 'pass',
  fail: 'fail',
  inconclusive: 'inconclusive',
  error: 'error',
  none: 'not evaluated',
};

/**
 * Beside the symbol of a cell whose scenarios ran without a network seal (its reason says whether that
 * made it inconclusive or the risk was accepted with --accept-unsealed).
 */
export const UNSEALED_MARK = '*';

/** The cell's symbol, with the unsealed mark when it has one. */
export function cellSymbol(cell: CellRecord | undefined): string {
  if (!cell) return STATUS_SYMBOL.none;
  return `${STATUS_SYMBOL[cell.status]}${cell.unsealed ? UNSEALED_MARK : ''}`;
}

/** The legend line of the unsealed mark. */
export const UNSEALED_LEGEND = `${UNSEALED_MARK} not sealed: traffic around the proxy was not seen (inconclusive, or a verdict accepted with --accept-unsealed)`;

/** Order that ranks the worst outcome first when a summary must pick one. */
export const STATUS_ORDER: readonly VerdictStatus[] = ['fail', 'error', 'inconclusive', 'pass'];

/**
 * Builds the matrix of a run. Claims or targets that appear only in cells (a hand-edited or partial
 * run.json) are added at the end so no verdict is silently dropped.
 */
export function buildMatrix(run: RunRecord): Matrix {
  const claims = [...run.claims];
  const targets = [...run.targets];
  const claimIds = new Set(claims.map((c) => c.id));
  const targetIds = new Set(targets.map((t) => t.id));
  const byKey = new Map<string, CellRecord>();
  const counts: Record<VerdictStatus, number> = { pass: 0, fail: 0, inconclusive: 0, error: 0 };
  for (const cell of run.cells) {
    byKey.set(key(cell.claim, cell.target), cell);
    counts[cell.status] += 1;
    if (!claimIds.has(cell.claim)) {
      claimIds.add(cell.claim);
      claims.push({ id: cell.claim, says: cell.claim });
    }
    if (!targetIds.has(cell.target)) {
      targetIds.add(cell.target);
      const [base = cell.target, mode] = cell.target.split(':');
      targets.push({
        id: cell.target,
        name: base,
        engine: 'unknown',
        version: 'unknown',
        mode: mode === 'incognito' ? 'incognito' : 'normal',
        base,
      });
    }
  }
  return { claims, targets, counts, cell: (claim, target) => byKey.get(key(claim, target)) };
}

function key(claim: string, target: string): string {
  return `${claim}\u0000${target}`;
}

/** Column header text of a target: name, mode and version (and firmware when a device has one). */
export function targetLabel(t: TargetRecord): string {
  const firmware = t.firmware ? ` fw ${t.firmware}` : '';
  return `${t.name} (${t.mode}) ${t.version}${firmware}`;
}

/** One line summing up a run's verdicts, e.g. `3 pass · 1 fail · 0 inconclusive · 0 error`. */
export function countsLine(counts: Record<VerdictStatus, number>): string {
  return `${counts.pass} pass · ${counts.fail} fail · ${counts.inconclusive} inconclusive · ${counts.error} error`;
}
