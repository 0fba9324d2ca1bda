import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import { analyzeFlows } from '../../src/detect/analyze.ts';
import type { RunRecord, ScenarioRecord } from '../../src/model/run-record.ts';
import type { Token } from '../../src/model/token.ts';
import { readRun } from '../../src/report/read-run.ts';

/**
 * scripts/nightly-local.sh end to end, as the nightly runs it: two shards of real Chromium (the
 * leaky reference, whose extension sends a planted Android ID), blob reports sealed as the shards
 * upload them, merged through the matrix reporter, the Android job's run merged in, diffed against
 * the last published run, published masked and laid out as the Pages site. One short scenario and a
 * short watch keep it to a couple of minutes on two cores.
 */

const ROOT = process.cwd();
const ANDROID = join(ROOT, 'test/fixtures/runs/android-emulator');
const ANDROID_TARGET = 'android-chrome-emulator-5554';
/** Planted by the reference extension (drivers/targets.ts) and by the fake Android device. */
const PLANTED: Token[] = [
  { value: '8a4fe2c1d9b73e05', kind: 'device-id', dataClass: 'device-ids', label: 'android-id' },
  { value: '9774d56d682e549c', kind: 'device-id', dataClass: 'device-ids', label: 'android-id' },
  { value: '358020505328463', kind: 'device-id', dataClass: 'device-ids', label: 'imei' },
];
/** Forms of each planted identifier no published or uploaded file may hold. */
const FORBIDDEN = PLANTED.flatMap(({ value }) => [
  value,
  value.toUpperCase(),
  ...[0, 1, 2].map((pad) =>
    Buffer.from(`${'x'.repeat(pad)}${value}`)
      .toString('base64')
      .slice(4, -4),
  ),
  ...['md5', 'sha1', 'sha256'].map((a) => createHash(a).update(value).digest('hex')),
  createHash('sha256').update(value).digest('base64'),
]);
const KEY = 'a'.repeat(8) + createHash('sha256').update(String(process.pid)).digest('hex');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile());
}

function nightly(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync('bash', ['scripts/nightly-local.sh', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 540_000,
  });
}

/** The previously published site: one earlier run, in which the phone's device-ID claim passed. */
function previousSite(dir: string): { site: string; previousId: string } {
  const site = join(dir, 'site');
  const android = JSON.parse(readFileSync(join(ANDROID, 'run.json'), 'utf8')) as RunRecord;
  const previousId = 'nightly-previous-1';
  const previous: RunRecord = {
    ...android,
    runId: previousId,
    startedAt: '2026-11-28T03:40:00.000Z',
    finishedAt: '2026-11-28T03:44:00.000Z',
    cells: android.cells.map((c) =>
      c.claim === 'no-device-ids-without-consent' ? { ...c, status: 'pass', evidence: [] } : c,
    ),
  };
  mkdirSync(join(site, 'runs', previousId), { recursive: true });
  writeFileSync(join(site, 'run.json'), JSON.stringify(previous));
  writeFileSync(join(site, 'runs', previousId, 'run.json'), JSON.stringify(previous));
  writeFileSync(join(site, 'runs', 'index.txt'), `${previousId}\n`);
  return { site, previousId };
}

describe('scripts/nightly-local.sh', () => {
  const out = mkdtempSync(join(tmpdir(), 'phonehome-nightly-local-'));
  const { site, previousId } = previousSite(out);
  const runId = `nightly-local-test-${process.pid}`;
  let result: ReturnType<typeof nightly>;
  let work = '';
  let merged: RunRecord;
  /** Each shard's own scenario records, read from its sealed upload. */
  const shardRecords: ScenarioRecord[][] = [];

  beforeAll(() => {
    const reference = DEFAULT_TARGETS.find((t) => t.id === 'reference');
    result = nightly(['--shards', '2', '--out', out, '--site', site, '--android', ANDROID], {
      PHONEHOME_RUN_ID: runId,
      PHONEHOME_SHARD_KEY: KEY,
      PHONEHOME_TARGETS: JSON.stringify([{ ...reference, scenarios: ['visit'] }]),
      PHONEHOME_SCENARIOS: 'visit',
      PHONEHOME_WATCH_QUIET: '1s',
      PHONEHOME_WATCH_MIN: '2s',
      PHONEHOME_WATCH_MAX: '6s',
    });
    work = join(out, 'work', runId);
    if (existsSync(join(work, 'merge/reports', runId, 'run.json'))) {
      merged = readRun(join(work, 'merge/reports', runId)).run;
    }
    for (const shard of [1, 2]) {
      const opened = join(out, `opened-${shard}`);
      const r = spawnSync(
        'bash',
        ['scripts/shard-artifact.sh', 'open', join(work, 'uploads', `shard-${shard}.tar.gz.enc`), opened],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PHONEHOME_SHARD_KEY: KEY } },
      );
      shardRecords.push(
        r.status === 0
          ? filesUnder(opened)
              .filter((p) => p.endsWith('record.json'))
              .map((p) => JSON.parse(readFileSync(p, 'utf8')) as ScenarioRecord)
          : [],
      );
    }
  }, 600_000);

  it('should run both shards, merge them and the Android run, and exit 1 for the regression the diff found', () => {
    expect(result.stdout).toContain('nightly-local: shard 1/2: playwright exited 0');
    expect(result.stdout).toContain('nightly-local: shard 2/2: playwright exited 0');
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(1);
    const diff = readFileSync(join(work, 'diff.txt'), 'utf8');
    expect(diff).toContain(`${ANDROID_TARGET}:normal`);
    expect(diff).toContain('no-device-ids-without-consent');
  });

  it("should give each shard one scenario and find every shard's record in the merged run", () => {
    expect(shardRecords.map((r) => r.length)).toEqual([1, 1]);
    const records = shardRecords.flat();
    expect(records.map((r) => r.target.id).sort()).toEqual(['reference:incognito', 'reference:normal']);
    const desktop = merged.scenarios.filter((s) => s.target.startsWith('reference:'));
    expect(desktop).toHaveLength(records.length);
    for (const record of records) {
      const scenario = desktop.find((s) => s.target === record.target.id && s.scenario === record.scenario);
      expect(scenario, record.target.id).toMatchObject({
        status: record.status,
        flows: record.flows,
        findings: record.findings.length,
        sealed: record.sealed,
      });
      expect(merged.findings.filter((f) => f.flowId.startsWith(`${record.target.id}/`))).toHaveLength(
        record.findings.length,
      );
    }
    // The shards planted the Android ID and found it in what the reference sent.
    expect(records.every((r) => r.findings.some((f) => f.token === PLANTED[0]?.value))).toBe(true);
  });

  it('should judge the claim that compares the two modes across the shards, each mode from its own shard', () => {
    const cell = merged.cells.find(
      (c) => c.claim === 'incognito-unlinkable-to-normal-browsing' && c.target === 'reference:incognito',
    );
    expect(cell?.status).toBe('fail');
    const flows = new Set(cell?.evidence.map((e) => e.flow.split('/')[0]));
    expect(flows).toEqual(new Set(['reference:normal', 'reference:incognito']));
  });

  it('should put the Android run in the same run.json and report, its firmware as the column', () => {
    const phone = merged.targets.filter((t) => t.base === ANDROID_TARGET);
    expect(phone.map((t) => t.mode).sort()).toEqual(['incognito', 'normal']);
    expect(phone[0]?.firmware).toMatch(/^sdk_gphone64_x86_64 · google\//);
    expect(merged.parts?.map((p) => p.runId)).toEqual([runId, readRun(ANDROID).run.runId]);
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('fw sdk_gphone64_x86_64');
  });

  it('should lay out the Pages folder: report, run.json and the history of runs', () => {
    for (const f of ['index.html', 'report.html', 'run.json', 'summary.md', 'junit.xml']) {
      expect(existsSync(join(site, f)), f).toBe(true);
    }
    expect(readFileSync(join(site, 'runs/index.txt'), 'utf8')).toBe(`${previousId}\n${runId}\n`);
    expect(readRun(join(site, 'runs', runId)).run.runId).toBe(runId);
    expect(readRun(join(site, 'runs', previousId)).run.runId).toBe(previousId);
    const html = readFileSync(join(site, 'index.html'), 'utf8');
    expect(html).toContain('id="history"');
    expect(html).toContain(previousId);
  });

  it('should leave no planted identifier, in any form, in any uploaded or published file', () => {
    const uploads = filesUnder(join(work, 'uploads'));
    const published = [...filesUnder(site), ...filesUnder(join(work, 'public'))];
    expect(uploads.map((p) => p.slice(work.length + 1)).sort()).toEqual([
      'uploads/shard-1.tar.gz.enc',
      'uploads/shard-2.tar.gz.enc',
    ]);
    expect(published.some((p) => p.endsWith('run.har'))).toBe(true);
    expect(published.filter((p) => p.endsWith('flows.ndjson'))).toHaveLength(4);
    for (const path of [...uploads, ...published]) {
      const text = readFileSync(path).toString('latin1');
      for (const form of FORBIDDEN) expect(text.includes(form), `${form} in ${path}`).toBe(false);
    }
    // The detector, which peels every encoding and hash, finds none in the published flow logs.
    for (const path of published.filter((p) => p.endsWith('flows.ndjson'))) {
      const { flows } = readFlowLog(readFileSync(path, 'utf8'));
      expect(analyzeFlows(flows, PLANTED).findings, path).toEqual([]);
    }
    // …while the merge job's own run folder, which never leaves it, holds the full value.
    const local = filesUnder(join(work, 'merge/reports', runId))
      .filter((p) => p.endsWith('flows.ndjson'))
      .map((p) => readFileSync(p, 'utf8'))
      .join('');
    expect(analyzeFlows(readFlowLog(local).flows, PLANTED).findings.length).toBeGreaterThan(0);
  });

  it('should not open a shard artifact with another key', () => {
    const r = spawnSync(
      'bash',
      ['scripts/shard-artifact.sh', 'open', join(work, 'uploads/shard-1.tar.gz.enc'), join(out, 'wrong-key')],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PHONEHOME_SHARD_KEY: `b${KEY}` } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot be opened (wrong PHONEHOME_SHARD_KEY, or a damaged artifact)');
  });
});

describe('scripts/nightly-local.sh before anything starts', () => {
  it("should stop with exit 2 and the shard's preflight line when a target's browser is missing", () => {
    const out = mkdtempSync(join(tmpdir(), 'phonehome-nightly-preflight-'));
    const r = nightly(['--shards', '1', '--out', out], {
      PHONEHOME_TARGETS: JSON.stringify([
        {
          id: 'ghost',
          name: 'Ghost',
          engine: 'chromium',
          executablePath: '/nonexistent/chromium',
          vendorDomains: [],
        },
      ]),
      PHONEHOME_SCENARIOS: 'idle',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^phonehome preflight: ghost: .*\/nonexistent\/chromium.*fix: /m);
    expect(r.stderr).toContain('nightly-local: the merge wrote no run.json');
  }, 120_000);

  it('should refuse a bad shard count in one line', () => {
    const r = nightly(['--shards', 'two'], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('nightly-local: --shards takes a whole number from 1, not "two"\n');
  });
});
