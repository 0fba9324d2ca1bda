import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { runDir } from './load.ts';

const tmp = mkdtempSync(join(tmpdir(), 'phonehome-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real CLI entry point. */
function phonehome(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/phonehome.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('phonehome report', () => {
  it('should render HTML, Markdown and JUnit from run.json alone, with history from a folder', () => {
    const runs = join(tmp, 'runs');
    cpSync(runDir('sample'), join(runs, 'a'), { recursive: true });
    cpSync(runDir('extra-leak'), join(runs, 'b'), { recursive: true });
    symlinkSync('b', join(runs, 'latest'));
    mkdirSync(join(runs, 'broken'));
    writeFileSync(join(runs, 'broken', 'run.json'), '{"schema":"phonehome/run@1"}');
    const out = join(tmp, 'out');
    const r = phonehome('report', join(runs, 'latest'), '--out', out, '--history', runs);
    expect(r.stderr).toContain('history: skipped');
    expect(r.stderr).toContain('broken/run.json: runId: ');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('search-terms-stay-with-engine');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<table class="matrix">');
    expect(html).toContain('id="history"');
    expect(html).toContain('2025-06-01T02-00-00Z-abc123');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('## Matrix');
    expect(XMLValidator.validate(readFileSync(join(out, 'junit.xml'), 'utf8'))).toBe(true);
  });

  it('should write only the formats asked for, next to run.json by default', () => {
    const dir = join(tmp, 'only-md');
    cpSync(runDir('sample'), dir, { recursive: true });
    const r = phonehome('report', join(dir, 'run.json'), '--format', 'md', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${join(dir, 'summary.md')}`);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  it('should exit 2 naming file, field and reason for a bad run.json, and for bad options', () => {
    const bad = join(tmp, 'bad.json');
    const run = JSON.parse(readFileSync(join(runDir('sample'), 'run.json'), 'utf8'));
    run.cells[0].status = 'passed';
    writeFileSync(bad, JSON.stringify(run));
    const r = phonehome('report', bad);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^phonehome report: ${bad}: cells\\[0\\]\\.status: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);

    writeFileSync(bad, '{ not json');
    expect(phonehome('report', bad).stderr).toContain(`${bad}: (root): not JSON`);
    expect(phonehome('report', join(tmp, 'nope')).stderr).toContain('nope: (file): not found');
    const f = phonehome('report', runDir('sample'), '--format', 'pdf');
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('unknown format pdf; formats: html, md, junit');
    expect(phonehome('report', '--help').code).toBe(0);
  });
});

describe('phonehome diff', () => {
  it('should exit 1 and name the extra leak of the later run', () => {
    const r = phonehome('diff', runDir('sample'), runDir('extra-leak'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '[newly-failing] search-terms-stay-with-engine now fails on chromium:incognito (was pass)',
    );
    expect(r.stdout).toContain('suggest.vendor.test');
  });

  it('should exit 0 for the same run, and for an improvement', () => {
    expect(phonehome('diff', runDir('sample'), join(runDir('sample'), 'run.json')).code).toBe(0);
    const r = phonehome('diff', runDir('extra-leak'), runDir('sample'), '--json');
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout);
    expect(diff.regressions).toEqual([]);
    expect(diff.improvements[0].claim).toBe('search-terms-stay-with-engine');
  });

  it('should give the regressions as JSON with --json', () => {
    const r = phonehome('diff', runDir('sample'), runDir('extra-leak'), '--json');
    expect(r.code).toBe(1);
    const kinds = JSON.parse(r.stdout)
      .regressions.map((x: { kind: string }) => x.kind)
      .sort();
    expect(kinds).toEqual(['new-data-class', 'new-host', 'newly-failing']);
  });

  it('should read an @1 and an @2 run side by side, and render an @2 run', () => {
    const r = phonehome('diff', runDir('sample'), runDir('extra-leak-v2'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('search-terms-stay-with-engine now fails on chromium:incognito (was pass)');
    expect(r.stdout).toContain('(capture-lost)');
    expect(phonehome('diff', runDir('sample-v2'), runDir('sample')).code).toBe(0);
    const out = join(tmp, 'v2');
    const rep = phonehome('report', runDir('extra-leak-v2'), '--out', out);
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(0);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('## Matrix');
  });

  it('should read an @2 and an @3 run side by side, and render an @3 run with its not-applicable cells', () => {
    expect(phonehome('diff', runDir('extra-leak-v2'), runDir('sample-v3')).code).toBe(0);
    const r = phonehome('diff', runDir('sample'), runDir('sample-v3'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).regressions.length).toBeGreaterThan(0);
    const out = join(tmp, 'v3');
    const rep = phonehome('report', runDir('sample-v3'), '--out', out);
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(0);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('○ not applicable');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('class="cell not-applicable"');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<skipped message="not applicable: ');
  });

  it('should exit 2 on bad input', () => {
    const one = phonehome('diff', runDir('sample'));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('expected BEFORE and AFTER');
    const missing = phonehome('diff', runDir('sample'), join(tmp, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.json: (file): not found');
  });
});
