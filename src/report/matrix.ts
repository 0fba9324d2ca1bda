import type { CellRecord, ClaimRecord, RunRecord, TargetRecord } from '../model/run-record.ts';
import type { CellStatus } from '../model/verdict.ts';

/**
 * The claims × targets matrix as every renderer sees it: rows in the run's claim order, columns in
 * its target order, and a lookup of the cell for each pair (absent when the claim was not evaluated
 * on that target).
 */
export interface Matrix {
  claims: ClaimRecord[];
  targets: TargetRecord[];
  cell(claim: string, target: string): CellRecord | undefined;
  counts: Record<CellStatus, number>;
}

/** One symbol a status, shared by the terminal and Markdown renderers. */
export const STATUS_SYMBOL: Record<CellStatus | 'none', string> = {
  pass: '✔',
  fail: '✘',
  inconclusive: '?',
  error: '!',
  'not-applicable': '○',
  none: '—',
};

/** One word a status, for legends and alt text. */
export const STATUS_WORD: Record<CellStatus | 'none', string> = {
  pass: 'pass',
  fail: 'fail',
  inconclusive: 'inconclusive',
  error: 'error',
  'not-applicable': 'not applicable',
  none: 'not evaluated',
};

/**
 * The statuses a legend lists, in order: `not-applicable` only where the run has such cells (runs
 * before @3 have none), and `none` for a pair with no cell at all.
 */
export function legendStatuses(m: Pick<Matrix, 'counts'>): (CellStatus | 'none')[] {
  return [
    'pass',
    'fail',
    'inconclusive',
    'error',
    ...(m.counts['not-applicable'] > 0 ? (['not-applicable'] as const) : []),
    'none',
  ];
}

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

/**
 * The legend's entries in order (legendStatuses), each a status's symbol and its word; `symbol`
 * draws the symbol in the renderer's own way (colour, markup), by default as it is.
 */
export function legendItems(
  m: Pick<Matrix, 'counts'>,
  symbol: (status: CellStatus | 'none', glyph: string) => string = (_status, glyph) => glyph,
): string[] {
  return legendStatuses(m).map((s) => `${symbol(s, STATUS_SYMBOL[s])} ${STATUS_WORD[s]}`);
}

/** The legend line of the unsealed mark when a cell of the run carries it; none otherwise. */
export function unsealedLegend(run: Pick<RunRecord, 'cells'>): string[] {
  return run.cells.some((c) => c.unsealed) ? [UNSEALED_LEGEND] : [];
}

/** Order that ranks the worst outcome first when a summary must pick one. */
export const STATUS_ORDER: readonly CellStatus[] = [
  'fail',
  'error',
  'inconclusive',
  'pass',
  'not-applicable',
];

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
  const counts = emptyCounts();
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

/** A count of zero for every cell status. */
export function emptyCounts(): Record<CellStatus, number> {
  return { pass: 0, fail: 0, inconclusive: 0, error: 0, 'not-applicable': 0 };
}

/**
 * One line summing up a run's verdicts, e.g. `3 pass · 1 fail · 0 inconclusive · 0 error`, and
 * `· 4 not applicable` when there are such cells (runs before @3 have none).
 */
export function countsLine(counts: Record<CellStatus, number>): string {
  const na = counts['not-applicable'] > 0 ? ` · ${counts['not-applicable']} not applicable` : '';
  return `${counts.pass} pass · ${counts.fail} fail · ${counts.inconclusive} inconclusive · ${counts.error} error${na}`;
}

/**
 * Whose words a claim is, in one sentence for reports: the vendor's quote and where it is, or that
 * it is a generic claim (what users expect; no vendor quoted), and which targets it is about.
 */
export function claimBasis(claim: ClaimRecord): string {
  const scope = claim.appliesTo ? ` Applies to ${appliesToWords(claim.appliesTo)} only.` : '';
  if (claim.quote)
    return `The vendor says: “${claim.quote}” (${claim.source ?? 'source not given'}).${scope}`;
  if (claim.generic) return `Generic claim: what users expect; no vendor’s words are quoted.${scope}`;
  return claim.source ? `Source: ${claim.source}.${scope}` : scope.trim();
}

function appliesToWords(a: NonNullable<ClaimRecord['appliesTo']>): string {
  const parts = [
    ...(a.targets?.length
      ? [`${a.targets.length === 1 ? 'target' : 'targets'} ${a.targets.join(', ')}`]
      : []),
    ...(a.engines?.length
      ? [`${a.engines.length === 1 ? 'engine' : 'engines'} ${a.engines.join(', ')}`]
      : []),
  ];
  return parts.join(' and ') || 'no target';
}
