import { describe, expect, it } from 'vitest';
import { diffRuns, renderDiff } from '../../src/report/diff.ts';
import { loadRun } from './load.ts';

describe('diffRuns', () => {
  it('should find nothing between a run and itself', () => {
    const run = loadRun('sample');
    const diff = diffRuns(run, loadRun('sample'));
    expect(diff.regressions).toEqual([]);
    expect(diff.improvements).toEqual([]);
    expect(diff.changes).toEqual([]);
    expect(diff.targets).toHaveLength(run.targets.length);
    expect(renderDiff(diff)).toContain('No regressions.');
  });

  it('should name the one extra leak of a newer build: the failing claim, the new host and data class', () => {
    const diff = diffRuns(loadRun('sample'), loadRun('extra-leak'));
    const kinds = diff.regressions.map((r) => `${r.kind} ${r.target} ${r.claim ?? r.host ?? ''}`).sort();
    expect(kinds).toEqual([
      'new-data-class chromium:incognito suggest.vendor.test',
      'new-host chromium:incognito suggest.vendor.test',
      'newly-failing chromium:incognito search-terms-stay-with-engine',
    ]);
    const pair = diff.targets.find((t) => t.target === 'chromium:incognito');
    expect(pair?.before.version).toBe('156.0.8078.108');
    expect(pair?.after.version).toBe('157.0.8100.12');
    const text = renderDiff(diff);
    expect(text).toContain('search-terms-stay-with-engine now fails on chromium:incognito (was pass)');
    expect(text).toContain('chromium:incognito now talks to suggest.vendor.test and sends it search-terms.');
    expect(text).toContain('156.0.8078.108 → 157.0.8100.12');
    expect(text).toContain('3 regressions.');
  });

  it('should compare an @1 run with an @2 run as it compares two @1 runs', () => {
    const across = diffRuns(loadRun('sample'), loadRun('extra-leak-v2'));
    const kinds = across.regressions
      .map((r) => `${r.kind} ${r.target} ${r.claim ?? r.host ?? r.gapKind}`)
      .sort();
    expect(kinds).toEqual([
      'new-data-class chromium:incognito suggest.vendor.test',
      'new-host chromium:incognito suggest.vendor.test',
      'newly-failing chromium:incognito search-terms-stay-with-engine',
      'newly-opaque chromium:incognito capture-lost',
      'newly-opaque reference:normal collect.vendor.test',
    ]);
    const same = diffRuns(loadRun('sample-v2'), loadRun('sample'));
    expect(same.regressions).toEqual([]);
    expect(same.changes).toEqual([]);
  });

  it('should compare an @2 run with an @3 run: a claim not applicable where no cell was is no change', () => {
    const diff = diffRuns(loadRun('extra-leak-v2'), loadRun('sample-v3'));
    expect(diff.regressions).toEqual([]);
    expect(diff.changes).toEqual([]);
    // The claim only the @3 run has passes on Chromium: new, so it reads as newly passing, nowhere else.
    expect(diff.improvements.map((c) => `${c.claim} ${c.target}`)).toEqual([
      'chromium-incognito-keeps-no-history chromium:incognito',
    ]);
  });

  it('should never count a claim that stopped applying as an improvement, and count a fail after not applicable', () => {
    const before = loadRun('extra-leak-v2');
    const after = loadRun('sample-v3');
    // The reference failed this claim; in the later run the claim no longer applies to it.
    const cell = after.cells.find(
      (c) => c.claim === 'search-terms-stay-with-engine' && c.target === 'reference:incognito',
    )!;
    Object.assign(cell, { status: 'not-applicable', reason: 'It does not apply.', evidence: [] });
    const gone = diffRuns(before, after);
    expect(gone.improvements.map((c) => c.target)).not.toContain('reference:incognito');
    expect(gone.regressions).toEqual([]);
    expect(gone.changes.map((c) => `${c.kind} ${c.before} ${c.after}`)).toEqual([
      'status-changed fail not-applicable',
    ]);
    expect(gone.changes[0]?.says).toContain('went from fail to not applicable');

    const back = diffRuns(after, loadRun('extra-leak-v2'));
    const failing = back.regressions.filter((r) => r.kind === 'newly-failing');
    expect(failing.map((r) => `${r.target} ${r.before}`)).toEqual(['reference:incognito not-applicable']);
    expect(failing[0]?.says).toContain('(was not applicable)');
  });

  it('should flag flows that were captured and lost (capture-lost) as newly opaque', () => {
    const diff = diffRuns(loadRun('sample-v2'), loadRun('extra-leak-v2'));
    const lost = diff.regressions.filter((r) => r.gapKind === 'capture-lost');
    expect(lost.map((r) => r.target)).toEqual(['chromium:incognito']);
    expect(lost[0]?.says).toContain('the search scenario');
  });

  it('should report the reverse direction as an improvement, not a regression', () => {
    const diff = diffRuns(loadRun('extra-leak'), loadRun('sample'));
    expect(diff.regressions).toEqual([]);
    expect(diff.improvements.map((c) => `${c.claim} ${c.target} ${c.before}`)).toEqual([
      'search-terms-stay-with-engine chromium:incognito fail',
    ]);
  });

  it('should report a reworded promise as a change of its own, line by line, and not an unread one', () => {
    const before = loadRun('sample');
    const after = loadRun('sample');
    const promise = {
      text: 'You’ve gone Incognito\nChromium won’t save:\nCookies and site data',
      source: 'browser UI: chrome://newtab/ (the incognito new tab page)',
      version: 'Chromium 156.0.8078.108',
      locale: 'en-US',
    };
    before.targets[0]!.promise = promise;
    after.targets[0]!.promise = {
      ...promise,
      text: promise.text.replace('Cookies and site data', 'Site data'),
    };
    const diff = diffRuns(before, after);
    expect(diff.regressions).toEqual([]);
    const reworded = diff.changes.filter((c) => c.kind === 'promise-reworded');
    expect(reworded).toHaveLength(1);
    expect(reworded[0]!.says).toContain('no longer says “Cookies and site data”; now says “Site data”');
    expect(renderDiff(diff)).toContain('was reworded');
    delete after.targets[0]!.promise;
    expect(diffRuns(before, after).changes.filter((c) => c.kind === 'promise-reworded')).toEqual([]);
    expect(diffRuns(before, before).changes).toEqual([]);
  });

  it('should match targets across firmware by base id and mode', () => {
    const before = loadRun('sample');
    const after = loadRun('sample');
    before.targets[0]!.firmware = 'build-A';
    after.targets[0]!.firmware = 'build-B';
    after.targets[0]!.id = 'chromium:normal';
    const diff = diffRuns(before, after);
    expect(diff.regressions).toEqual([]);
    expect(renderDiff(diff)).toContain('fw build-A → 156.0.8078.108 fw build-B');
  });

  it('should flag newly opaque traffic once per kind and host, not per flow', () => {
    const before = loadRun('sample');
    const after = loadRun('sample');
    const gap = {
      kind: 'tls-opaque' as const,
      target: 'reference:normal',
      host: 'pinned.vendor.test',
      reason: 'pinned',
    };
    after.gaps.push({ ...gap, flowId: 'a' }, { ...gap, flowId: 'b' });
    // Already opaque before: not new.
    after.gaps.push({ ...before.gaps[0]! });
    const diff = diffRuns(before, after);
    expect(diff.regressions.map((r) => [r.kind, r.target, r.host])).toEqual([
      ['newly-opaque', 'reference:normal', 'pinned.vendor.test'],
    ]);
  });

  it('should list verdicts that stopped passing without a failure as changes, and missing targets', () => {
    const before = loadRun('sample');
    const after = loadRun('sample');
    after.cells.find((c) => c.target === 'reference:normal' && c.status === 'pass')!.status = 'inconclusive';
    after.targets = after.targets.filter((t) => t.id !== 'chromium:normal');
    const diff = diffRuns(before, after);
    expect(diff.regressions).toEqual([]);
    expect(diff.changes.map((c) => c.kind).sort()).toEqual(['status-changed', 'target-removed']);
  });

  it('should make captured text in the rendered diff inert', () => {
    const before = loadRun('sample');
    const after = loadRun('sample');
    after.phoneHome.push({ ...after.phoneHome[0]!, host: 'evil\u001b[2J.test' });
    const text = renderDiff(diffRuns(before, after));
    expect(text).toContain('evil\\u001b[2j.test');
    expect(text).not.toContain('\u001b');
  });
});
