import type { CellRecord, RunRecord, TargetRecord } from '../model/run-record.ts';
import type { CellStatus } from '../model/verdict.ts';
import { maskRun } from './mask.ts';
import { buildMatrix, emptyCounts, targetLabel } from './matrix.ts';
import { evidenceLine } from './terminal.ts';

/**
 * Renders a run as JUnit XML for CI: one <testsuite> per target (with mode), one <testcase> per
 * claim × target cell. fail → <failure> (reason and evidence), inconclusive → <skipped> with the
 * reason, error → <error>, not applicable (@3) → <skipped> whose message starts `not applicable:`
 * (counted as skipped, never as a pass). A pair with no cell (runs before @3) gets no test case. All text is XML-escaped and characters XML 1.0 cannot carry are written as `\uXXXX`. Pure.
 */
export function renderJunit(original: RunRecord): string {
  // Published reports never show a device identifier in full.
  const run = maskRun(original);
  const m = buildMatrix(run);
  const says = new Map(m.claims.map((c) => [c.id, c.says]));
  const seconds = durationSeconds(run.startedAt, run.finishedAt);
  const suites = m.targets.map((t) =>
    suite(
      run,
      t,
      run.cells.filter((c) => c.target === t.id),
      says,
    ),
  );
  const total = count(run.cells);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`phonehome ${run.runId}`)}" tests="${run.cells.length}" failures="${total.fail}" errors="${total.error}" skipped="${skipped(total)}" time="${seconds}" timestamp="${attr(run.startedAt)}">`,
    ...suites,
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function suite(run: RunRecord, t: TargetRecord, cells: CellRecord[], says: Map<string, string>): string {
  const n = count(cells);
  const props: [string, string][] = [
    ['target', t.id],
    ['name', t.name],
    ['engine', t.engine],
    ['version', t.version],
    ['mode', t.mode],
    ['commit', run.commit],
    ['run', run.runId],
    ['sealed', String(run.sealed)],
  ];
  if (t.firmware) props.push(['firmware', t.firmware]);
  const out = [
    `  <testsuite name="${attr(targetLabel(t))}" tests="${cells.length}" failures="${n.fail}" errors="${n.error}" skipped="${skipped(n)}" timestamp="${attr(run.startedAt)}" hostname="${attr(run.machine.hostname)}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
  ];
  for (const cell of cells) out.push(testcase(t, cell, says.get(cell.claim) ?? cell.claim));
  out.push('  </testsuite>');
  return out.join('\n');
}

function testcase(t: TargetRecord, cell: CellRecord, says: string): string {
  const open = `    <testcase name="${attr(`${cell.claim}: ${says}`)}" classname="${attr(`phonehome.${t.id}`)}" time="0"`;
  const reason = attr(cell.reason);
  switch (cell.status) {
    case 'pass':
      return `${open}/>`;
    case 'inconclusive':
      return `${open}>\n      <skipped message="${reason}"/>\n    </testcase>`;
    case 'not-applicable':
      return `${open}>\n      <skipped message="${attr(`not applicable: ${cell.reason}`)}"/>\n    </testcase>`;
    case 'fail':
    case 'error': {
      const body = [cell.reason, ...cell.evidence.map(evidenceLine)].join('\n');
      const tag = cell.status === 'fail' ? 'failure' : 'error';
      return `${open}>\n      <${tag} message="${reason}" type="${cell.status}">${text(body)}</${tag}>\n    </testcase>`;
    }
  }
}

function count(cells: CellRecord[]): Record<CellStatus, number> {
  const n = emptyCounts();
  for (const c of cells) n[c.status] += 1;
  return n;
}

/** JUnit's skipped: what was neither passed nor failed nor broken. */
function skipped(n: Record<CellStatus, number>): number {
  return n.inconclusive + n['not-applicable'];
}

function durationSeconds(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? (ms / 1000).toFixed(3) : '0';
}

// Characters XML 1.0 cannot carry at all, even as references; lone surrogates included.
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes element text. */
export function text(s: string): string {
  return s
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Escapes an attribute value (double-quoted); newlines and tabs kept as references. */
export function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
