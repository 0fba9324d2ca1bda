import { describe, expect, it } from 'vitest';
import { renderTerminalMatrix } from '../../src/report/terminal.ts';
import { loadRun } from './load.ts';

/** Rows of the table: claim id → the symbols in its cells, in column order. */
function tableRows(text: string, claimIds: string[]): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [first, ...rest] = line.split('│').map((s) => s.trim());
    if (first && claimIds.includes(first)) rows.set(first, rest);
  }
  return rows;
}

describe('renderTerminalMatrix', () => {
  it.each(['sample', 'sample-v2', 'sample-v3'])(
    'should put each cell status under its claim and target (%s)',
    (name) => {
      const run = loadRun(name);
      const text = renderTerminalMatrix(run);
      const rows = tableRows(
        text,
        run.claims.map((c) => c.id),
      );
      expect(rows.size).toBe(run.claims.length);
      const symbol = { pass: '✔', fail: '✘', inconclusive: '?', error: '!', 'not-applicable': '○' } as const;
      for (const claim of run.claims) {
        run.targets.forEach((t, j) => {
          const cell = run.cells.find((c) => c.claim === claim.id && c.target === t.id);
          expect(rows.get(claim.id)?.[j], `${claim.id} × ${t.id}`).toBe(cell ? symbol[cell.status] : '—');
        });
      }
      const na = run.cells.filter((c) => c.status === 'not-applicable').length;
      expect(text.includes('○ not applicable')).toBe(na > 0);
      if (na > 0) expect(text).toContain(`· ${na} not applicable`);
    },
  );

  it('should show target name, mode and version in the column headers', () => {
    const run = loadRun('sample');
    run.targets[1]!.version = '157.0.1.2';
    const text = renderTerminalMatrix(run);
    const header = text.split('\n').slice(0, 6).join('\n');
    expect(header).toContain('Chromium');
    expect(header).toContain('incognito');
    expect(header).toContain('157.0.1.2');
  });

  it('should list the evidence of each failing cell with flow, host, where, chain and token', () => {
    const run = loadRun('sample');
    const text = renderTerminalMatrix(run);
    const fail = run.cells.find((c) => c.status === 'fail' && c.target === 'reference:incognito')!;
    const ev = fail.evidence[0]!;
    const line = text.split('\n').find((l) => l.includes(`flow ${ev.flow}`));
    expect(line).toBeDefined();
    expect(line).toContain(`host ${ev.host}`);
    expect(line).toContain(`where ${ev.where}`);
    expect(line).toContain(`chain ${ev.chain.join(' → ')}`);
    expect(line).toContain(ev.token);
    expect(text).toContain('Legend: ✔ pass  ✘ fail  ? inconclusive  ! error  — not evaluated');
  });

  it("should list what each real browser sent by itself while idle, without the reference's rows", () => {
    const run = loadRun('sample');
    const text = renderTerminalMatrix(run);
    const section = text.slice(text.indexOf('What each browser sent by itself'));
    const idle = run.phoneHome.filter((r) => r.scenario === 'idle' && !r.target.startsWith('reference'));
    expect(idle.length).toBeGreaterThan(0);
    for (const r of idle) {
      const line = section.split('\n').find((l) => l.includes(r.host));
      expect(line, r.host).toMatch(new RegExp(`\\b${r.requests} req\\s+${r.bytes} B`));
      for (const c of r.dataClasses) expect(line).toContain(c);
    }
    expect(section).not.toContain('reference:');
    expect(section).not.toContain('collect.analytics.test');
  });

  it('should cut long evidence lists with a count of the rest', () => {
    const run = loadRun('sample');
    const fail = run.cells.find((c) => c.status === 'fail')!;
    fail.evidence = Array.from({ length: 7 }, (_, i) => ({ ...fail.evidence[0]!, flow: `f#${i}` }));
    const text = renderTerminalMatrix(run, { evidencePerCell: 2 });
    expect(text).toContain('flow f#1');
    expect(text).not.toContain('flow f#2');
    expect(text).toContain('+5 more');
  });

  it('should never pass control characters from captured data to the terminal', () => {
    const run = loadRun('hostile');
    run.cells.find((c) => c.status === 'fail')!.evidence[0]!.token = '\u001b[31mRED\u001b[0m\u202e';
    const plain = renderTerminalMatrix(run);
    expect(plain).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(plain).toContain('\\u001b[31mRED');
    const coloured = renderTerminalMatrix(run, { color: true });
    // The only escape sequences are the renderer's own SGR colour codes.
    const sequences = coloured.match(/\u001b[^m]*m/g) ?? [];
    expect(sequences.length).toBeGreaterThan(0);
    for (const s of sequences) expect(s).toMatch(/^\u001b\[\d+(;\d+)*m$/);
    expect(coloured).not.toContain('\u001b[31mRED');
  });

  it('should add a column for a target that appears only in cells', () => {
    const run = loadRun('sample');
    run.cells.push({
      claim: 'modes-unlinkable',
      target: 'firefox-esr:normal',
      status: 'fail',
      reason: 'x',
      evidence: [],
    });
    const text = renderTerminalMatrix(run);
    expect(text).toContain('firefox-esr');
    expect(tableRows(text, ['modes-unlinkable']).get('modes-unlinkable')).toHaveLength(
      run.targets.length + 1,
    );
  });
});
