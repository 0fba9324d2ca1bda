import type { Gap } from '../model/gap.ts';
import type { CellRecord, RunRecord } from '../model/run-record.ts';
import type { Evidence } from '../model/verdict.ts';
import { CLASS_WORDS, identifierTables } from './identifiers-table.ts';
import { maskRun } from './mask.ts';
import {
  buildMatrix,
  cellSymbol,
  claimBasis,
  countsLine,
  legendItems,
  type Matrix,
  STATUS_SYMBOL,
  STATUS_WORD,
  targetLabel,
  unsealedLegend,
} from './matrix.ts';
import { clip, inert, retriedLines } from './text.ts';
import { watchLines } from './watch-window.ts';

export interface MarkdownOptions {
  /** Evidence rows per failing cell; default 5. */
  evidencePerCell?: number;
  /** Phone-home rows shown, largest first; default 40. */
  phoneHomeRows?: number;
}

/**
 * Renders a run as GitHub-flavoured Markdown (summary.md, the GitHub step summary, PR comments):
 * header, the claims × targets matrix, failing cells with their evidence, inconclusive and error
 * reasons, the phone-home table and the gaps. Captured values are written as code spans and all
 * other text is escaped, so nothing from the wire becomes a link, a mention, HTML or table syntax.
 * Pure: never throws on a well-typed RunRecord.
 */
export function renderMarkdown(original: RunRecord, opts: MarkdownOptions = {}): string {
  // Published reports never show a device identifier in full.
  const run = maskRun(original);
  const m = buildMatrix(run);
  const perCell = opts.evidencePerCell ?? 5;
  const out: string[] = [];

  out.push(`# phonehome run ${md(run.runId)}`, '');
  out.push(
    `Commit ${code(run.commit, false)} · started ${md(run.startedAt)} · finished ${md(run.finishedAt)} · ` +
      `${md(run.machine.hostname)} (${md(run.machine.platform)}/${md(run.machine.arch)}, node ${md(run.machine.node)}) · ` +
      (run.sealed ? 'network sealed' : 'not network-sealed (bypass traffic not observable)'),
    '',
  );
  out.push(`**${countsLine(m.counts)}**`, '');

  out.push('## Matrix', '');
  out.push(`| Claim | ${m.targets.map((t) => md(targetLabel(t))).join(' | ')} |`);
  out.push(`| --- | ${m.targets.map(() => ':-:').join(' | ')} |`);
  for (const claim of m.claims) {
    const cells = m.targets.map((t) => {
      const cell = m.cell(claim.id, t.id);
      return `${cellSymbol(cell)} ${STATUS_WORD[cell?.status ?? 'none']}`;
    });
    out.push(`| ${code(claim.id)} ${md(claim.says)} | ${cells.join(' | ')} |`);
  }
  out.push('', legend(m), '');
  // Whose words each claim is: the vendor's quote and where it is, or a generic expectation.
  const based = m.claims.filter((c) => claimBasis(c));
  if (based.some((c) => c.quote || c.appliesTo)) {
    out.push('## Claims and whose words they are', '');
    for (const c of based) out.push(`- ${code(c.id, false)}: ${md(claimBasis(c))}`);
    out.push('');
  }
  const promised = run.targets.filter((t) => t.promise);
  if (promised.length > 0) {
    out.push('## In the browser’s own words: what its private mode promises', '');
    for (const t of promised) {
      out.push(
        `**${md(targetLabel(t))}** (${md(t.promise!.source)}, ${md(t.promise!.version)}, ${md(t.promise!.locale)}):`,
        '',
      );
      out.push(...t.promise!.text.split('\n').map((l) => `> ${md(l)}`), '');
    }
  }
  for (const line of unsealedLegend(run)) out.push(md(line), '');
  // A pass says nothing was seen in the windows watched: how long they were, per column.
  const watched = watchLines(run);
  if (watched.length > 0) {
    out.push('## Watched after the steps', '', ...watched.map((l) => `- ${md(l)}`), '');
  }

  const failing = run.cells.filter((c) => c.status === 'fail');
  if (failing.length > 0) {
    out.push('## Failing cells', '');
    for (const cell of failing) out.push(...failingCell(run, cell, perCell));
  }

  const unsure = run.cells.filter((c) => c.status === 'inconclusive' || c.status === 'error');
  if (unsure.length > 0) {
    out.push('## Inconclusive and error cells', '');
    for (const cell of unsure) {
      out.push(
        `- ${STATUS_SYMBOL[cell.status]} ${code(cell.claim, false)} × ${code(cell.target, false)}: ${md(clip(cell.reason, 400))}`,
      );
      if (cell.unsealed) out.push(`  ${md(clip(cell.unsealed.says, 400))}`);
    }
    out.push('');
  }

  // Passes that hold only for traffic through the proxy: the user accepted that with --accept-unsealed.
  const accepted = run.cells.filter((c) => c.status === 'pass' && c.unsealed);
  if (accepted.length > 0) {
    out.push('## Passes without a network seal (accepted with --accept-unsealed)', '');
    for (const cell of accepted) {
      out.push(
        `- ${cellSymbol(cell)} ${code(cell.claim, false)} × ${code(cell.target, false)}: ${md(clip(cell.unsealed?.says ?? '', 400))}`,
      );
    }
    out.push('');
  }

  const retried = retriedLines(run);
  if (retried.length > 0) {
    out.push('## Retried launches', '');
    for (const line of retried) out.push(`- ${md(line)}`);
    out.push('');
  }

  if (run.phoneHome.length > 0) {
    const limit = opts.phoneHomeRows ?? 40;
    const rows = [...run.phoneHome].sort((a, b) => b.bytes - a.bytes || b.requests - a.requests);
    out.push('## Phone-home', '');
    out.push('| Target | Scenario | Host | Requests | Bytes | Data classes |');
    out.push('| --- | --- | --- | --: | --: | --- |');
    for (const r of rows.slice(0, limit)) {
      const classes = r.dataClasses.length > 0 ? r.dataClasses.map((c) => code(c)).join(' ') : '—';
      out.push(
        `| ${code(r.target)} | ${code(r.scenario)} | ${code(r.host)} | ${r.requests} | ${r.bytes} | ${classes} |`,
      );
    }
    if (rows.length > limit) out.push('', `${rows.length - limit} more rows in run.json.`);
    out.push('');
  }

  out.push(...identifiersMarkdown(run));

  if (run.gaps.length > 0) {
    out.push('## Gaps', '', gapSummary(run.gaps), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** One table per browser of the identifiers it made up (values masked: `run` is the masked run). */
function identifiersMarkdown(run: RunRecord): string[] {
  const tables = identifierTables(run);
  if (tables.length === 0) return [];
  const out = ['## Identifiers the browsers made up', ''];
  for (const t of tables) {
    out.push(`### ${md(t.name)} (${code(t.target, false)})`, '');
    if (t.identifiers.length === 0) {
      out.push(
        t.missing.length > 0
          ? `None listed, but not shown to make none: ${md(t.missing.join('; '))}.`
          : 'None: no high-entropy value it sent came back after a restart, in a fresh profile or in the other mode.',
        '',
      );
      continue;
    }
    out.push(
      '| Value | Class | Survived | Sent to | In | First seen |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const i of t.identifiers) {
      const cls = `${CLASS_WORDS[i.class]}${i.reason ? `: ${i.reason}` : ''}`;
      out.push(
        `| ${code(i.value)} | ${md(cls)} | ${md(i.survived.join(', '))} | ${i.hosts.map((h) => code(h)).join(' ')} | ${i.parts.map((p) => code(p)).join(' ')} | ${md(`${i.firstSeen.scenario} (${i.firstSeen.mode}), ${i.firstSeen.at}`)} |`,
      );
    }
    if (t.missing.length > 0) out.push('', `Passes missing: ${md(t.missing.join('; '))}.`);
    out.push('');
  }
  return out;
}

function failingCell(run: RunRecord, cell: CellRecord, perCell: number): string[] {
  const says = run.claims.find((c) => c.id === cell.claim)?.says ?? cell.claim;
  const out = [
    `### ${STATUS_SYMBOL.fail} ${md(cell.claim)} × ${md(cell.target)}`,
    '',
    `> ${md(says)}`,
    '',
    md(clip(cell.reason, 600)),
    '',
    ...(cell.unsealed ? [md(clip(cell.unsealed.says, 400)), ''] : []),
  ];
  if (cell.evidence.length > 0) {
    out.push('| Flow | Host | Where | Chain | Token |', '| --- | --- | --- | --- | --- |');
    for (const ev of cell.evidence.slice(0, perCell)) out.push(evidenceRow(ev));
    const more = cell.evidence.length - perCell;
    if (more > 0) out.push('', `${more} more pieces of evidence in run.json.`);
    out.push('');
  }
  return out;
}

function evidenceRow(ev: Evidence): string {
  const chain = ev.chain.length > 0 ? ev.chain.map((s) => code(s)).join(' → ') : 'raw';
  const label = ev.label ? `${md(ev.label)} ` : '';
  return `| ${code(clip(ev.flow, 80))} | ${code(clip(ev.host, 80))} | ${code(clip(ev.where, 60))} | ${chain} | ${label}${code(clip(ev.token, 80))} |`;
}

function gapSummary(gaps: Gap[]): string {
  const byKind = new Map<string, number>();
  for (const g of gaps) byKind.set(g.kind, (byKind.get(g.kind) ?? 0) + 1);
  return [...byKind].map(([kind, n]) => `- ${code(kind, false)}: ${n}`).join('\n');
}

function legend(m: Matrix): string {
  return `Legend: ${legendItems(m).join(' · ')}`;
}

/**
 * Escapes text for Markdown prose or a table cell: HTML specials become entities and Markdown
 * punctuation is backslash-escaped, which also breaks GitHub's autolinks and @mentions.
 */
export function md(text: string): string {
  return inert(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]()#+\-.!|~{}@:]/g, (c) => `\\${c}`);
}

/**
 * Writes captured text as a code span: nothing inside is parsed as Markdown or HTML. The fence is
 * longer than any backtick run inside; in tables `|` is escaped because GFM splits table cells before
 * parsing code spans.
 */
export function code(text: string, inTable = true): string {
  const safe = inTable ? inert(text).replace(/\|/g, '\\|') : inert(text);
  if (safe.length === 0) return '` `';
  const longest = Math.max(0, ...(safe.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const padding = safe.startsWith('`') || safe.endsWith('`') || safe.startsWith(' ') ? ' ' : '';
  return `${fence}${padding}${safe}${padding}${fence}`;
}
