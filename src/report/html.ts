import { createHash } from 'node:crypto';
import type { Gap } from '../model/gap.ts';
import type { CellRecord, ClaimRecord, RunRecord, TargetRecord } from '../model/run-record.ts';
import type { CellStatus, Evidence } from '../model/verdict.ts';
import { diffRuns } from './diff.ts';
import { CLASS_WORDS, identifierTables } from './identifiers-table.ts';
import { maskRun } from './mask.ts';
import {
  buildMatrix,
  claimBasis,
  countsLine,
  legendItems,
  legendStatuses,
  type Matrix,
  STATUS_SYMBOL,
  STATUS_WORD,
  UNSEALED_MARK,
  unsealedLegend,
} from './matrix.ts';
import { inert } from './text.ts';

/**
 * The HTML report: one self-contained static page with no script at all. A matrix cell is a button
 * that opens its evidence in a popover (the HTML `popover` attribute does this without script; where
 * it is unsupported the evidence simply shows below the matrix). Everything from run.json is escaped,
 * and a Content-Security-Policy allows only the page's own hashed stylesheet: no script, no external
 * request, no form, no base URL. Captured URLs are shown as text, never as links.
 */

const CSS = `
:root{--pass:#1a7f37;--fail:#cf222e;--inconclusive:#9a6700;--error:#8250df;--none:#8c959f;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--mark:#fff8c5}
@media (prefers-color-scheme:dark){:root{--pass:#3fb950;--fail:#f85149;--inconclusive:#d29922;--error:#a371f7;--none:#6e7681;--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--soft:#151b23;--mark:#4d3f00}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:12px 16px}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:.2rem 0 .5rem}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;overflow-wrap:anywhere;word-break:break-word}
pre{white-space:pre-wrap;background:var(--soft);padding:8px;border-radius:6px;margin:.2rem 0}
.meta{display:flex;flex-wrap:wrap;gap:4px 18px;color:var(--muted);margin:.3rem 0}
.meta strong{color:var(--fg);font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:.5rem 0}
.chip{display:inline-block;border-radius:999px;padding:1px 10px;color:#fff;font-weight:600;font-size:.85rem}
.chip.pass,.cell.pass button{background:var(--pass)}.chip.fail,.cell.fail button{background:var(--fail)}
.chip.inconclusive,.cell.inconclusive button{background:var(--inconclusive)}.chip.error,.cell.error button{background:var(--error)}
.chip.none,.chip.not-applicable,.cell.not-applicable button{background:var(--none)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600}
.matrix th[scope=col]{text-align:center;min-width:7.5rem}
.matrix th[scope=col] span{display:block}
.matrix th[scope=col] .mode,.matrix th[scope=col] .ver{font-weight:400;color:var(--muted);font-size:.8rem}
.matrix th[scope=row]{position:sticky;left:0;background:var(--bg);min-width:12rem;max-width:22rem;font-weight:400}
.matrix th[scope=row] .says{display:block;color:var(--muted);font-size:.85rem}
.matrix th[scope=row] .basis{display:block;color:var(--muted);font-size:.75rem;font-weight:normal;font-style:italic}
.cell{text-align:center;vertical-align:middle}
.cell button{border:0;border-radius:6px;color:#fff;font:inherit;font-weight:700;min-width:3.2rem;min-height:2.2rem;cursor:pointer}
.cell button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.cell.none{color:var(--none)}
.legend{color:var(--muted);font-size:.9rem;margin:.5rem 0}
.legend span{margin-right:12px}
[popover]{max-width:min(900px,96vw);max-height:90vh;overflow:auto;border:1px solid var(--line);border-radius:8px;padding:14px;background:var(--bg);color:var(--fg)}
[popover]::backdrop{background:rgba(0,0,0,.35)}
.popovers>[popover]:not(:popover-open){display:none}
.close{float:right;border:1px solid var(--line);background:var(--soft);color:var(--fg);border-radius:6px;padding:2px 10px;font:inherit;cursor:pointer}
.status-fail{color:var(--fail)}.status-pass{color:var(--pass)}.status-inconclusive{color:var(--inconclusive)}.status-error{color:var(--error)}.status-not-applicable{color:var(--none)}
ol.evidence{padding-left:0;list-style:none}
.evidence>li{border:1px solid var(--line);border-radius:6px;padding:8px;margin:8px 0}
dl.ev{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:.3rem 0}
dl.ev dt{color:var(--muted)}dl.ev dd{margin:0;min-width:0}
ol.chain{margin:0;padding-left:1.4rem}ol.chain li{margin:2px 0}
mark{background:var(--mark);color:inherit;outline:1px solid var(--fail);border-radius:2px}
.history-strip span{display:inline-block;min-width:1.4rem;text-align:center;border-radius:4px;color:#fff;margin-right:2px}
.history-strip .pass{background:var(--pass)}.history-strip .fail{background:var(--fail)}.history-strip .inconclusive{background:var(--inconclusive)}.history-strip .error{background:var(--error)}.history-strip .none{background:var(--none)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
details{margin:.2rem 0}summary{cursor:pointer}
footer{color:var(--muted);font-size:.85rem}
@media (max-width:600px){body{font-size:14px}header,main,footer{padding:8px 10px}.matrix th[scope=row]{min-width:9rem}dl.ev{grid-template-columns:1fr}}
`;

const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/** The page's Content-Security-Policy: only its own stylesheet, nothing else at all. */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${CSS_HASH}'`,
  "script-src 'none'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Renders the HTML report of a run. `history` is earlier runs (any order; the run itself and runs
 * started later are ignored): they add a history table with regressions between consecutive runs
 * and each cell's earlier verdicts. Pure; never throws on a well-typed RunRecord.
 */
export function renderHtml(original: RunRecord, history: RunRecord[] = []): string {
  // Published reports never show a device identifier in full.
  const run = maskRun(original);
  const m = buildMatrix(run);
  const earlier = history
    .filter((h) => h.runId !== run.runId && h.startedAt <= run.startedAt)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const popovers: string[] = [];
  const body = [
    headerHtml(run, m),
    '<main>',
    matrixHtml(run, m, earlier, popovers),
    `<div class="popovers">${popovers.join('\n')}</div>`,
    promisesHtml(run),
    phoneHomeHtml(run),
    identifiersHtml(run),
    gapsHtml(run.gaps),
    scenariosHtml(run),
    historyHtml(run, earlier),
    '</main>',
    `<footer><p>Rendered from run.json alone (schema ${esc(run.schema)}). Everything shown from captured traffic is text; no link on this page leads anywhere outside it.</p></footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>phonehome ${esc(run.runId)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function headerHtml(run: RunRecord, m: Matrix): string {
  const counts = legendStatuses(m)
    .filter((s) => s !== 'none')
    .map((s) => `<span class="chip ${s}">${STATUS_SYMBOL[s]} ${m.counts[s]} ${STATUS_WORD[s]}</span>`)
    .join('');
  return [
    '<header>',
    '<h1>phonehome: privacy claims × targets</h1>',
    '<div class="meta">',
    `<span>run <strong class="mono">${esc(run.runId)}</strong></span>`,
    `<span>commit <strong class="mono">${esc(run.commit.slice(0, 12))}</strong></span>`,
    `<span>started <strong>${esc(run.startedAt)}</strong></span>`,
    `<span>finished <strong>${esc(run.finishedAt)}</strong></span>`,
    `<span>machine <strong>${esc(run.machine.hostname)}</strong> (${esc(run.machine.platform)}/${esc(run.machine.arch)}, node ${esc(run.machine.node)}, ${run.machine.cpus} cpus)</span>`,
    `<span>${run.sealed ? 'network <strong>sealed</strong>' : 'network <strong>not sealed</strong>: traffic around the proxy could not be observed'}</span>`,
    '</div>',
    `<div class="counts" aria-label="${esc(countsLine(m.counts))}">${counts}</div>`,
    '</header>',
  ].join('\n');
}

function matrixHtml(run: RunRecord, m: Matrix, earlier: RunRecord[], popovers: string[]): string {
  const head = m.targets
    .map(
      (t) =>
        `<th scope="col"><span class="name">${esc(t.name)}</span><span class="mode">${esc(t.mode)}</span><span class="ver mono">${esc(t.version)}${t.firmware ? ` fw ${esc(t.firmware)}` : ''}</span></th>`,
    )
    .join('');
  const rows = m.claims.map((claim) => {
    const cells = m.targets.map((t) => {
      const cell = m.cell(claim.id, t.id);
      if (!cell) {
        return `<td class="cell none" title="not evaluated"><span aria-label="not evaluated">${STATUS_SYMBOL.none}</span></td>`;
      }
      const id = `cell-${popovers.length}`;
      popovers.push(cellPopover(id, cell, claim, t, cellHistory(earlier, claim.id, t)));
      const seal = cell.unsealed
        ? cell.unsealed.accepted
          ? ' (not sealed, accepted)'
          : ' (not sealed)'
        : '';
      const label = `${STATUS_WORD[cell.status]}${seal}: ${claim.id} on ${t.id}`;
      const mark = cell.unsealed ? `<sup class="unsealed">${UNSEALED_MARK}</sup>` : '';
      return `<td class="cell ${cell.status}"><button type="button" popovertarget="${id}" aria-label="${esc(label)}">${STATUS_SYMBOL[cell.status]}${mark}</button></td>`;
    });
    const basis = claimBasis(claim);
    const basisHtml = basis ? `<span class="basis">${esc(basis)}</span>` : '';
    return `<tr><th scope="row"><code>${esc(claim.id)}</code><span class="says">${esc(claim.says)}</span>${basisHtml}</th>${cells.join('')}</tr>`;
  });
  const legend = legendItems(m, (s, glyph) => `<span class="status-${s}">${glyph}</span>`)
    .map((item) => `<span>${item}</span>`)
    .join('');
  return sectionHtml('matrix', 'Matrix', [
    tableHtml(['Claim'], rows, { extraHead: head, className: 'matrix' }),
    `<p class="legend">${legend} · select a cell for its verdict and evidence</p>`,
    ...unsealedLegend(run).map((line) => `<p class="legend">${esc(line)}</p>`),
    `<p class="legend">${run.cells.length} cells in ${m.claims.length} claims × ${m.targets.length} targets</p>`,
  ]);
}

function cellPopover(
  id: string,
  cell: CellRecord,
  claim: ClaimRecord,
  t: TargetRecord,
  history: (CellStatus | 'none')[],
): string {
  const parts = [
    `<div id="${id}" popover class="cell-popover">`,
    `<button type="button" class="close" popovertarget="${id}" popovertargetaction="hide">Close</button>`,
    `<h3><span class="status-${cell.status}">${STATUS_SYMBOL[cell.status]} ${STATUS_WORD[cell.status]}</span> · <code>${esc(claim.id)}</code> on <code>${esc(t.id)}</code></h3>`,
    `<p><em>${esc(claim.says)}</em></p>`,
    ...(claimBasis(claim) ? [`<p class="basis">${esc(claimBasis(claim))}</p>`] : []),
    `<p class="reason">${esc(cell.reason)}</p>`,
    ...(cell.unsealed ? [`<p class="reason unsealed"><strong>${esc(cell.unsealed.says)}</strong></p>`] : []),
  ];
  if (history.length > 0) {
    const strip = [...history, cell.status]
      .map((s) => `<span class="${s}" title="${esc(STATUS_WORD[s])}">${STATUS_SYMBOL[s]}</span>`)
      .join('');
    parts.push(`<p>History, oldest first: <span class="history-strip">${strip}</span></p>`);
  }
  if (cell.evidence.length > 0) {
    parts.push(`<h3>Evidence (${cell.evidence.length})</h3>`, '<ol class="evidence">');
    for (const ev of cell.evidence) parts.push(`<li>${evidenceHtml(ev)}</li>`);
    parts.push('</ol>');
  }
  parts.push('</div>');
  return parts.join('\n');
}

function evidenceHtml(ev: Evidence): string {
  const steps = [
    `<li>raw request, <code>${esc(ev.where)}</code></li>`,
    ...ev.chain.map((s) => `<li><code>${esc(s)}</code></li>`),
  ];
  const rows: [string, string][] = [
    ['Flow', `<code>${esc(ev.flow)}</code>`],
    ['Host', `<code>${esc(ev.host)}</code>`],
    ['Request', `<code>${esc(ev.method ?? '')} ${esc(ev.url)}</code>`],
    ['Where', `<code>${esc(ev.where)}</code>`],
    ['Decode chain', `<ol class="chain">${steps.join('')}</ol>`],
    [
      'Token',
      `${ev.label ? `${esc(ev.label)}: ` : ''}<mark class="mono">${esc(ev.token)}</mark>${ev.dataClass ? ` (${esc(ev.dataClass)})` : ''}`,
    ],
    ['In context', `<pre>${highlight(ev)}</pre>`],
  ];
  if (ev.says) rows.push(['Why', esc(ev.says)]);
  return `<dl class="ev">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** The excerpt with the token marked: the part between « and », or the token where it occurs. */
function highlight(ev: Evidence): string {
  const excerpt = ev.excerpt ?? '';
  const open = excerpt.indexOf('«');
  const close = open >= 0 ? excerpt.indexOf('»', open + 1) : -1;
  if (open >= 0 && close > open) {
    return `${esc(excerpt.slice(0, open))}<mark>${esc(excerpt.slice(open + 1, close))}</mark>${esc(excerpt.slice(close + 1))}`;
  }
  const at = ev.token ? excerpt.indexOf(ev.token) : -1;
  if (at >= 0) {
    return `${esc(excerpt.slice(0, at))}<mark>${esc(ev.token)}</mark>${esc(excerpt.slice(at + ev.token.length))}`;
  }
  return excerpt ? esc(excerpt) : `<mark>${esc(ev.token)}</mark>`;
}

/** What each browser itself says about its private mode, beside the column it is judged in. */
function promisesHtml(run: RunRecord): string {
  const read = run.targets.filter((t) => t.promise || t.promiseUnread);
  if (read.length === 0) return '';
  const items = read.map((t) => {
    const head = `<h3>${esc(t.name)} <span class="mode">${esc(t.mode)}</span></h3>`;
    if (!t.promise)
      return `<section>${head}<p>Its promise could not be read: ${esc(t.promiseUnread ?? '')}</p></section>`;
    const p = t.promise;
    return `<section>${head}<blockquote>${p.text
      .split('\n')
      .map((l) => `<p>${esc(l)}</p>`)
      .join(
        '',
      )}</blockquote><p class="says">${esc(p.source)} · ${esc(p.version)} · locale ${esc(p.locale)}</p></section>`;
  });
  return [
    '<section aria-labelledby="promises-title">',
    '<h2 id="promises-title">In the browser’s own words: what its private mode promises</h2>',
    ...items,
    '</section>',
  ].join('\n');
}

/** One table per browser of the identifiers it made up (values masked: `run` is the masked run). */
function identifiersHtml(run: RunRecord): string {
  const tables = identifierTables(run);
  if (tables.length === 0) return '';
  const parts = tables.map((t) => {
    const title = `<h3>${esc(t.name)} (<code>${esc(t.target)}</code>)</h3>`;
    const missing = t.missing.length > 0 ? `<p>Passes missing: ${esc(t.missing.join('; '))}.</p>` : '';
    if (t.identifiers.length === 0) {
      return `${title}<p>${
        t.missing.length > 0
          ? `None listed, but not shown to make none: ${esc(t.missing.join('; '))}.`
          : 'None: no high-entropy value it sent came back after a restart, in a fresh profile or in the other mode.'
      }</p>`;
    }
    const rows = t.identifiers.map(
      (i) =>
        `<tr><td><code>${esc(i.value)}</code></td><td>${esc(CLASS_WORDS[i.class])}${i.reason ? `: ${esc(i.reason)}` : ''}</td><td>${esc(i.survived.join(', '))}</td><td>${i.hosts.map((h) => `<code>${esc(h)}</code>`).join(' ')}</td><td>${i.parts.map((p) => `<code>${esc(p)}</code>`).join(' ')}</td><td>${esc(`${i.firstSeen.scenario} (${i.firstSeen.mode}), ${i.firstSeen.at}`)}</td></tr>`,
    );
    return [
      title,
      tableHtml(['Value', 'Class', 'Survived', 'Sent to', 'In', 'First seen'], rows),
      missing,
    ].join('\n');
  });
  return sectionHtml('identifiers', 'Identifiers the browsers made up', parts);
}

function phoneHomeHtml(run: RunRecord): string {
  if (run.phoneHome.length === 0) return '';
  const rows = [...run.phoneHome]
    .sort((a, b) => a.target.localeCompare(b.target) || b.bytes - a.bytes)
    .map(
      (r) =>
        `<tr><td><code>${esc(r.target)}</code></td><td>${esc(r.scenario)}</td><td><code>${esc(r.host)}</code></td><td class="num">${r.requests}</td><td class="num">${r.bytes}</td><td>${r.dataClasses.length > 0 ? r.dataClasses.map((c) => `<span class="chip fail">${esc(c)}</span>`).join(' ') : '—'}</td></tr>`,
    );
  return sectionHtml('phone-home', 'Phone-home: who each target talked to', [
    tableHtml(['Target', 'Scenario', 'Host', 'Requests', 'Bytes', 'Data classes sent'], rows),
  ]);
}

function gapsHtml(gaps: Gap[]): string {
  if (gaps.length === 0) return '';
  const rows = gaps.map(
    (g) =>
      `<tr><td><code>${esc(g.kind)}</code></td><td>${esc(g.target ?? '')}</td><td>${esc(g.scenario ?? '')}</td><td><code>${esc(g.protocol ? `${g.protocol} ` : '')}${esc(g.host ?? g.flowId ?? '')}</code></td><td>${esc(g.reason)}</td></tr>`,
  );
  return sectionHtml('gaps', 'Gaps: what could not be seen', [
    tableHtml(['Kind', 'Target', 'Scenario', 'Where', 'Why'], rows),
  ]);
}

function scenariosHtml(run: RunRecord): string {
  if (run.scenarios.length === 0) return '';
  const rows = run.scenarios.map(
    (s) =>
      `<tr><td><code>${esc(s.target)}</code></td><td>${esc(s.scenario)}</td><td>${esc(s.status)}${s.error ? `: ${esc(s.error)}` : ''}${s.retries ? ` (retried after a harness failure: ${esc(s.firstAttemptError ?? '')}; ${s.firstAttemptFlows ?? 0} flow(s) of the first attempt kept)` : ''}</td><td class="num">${s.flows}</td><td class="num">${s.findings}</td><td class="num">${(s.durationMs / 1000).toFixed(1)} s</td></tr>`,
  );
  return sectionHtml('scenarios', 'Scenarios', [
    '<details><summary>Scenario runs</summary>',
    `${tableHtml(['Target', 'Scenario', 'Status', 'Flows', 'Findings', 'Time'], rows)}</details>`,
  ]);
}

function historyHtml(run: RunRecord, earlier: RunRecord[]): string {
  if (earlier.length === 0) return '';
  const all = [...earlier, run];
  const rows = all
    .map((r, i) => {
      const m = buildMatrix(r);
      const chips = (['pass', 'fail', 'inconclusive', 'error'] as const)
        .map((s) => `<span class="chip ${s}">${m.counts[s]}</span>`)
        .join(' ');
      const prev = all[i - 1];
      let changes = '—';
      if (prev) {
        const d = diffRuns(prev, r);
        changes =
          d.regressions.length === 0
            ? 'no regressions'
            : `<details><summary class="status-fail">${d.regressions.length} regression${d.regressions.length === 1 ? '' : 's'}</summary><ul>${d.regressions.map((x) => `<li>${esc(x.says)}</li>`).join('')}</ul></details>`;
      }
      const current = r === run ? ' (this run)' : '';
      return `<tr><td><code>${esc(r.runId)}</code>${current}</td><td>${esc(r.startedAt)}</td><td><code>${esc(r.commit.slice(0, 12))}</code></td><td>${chips}</td><td>${changes}</td></tr>`;
    })
    .reverse();
  return sectionHtml('history', 'History', [
    tableHtml(['Run', 'Started', 'Commit', 'Verdicts', 'Since the run before'], rows),
  ]);
}

/** A report section headed by `title` (HTML), with `#id` to link to it. */
function sectionHtml(id: string, title: string, body: string[]): string {
  return [
    `<section id="${id}" aria-labelledby="${id}-title">`,
    `<h2 id="${id}-title">${title}</h2>`,
    ...body,
    '</section>',
  ].join('\n');
}

/**
 * A table that scrolls sideways on a narrow screen: `headers` (HTML) name the columns, then any
 * `extraHead` cells already written, over `rows` (each a whole `<tr>`).
 */
function tableHtml(
  headers: string[],
  rows: string[],
  options: { extraHead?: string; className?: string } = {},
): string {
  const cls = options.className ? ` class="${options.className}"` : '';
  return [
    `<div class="scroll"><table${cls}>`,
    `<thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}${options.extraHead ?? ''}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
  ].join('\n');
}

/** Earlier verdicts of one claim on one target (matched by base id and mode), oldest first. */
function cellHistory(earlier: RunRecord[], claim: string, t: TargetRecord): (CellStatus | 'none')[] {
  return earlier.map((r) => {
    const same = r.targets.find((x) => x.base === t.base && x.mode === t.mode);
    const cell = same ? r.cells.find((c) => c.claim === claim && c.target === same.id) : undefined;
    return cell?.status ?? 'none';
  });
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function esc(text: string): string {
  return inert(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
