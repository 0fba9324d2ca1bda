import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/model/run-record.ts';
import { diffRuns } from '../../src/report/diff.ts';
import { mergeRuns } from '../../src/report/merge-runs.ts';
import { readRun } from '../../src/report/read-run.ts';

/** The desktop run and the Android job's run as the nightly's merge job gets them. */
const DESKTOP = 'test/fixtures/runs/sample-v2';
/** Recorded by test/fixtures/runs/android-emulator/record.ts, in the published (masked) form. */
const ANDROID = 'test/fixtures/runs/android-emulator';
const ANDROID_ID = 'android-chrome-emulator-5554';

function phonehome(...args: string[]) {
  return spawnSync(process.execPath, ['bin/phonehome.js', ...args], { encoding: 'utf8' });
}

function copyRun(from: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'phonehome-merge-')), 'run');
  cpSync(from, dir, { recursive: true });
  return dir;
}

describe('mergeRuns', () => {
  const desktop = readRun(DESKTOP).run;
  const android = readRun(ANDROID).run;

  it('should keep every target, cell, scenario and finding of both runs, with the firmware as the column', () => {
    const merged = mergeRuns(desktop, [android]);
    expect(merged.targets.map((t) => t.id)).toEqual([
      ...desktop.targets.map((t) => t.id),
      ...android.targets.map((t) => t.id),
    ]);
    expect(merged.targets.find((t) => t.id === `${ANDROID_ID}:normal`)?.firmware).toMatch(
      /^sdk_gphone64_x86_64 · google\//,
    );
    expect(merged.cells).toEqual([...desktop.cells, ...android.cells]);
    expect(merged.scenarios).toHaveLength(desktop.scenarios.length + android.scenarios.length);
    expect(merged.findings).toHaveLength(desktop.findings.length + android.findings.length);
    expect(merged.runId).toBe(desktop.runId);
    // The Android run was never sealed, so neither is the whole.
    expect(merged.sealed).toBe(false);
    expect(merged.parts?.map((p) => [p.runId, p.targets.length])).toEqual([
      [desktop.runId, desktop.targets.length],
      [android.runId, android.targets.length],
    ]);
  });

  it("should name the other run's flow logs and their sha256 under parts/<run-id>/", () => {
    const merged = mergeRuns(desktop, [android]);
    const prefix = `parts/${android.runId}/`;
    expect(merged.files.flows).toEqual([
      ...desktop.files.flows,
      ...android.files.flows.map((f) => prefix + f),
    ]);
    for (const [path, sum] of Object.entries(android.files.sha256 ?? {})) {
      expect(merged.files.sha256?.[prefix + path]).toBe(sum);
    }
  });

  it('should refuse a target that is in two runs, and a run given twice', () => {
    const clash: RunRecord = { ...android, runId: 'another-android-run' };
    expect(() => mergeRuns(desktop, [android, clash])).toThrow(
      `target ${ANDROID_ID}:incognito is in run ${android.runId} and in run another-android-run`,
    );
    expect(() => mergeRuns(desktop, [desktop])).toThrow(`run ${desktop.runId} is given twice`);
  });

  it('should diff Android targets like desktop ones once merged: a claim newly failing on the phone is a regression', () => {
    const passing: RunRecord = {
      ...android,
      cells: android.cells.map((c) =>
        c.claim === 'no-device-ids-without-consent' ? { ...c, status: 'pass', evidence: [] } : c,
      ),
    };
    const before = mergeRuns(desktop, [passing]);
    const after = mergeRuns({ ...desktop, runId: 'next-night' }, [{ ...android, runId: 'next-android' }]);
    const diff = diffRuns(before, after);
    expect(
      diff.regressions
        .filter((r) => r.kind === 'newly-failing')
        .map((r) => `${r.target} ${r.claim}`)
        .sort(),
    ).toEqual([
      `${ANDROID_ID}:incognito no-device-ids-without-consent`,
      `${ANDROID_ID}:normal no-device-ids-without-consent`,
    ]);
    expect(diff.targets.map((t) => t.target)).toContain(`${ANDROID_ID}:normal`);
  });
});

describe('phonehome merge', () => {
  it('should write the merged run.json and reports, and copy the other run’s flow logs as they were', () => {
    const base = copyRun(DESKTOP);
    const r = phonehome('merge', base, ANDROID, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const merged = readRun(base).run;
    expect(merged.targets.map((t) => t.id)).toContain(`${ANDROID_ID}:normal`);
    const html = readFileSync(join(base, 'report.html'), 'utf8');
    expect(html).toContain('fw sdk_gphone64_x86_64');
    // Markdown escapes its punctuation: the column names the phone and its firmware.
    expect(readFileSync(join(base, 'summary.md'), 'utf8')).toContain(
      'Chrome on Android \\(emulator\\-5554\\)',
    );
    expect(readFileSync(join(base, 'summary.md'), 'utf8')).toContain('fw sdk\\_gphone64\\_x86\\_64');
    const android = readRun(ANDROID).run;
    for (const f of android.files.flows) {
      const copy = join(base, 'parts', android.runId, f);
      expect(readFileSync(copy, 'utf8')).toBe(readFileSync(join(ANDROID, f), 'utf8'));
    }
    // The sha256 recorded where the Android run was judged still names its own (unmasked) logs.
    const sums = merged.files.sha256 ?? {};
    expect(Object.keys(sums).filter((p) => p.startsWith('parts/'))).toHaveLength(
      Object.keys(android.files.sha256 ?? {}).length,
    );
  });

  it('should publish the merged run with every identifier masked (the Android part is masked already)', () => {
    const base = copyRun(DESKTOP);
    expect(phonehome('merge', base, ANDROID, '--quiet').status).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'phonehome-merge-public-'));
    const r = phonehome('report', base, '--out', out, '--publish', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const android = readRun(ANDROID).run;
    for (const f of android.files.flows) expect(existsSync(join(out, 'parts', android.runId, f))).toBe(true);
    // The fake device's identifiers (fixtures/android/fake-adb/world.json), in the forms they were sent.
    const ids = ['9774d56d682e549c', '358020505328463'];
    const forms = ids.flatMap((id) => [
      id,
      Buffer.from(id).toString('base64'),
      createHash('sha256').update(id).digest('hex'),
    ]);
    for (const file of ['run.json', 'report.html', 'summary.md', 'junit.xml']) {
      const text = readFileSync(join(out, file), 'utf8');
      for (const form of forms) expect(text.includes(form), `${form} in ${file}`).toBe(false);
    }
  });

  it('should say which file and field refuse to merge, in one line, exit 2', () => {
    const base = copyRun(DESKTOP);
    const twin = copyRun(ANDROID);
    const run = JSON.parse(readFileSync(join(twin, 'run.json'), 'utf8')) as RunRecord;
    writeFileSync(join(twin, 'run.json'), JSON.stringify({ ...run, runId: 'twin' }));
    const r = phonehome('merge', base, ANDROID, twin);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `phonehome merge: ${join(twin, 'run.json')}: targets[0].id: target ${ANDROID_ID}:incognito is in run ${run.runId} and in run twin; merged runs must cover different targets\n`,
    );
    const missing = phonehome('merge', base, join(twin, 'nothing.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^phonehome merge: .*nothing\.json: \(file\): not found\n$/);
    expect(phonehome('merge', base).status).toBe(2);
  });
});
