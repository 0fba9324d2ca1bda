import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { loadRun } from './load.ts';

function tables(markdown: string): Tokens.Table[] {
  const found: Tokens.Table[] = [];
  marked.walkTokens(marked.lexer(markdown), (t: Token) => {
    if (t.type === 'table') found.push(t as Tokens.Table);
  });
  return found;
}

describe('renderMarkdown', () => {
  it('should render the matrix as a GFM table with one row per claim and one column per target', () => {
    const run = loadRun('sample');
    const [matrix] = tables(renderMarkdown(run));
    expect(matrix).toBeDefined();
    expect(matrix!.header).toHaveLength(run.targets.length + 1);
    expect(matrix!.rows).toHaveLength(run.claims.length);
    const failRow = matrix!.rows.findIndex((r) => r[0]!.text.includes('search-terms-stay-with-engine'));
    const col = run.targets.findIndex((t) => t.id === 'reference:incognito') + 1;
    expect(matrix!.rows[failRow]![col]!.text).toBe('✘ fail');
    const errCol = run.targets.findIndex((t) => t.id === 'chromium:normal') + 1;
    const errRow = matrix!.rows.findIndex((r) => r[0]!.text.includes('no-device-ids-to-vendor'));
    expect(matrix!.rows[errRow]![errCol]!.text).toBe('! error');
  });

  it('should show a not-applicable cell (@3) as such, count it apart and list it in the legend', () => {
    const run = loadRun('sample-v3');
    const text = renderMarkdown(run);
    const [matrix] = tables(text);
    const row = matrix!.rows.findIndex((r) => r[0]!.text.includes('chromium-incognito-keeps-no-history'));
    const col = (id: string) => run.targets.findIndex((t) => t.id === id) + 1;
    expect(matrix!.rows[row]![col('reference:incognito')]!.text).toBe('○ not applicable');
    expect(matrix!.rows[row]![col('chromium:incognito')]!.text).toBe('✔ pass');
    const na = run.cells.filter((c) => c.status === 'not-applicable').length;
    expect(text).toContain(`· ${na} not applicable**`);
    expect(text).toMatch(/Legend: .*○ not applicable/);
    // Runs before @3 have no such cells, and their legend does not list them.
    expect(renderMarkdown(loadRun('sample-v2'))).not.toContain('not applicable');
  });

  it("should say whose words each claim is: the vendor's quote with its source, or a generic expectation", () => {
    const text = renderMarkdown(loadRun('sample-v3'));
    expect(text).toContain('## Claims and whose words they are');
    // As it reads once rendered: Markdown's escapes dropped.
    const plain = text.replace(/\\(.)/g, '$1');
    const line = plain.split('\n').find((l) => l.startsWith('- `chromium-incognito-keeps-no-history`'))!;
    expect(line).toContain(
      'The vendor says: “Chromium won’t save the following information: Your browsing history” (browser UI: chrome://newtab/ (the incognito new tab page)). Applies to target chromium only.',
    );
    expect(plain).toContain('incognito-visits-not-sent-to-vendor`: Generic claim: what users expect');
    // Runs before @3 carry neither, and get no such section.
    expect(renderMarkdown(loadRun('sample-v2'))).not.toContain('whose words');
  });

  it('should give each failing cell an evidence table with its flow, host, where, chain and token', () => {
    const run = loadRun('sample');
    const html = marked.parse(renderMarkdown(run), { async: false });
    const failing = run.cells.filter((c) => c.status === 'fail');
    expect(failing.length).toBeGreaterThan(0);
    for (const cell of failing) {
      for (const ev of cell.evidence) {
        for (const part of [ev.flow, ev.host, ev.where, ev.token, ...ev.chain]) {
          expect(html).toContain(`<code>${part.replace(/&/g, '&amp;')}</code>`);
        }
      }
    }
    expect(html).toContain('<h2>Phone-home</h2>');
  });

  it('should keep hostile captured text inert: no HTML, no links, no broken tables', () => {
    const run = loadRun('hostile');
    const markdown = renderMarkdown(run);
    const html = marked.parse(markdown, { async: false });
    expect(html).not.toMatch(/<(script|img|svg|b|i)[\s>]/i);
    expect(html).not.toMatch(/<a\s/i);
    expect(html).toContain('&lt;script&gt;');
    // Every table row keeps its column count despite `|` in the payloads.
    for (const t of tables(markdown)) for (const r of t.rows) expect(r).toHaveLength(t.header.length);
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it("should quote each browser's own promise as block quotes, with where it was read", () => {
    const run = loadRun('sample');
    run.targets[0]!.promise = {
      text: 'You’ve gone Incognito\nChromium won’t save: <b>forms</b>',
      source: 'browser UI: chrome://newtab/ (the incognito new tab page)',
      version: 'Chromium 156.0.8078.108',
      locale: 'en-US',
    };
    const out = renderMarkdown(run);
    expect(out).toContain('## In the browser’s own words: what its private mode promises');
    expect(out).toContain('> You’ve gone Incognito');
    expect(out).toContain('chrome\\://newtab/');
    expect(out).not.toContain('<b>forms</b>');
    expect(renderMarkdown(loadRun('sample'))).not.toContain('own words');
  });

  it('should say when the run was not network-sealed', () => {
    const run = loadRun('sample');
    run.sealed = false;
    expect(renderMarkdown(run)).toContain('not network-sealed');
  });
});
