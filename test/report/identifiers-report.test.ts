import { describe, expect, it } from 'vitest';
import type { Identifier } from '../../src/model/identifier.ts';
import { RUN_SCHEMA, type RunRecord } from '../../src/model/run-record.ts';
import { diffRuns, renderDiff } from '../../src/report/diff.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { maskRun } from '../../src/report/mask.ts';
import { parseRunRecord } from '../../src/report/read-run.ts';
import { loadRun } from './load.ts';

const VALUE = 'pf7Q2kLx9ZmA4wRt';

function identifier(over: Partial<Identifier> = {}): Identifier {
  return {
    value: VALUE,
    target: 'chromium',
    class: 'profile',
    hosts: ['telemetry.vendor.test'],
    parts: ['url-query:cid'],
    firstSeen: {
      flow: 'chromium:normal/first-start#3',
      at: '2026-11-29T08:00:00.000Z',
      scenario: 'first-start',
      mode: 'normal',
    },
    survived: ['restart'],
    flows: ['chromium:normal/first-start#3'],
    ...over,
  };
}

/** The @2 sample run as @3 (identifiers are new in @3), with identifiers. */
function withIdentifiers(identifiers: Identifier[]): RunRecord {
  const run = loadRun('extra-leak-v2');
  run.schema = RUN_SCHEMA;
  run.identifiers = identifiers;
  return run;
}

describe('identifiers in run.json and the reports', () => {
  it('should accept run.json with identifiers and refuse one with an unknown class, naming the field', () => {
    const run = withIdentifiers([identifier()]);
    expect(parseRunRecord(JSON.parse(JSON.stringify(run)), 'run.json').identifiers).toHaveLength(1);
    const bad = JSON.parse(JSON.stringify(withIdentifiers([identifier({ class: 'nonce' as 'profile' })])));
    expect(() => parseRunRecord(bad, 'run.json')).toThrow(/run.json: identifiers\[0\]\.class/);
  });

  it('should mask the values in the published run and in every report, and show a table per browser', () => {
    const run = withIdentifiers([identifier()]);
    expect(JSON.stringify(maskRun(run))).not.toContain(VALUE);
    for (const out of [renderHtml(run), renderMarkdown(run), renderJunit(run)])
      expect(out).not.toContain(VALUE);
    const md = renderMarkdown(run);
    expect(md).toContain('## Identifiers the browsers made up');
    expect(md).toContain('pf••••••••••••Rt');
    expect(md).toContain('kept in the profile');
    expect(renderHtml(run)).toContain('<h2 id="identifiers-title">Identifiers the browsers made up</h2>');
  });

  it('should not say "none" for a browser whose classification passes did not run', () => {
    const md = renderMarkdown(withIdentifiers([]));
    expect(md).toMatch(/None listed, but not shown to make none: .*no pass ran as another machine/);
  });

  it('should count a new surviving identifier as a regression, and one seen before (another value, same place) not', () => {
    const before = withIdentifiers([identifier({ value: 'old0Value9Kq2Lm4' })]);
    expect(diffRuns(before, withIdentifiers([identifier()])).regressions).toEqual([]);
    const after = withIdentifiers([
      identifier(),
      identifier({
        value: 'dv3b9c41e07f55a2d8e1',
        class: 'device-derived',
        parts: ['header:x-client'],
        survived: ['restart', 'profile'],
      }),
    ]);
    const diff = diffRuns(before, after);
    expect(diff.regressions.map((r) => `${r.kind} ${r.target} ${r.part}`)).toEqual([
      'new-surviving-identifier chromium header:x-client',
    ]);
    expect(renderDiff(diff)).not.toContain('dv3b9c41e07f55a2d8e1');
  });

  it('should not call identifiers new when the earlier run never looked for them', () => {
    const before = loadRun('extra-leak-v2');
    const diff = diffRuns(before, withIdentifiers([identifier()]));
    expect(diff.regressions).toEqual([]);
    expect(diff.changes.map((c) => c.kind)).toContain('identifiers-not-compared');
  });
});
