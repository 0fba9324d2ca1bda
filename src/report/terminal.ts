import { styleText } from 'node:util';
import type { CellRecord, RunRecord, TargetRecord } from '../model/run-record.ts';
import type { CellStatus, Evidence } from '../model/verdict.ts';
import {
  buildMatrix,
  cellSymbol,
  countsLine,
  legendItems,
  type Matrix,
  STATUS_SYMBOL,
  unsealedLegend,
} from './matrix.ts';
import { clip, inert, pad, retriedLines, width } from './text.ts';
import { watchLines } from './watch-window.ts';

export interface TerminalOptions {
  /** ANSI colours; default off (pass `process.stdout.isTTY` from the caller). */
  color?: boolean;
  /** Evidence lines shown per failing cell before "+N more"; default 3. */
  evidencePerCell?: number;
}

const COLUMN_MAX = 22;
const CLAIM_MAX = 40;

type Style = Parameters<typeof styleText>[0];
const STATUS_STYLE: Record<CellStatus | 'none', Style> = {
  pass: 'green',
  fail: ['red', 'bold'],
  inconclusive: 'yellow',
  error: 'magenta',
  'not-applicable': 'gray',
  none: 'gray',
};

/**
 * Renders the claims × targets matrix of a run for a terminal: one row a claim, one column a target
 * (header lines: name, mode, version), ✔ pass / ✘ fail / ? inconclusive / ! error / ○ not applicable /
 * — no cell; then
 * the evidence of failing cells (flow, host, where, chain, token), the reasons of inconclusive and
 * error cells, and a legend. Captured text is made inert (no control characters reach the terminal).
 * Pure: never throws on a well-typed RunRecord.
 */
export function renderTerminalMatrix(run: RunRecord, opts: TerminalOptions = {}): string {
  const paint = (style: Style, text: string): string =>
    opts.color ? styleText(style, text, { validateStream: false }) : text;
  const m = buildMatrix(run);
  const perCell = opts.evidencePerCell ?? 3;

  const claimCol = Math.max(5, ...m.claims.map((c) => width(clip(inert(c.id), CLAIM_MAX))));
  const headers = m.targets.map(headerLines);
  const colWidths = headers.map((lines) => Math.max(1, ...lines.map(width)));
  const headerHeight = Math.max(0, ...headers.map((h) => h.length));

  const out: string[] = [];
  out.push(
    `phonehome run ${inert(run.runId)} · commit ${inert(run.commit.slice(0, 12))} · ${inert(run.startedAt)}`,
  );
  out.push('');
  for (let i = 0; i < headerHeight; i++) {
    const label = i === headerHeight - 1 ? 'claim' : '';
    const cols = headers.map((h, j) => pad(h[i] ?? '', colWidths[j] ?? 1, 'center'));
    out.push(`${pad(label, claimCol)} │ ${cols.join(' │ ')}`);
  }
  out.push(`${'─'.repeat(claimCol)}─┼─${colWidths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const claim of m.claims) {
    const cols = m.targets.map((t, j) => {
      const cell = m.cell(claim.id, t.id);
      const status = cell?.status ?? 'none';
      return paint(STATUS_STYLE[status], pad(cellSymbol(cell), colWidths[j] ?? 1, 'center'));
    });
    out.push(`${pad(clip(inert(claim.id), CLAIM_MAX), claimCol)} │ ${cols.join(' │ ')}`);
  }
  out.push('');
  out.push(countsLine(m.counts));
  // A pass says nothing was seen in the windows watched: how long they were, per column.
  const watched = watchLines(run);
  if (watched.length > 0) {
    out.push('', paint('bold', 'Watched after the steps'));
    for (const line of watched) out.push(`  ${clip(inert(line), 240)}`);
  }

  const failing = run.cells.filter((c) => c.status === 'fail');
  if (failing.length > 0) {
    out.push('', paint(['red', 'bold'], 'Failing cells'));
    for (const cell of failing) {
      out.push(...cellBlock(cell, claimSays(run, cell.claim), perCell, paint));
    }
  }
  const unsure = run.cells.filter((c) => c.status === 'inconclusive' || c.status === 'error');
  if (unsure.length > 0) {
    out.push('', paint('yellow', 'Inconclusive and error cells'));
    for (const cell of unsure) {
      const sym = paint(STATUS_STYLE[cell.status], STATUS_SYMBOL[cell.status]);
      out.push(`  ${sym} ${inert(cell.claim)} × ${inert(cell.target)}: ${clip(inert(cell.reason), 200)}`);
      if (cell.unsealed) out.push(`      ${clip(inert(cell.unsealed.says), 300)}`);
    }
  }
  // Passes that hold only for traffic through the proxy: the user accepted that with --accept-unsealed.
  const accepted = run.cells.filter((c) => c.status === 'pass' && c.unsealed);
  if (accepted.length > 0) {
    out.push('', paint('yellow', 'Passes without a network seal (accepted with --accept-unsealed)'));
    for (const cell of accepted) {
      out.push(
        `  ${paint(STATUS_STYLE.pass, cellSymbol(cell))} ${inert(cell.claim)} × ${inert(cell.target)}`,
      );
      out.push(`      ${clip(inert(cell.unsealed?.says ?? ''), 300)}`);
    }
  }
  const retried = retriedLines(run);
  if (retried.length > 0) {
    out.push('', paint('yellow', 'Retried launches'));
    for (const line of retried) out.push(`  ${clip(inert(line), 300)}`);
  }
  out.push(...ownTraffic(run));
  out.push('', legend(paint, m));
  out.push(...unsealedLegend(run));
  return `${out.join('\n')}\n`;
}

/**
 * What each real browser sent by itself: the idle scenario's hosts (launched, left alone, closed),
 * with requests, bytes and the data classes found. The reference target is left out: its leak is
 * what the user does, already in the failing cells. The full table (every scenario) is in the
 * HTML and Markdown reports.
 */
function ownTraffic(run: RunRecord): string[] {
  const reference = new Set(run.targets.filter((t) => t.reference).map((t) => t.id));
  const rows = run.phoneHome
    .filter((r) => r.scenario === 'idle' && !reference.has(r.target))
    .sort((a, b) => a.target.localeCompare(b.target) || b.requests - a.requests || b.bytes - a.bytes);
  if (rows.length === 0) return [];
  const targetCol = Math.max(...rows.map((r) => width(inert(r.target))));
  const hostCol = Math.max(...rows.map((r) => width(clip(inert(r.host), 48))));
  const out = ['', 'What each browser sent by itself (idle: launched, left alone, closed)'];
  let previous = '';
  for (const r of rows) {
    const target = r.target === previous ? '' : inert(r.target);
    previous = r.target;
    const classes = r.dataClasses.length > 0 ? `  ${r.dataClasses.join(', ')}` : '';
    out.push(
      `  ${pad(target, targetCol)}  ${pad(clip(inert(r.host), 48), hostCol)}  ${String(r.requests).padStart(3)} req  ${String(r.bytes).padStart(6)} B${classes}`,
    );
  }
  return out;
}

function headerLines(t: TargetRecord): string[] {
  const lines = [t.name, t.mode, t.version];
  if (t.firmware) lines.push(`fw ${t.firmware}`);
  return lines.map((l) => clip(inert(l), COLUMN_MAX));
}

function claimSays(run: RunRecord, id: string): string {
  return run.claims.find((c) => c.id === id)?.says ?? id;
}

function cellBlock(
  cell: CellRecord,
  says: string,
  perCell: number,
  paint: (s: Style, t: string) => string,
): string[] {
  const lines = [
    `  ${paint(['red', 'bold'], STATUS_SYMBOL.fail)} ${inert(cell.claim)} × ${inert(cell.target)} — ${inert(says)}`,
    `    ${clip(inert(cell.reason), 300)}`,
  ];
  if (cell.unsealed) lines.push(`    ${clip(inert(cell.unsealed.says), 300)}`);
  for (const ev of cell.evidence.slice(0, perCell)) lines.push(`    • ${evidenceLine(ev)}`);
  const more = cell.evidence.length - perCell;
  if (more > 0) lines.push(`    • +${more} more`);
  return lines;
}

/** One line of evidence: flow, host, where, chain and token, all inert and clipped. */
export function evidenceLine(ev: Evidence): string {
  const chain = ev.chain.length > 0 ? ev.chain.join(' → ') : 'raw';
  const label = ev.label ? `${ev.label} ` : '';
  return [
    `flow ${clip(inert(ev.flow), 60)}`,
    `host ${clip(inert(ev.host), 60)}`,
    `where ${clip(inert(ev.where), 40)}`,
    `chain ${clip(inert(chain), 80)}`,
    `token ${label}"${clip(inert(ev.token), 60)}"`,
  ].join(' · ');
}

function legend(paint: (s: Style, t: string) => string, m: Matrix): string {
  return `Legend: ${legendItems(m, (s, glyph) => paint(STATUS_STYLE[s], glyph)).join('  ')}`;
}
