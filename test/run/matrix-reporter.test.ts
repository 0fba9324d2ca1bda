import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { FullConfig, FullResult, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/model/run-record.ts';
import { parseRunRecord } from '../../src/report/read-run.ts';
import MatrixReporter from '../../src/run/matrix-reporter.ts';
import { loadCapture } from '../claims/captures.ts';

const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A run folder as the harness leaves it, from the real captures in fixtures/captures: each record's
 * flows in its NDJSON log and the record in record.json. Returns the record.json paths.
 */
function runFolder(runDir: string): string[] {
  const paths: string[] = [];
  for (const target of ['chromium', 'reference'] as const) {
    const capture = loadCapture(target);
    for (const record of capture.records) {
      const dir = join('captures', `${record.target.id.replace(':', '-')}-${record.scenario}`);
      mkdirSync(join(runDir, dir), { recursive: true });
      const flows = capture.flows.filter(
        (f) => f.target === record.target.id && f.scenario === record.scenario,
      );
      writeFileSync(join(runDir, dir, 'flows.ndjson'), flows.map((f) => `${JSON.stringify(f)}\n`).join(''));
      record.flowsFile = join(dir, 'flows.ndjson');
      record.flows = flows.length;
      record.sealed = true;
      writeFileSync(join(runDir, dir, 'record.json'), JSON.stringify(record));
      paths.push(join(runDir, dir, 'record.json'));
    }
  }
  return paths;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-reporter-'));
  dirs.push(dir);
  return dir;
}

/** What Playwright hands the reporter for one test of a project (target × mode). */
function testCase(title: string, target = 'chromium', mode = 'normal'): TestCase {
  const project = {
    use: { target: { id: target, name: target, engine: 'chromium', vendorDomains: [] }, mode },
  };
  return { title, parent: { project: () => project } } as unknown as TestCase;
}

function testResult(attachment?: string, status: TestResult['status'] = 'passed'): TestResult {
  return {
    status,
    startTime: new Date('2026-01-01T00:00:00Z'),
    duration: 5,
    errors: status === 'passed' ? [] : [{ message: 'Test timeout of 180000ms exceeded.' }],
    attachments: attachment
      ? [{ name: 'phonehome-record', path: attachment, contentType: 'application/json' }]
      : [],
  } as unknown as TestResult;
}

async function report(reportsDir: string, feed: (r: MatrixReporter) => void): Promise<RunRecord> {
  const reporter = new MatrixReporter({ runId: 'r1', reportsDir });
  reporter.onBegin({} as FullConfig, { allTests: () => [] } as unknown as Suite);
  feed(reporter);
  await reporter.onEnd({ status: 'passed' } as FullResult);
  const file = join(reportsDir, 'r1', 'run.json');
  return parseRunRecord(JSON.parse(readFileSync(file, 'utf8')), file);
}

describe('matrix reporter', () => {
  it('should write run.json from the records the tests attached, into the run folder its options name', async () => {
    const reportsDir = tempDir();
    const records = runFolder(join(reportsDir, 'r1'));
    const run = await report(reportsDir, (r) => {
      for (const path of records) r.onTestEnd(testCase('search'), testResult(path));
    });
    expect(run.runId).toBe('r1');
    expect(run.scenarios).toHaveLength(records.length);
    expect(run.targets.map((t) => t.id).sort()).toEqual([
      'chromium:incognito',
      'chromium:normal',
      'reference:incognito',
      'reference:normal',
    ]);
    // The reference target leaks its search terms to its own telemetry: a fail with evidence.
    const leak = run.cells.find(
      (c) => c.claim === 'incognito-search-terms-only-to-search-engine' && c.target === 'reference:incognito',
    );
    expect(leak?.status).toBe('fail');
    expect(leak?.evidence.length).toBeGreaterThan(0);
    expect(run.files.flows).toHaveLength(records.length);
    expect(readdirSync(join(reportsDir, 'r1'))).toEqual(
      expect.arrayContaining(['run.json', 'run.har', 'summary.md', 'report.html', 'junit.xml']),
    );
  });

  it('should make a test that left no record, or one that does not hold, an error scenario whose cells never pass', async () => {
    const reportsDir = tempDir();
    mkdirSync(join(reportsDir, 'r1'), { recursive: true });
    const broken = join(reportsDir, 'r1', 'broken.json');
    writeFileSync(broken, JSON.stringify({ runId: 'r1', flows: 'many' }));
    const run = await report(reportsDir, (r) => {
      r.onTestEnd(testCase('search', 'chromium', 'normal'), testResult(undefined, 'timedOut'));
      r.onTestEnd(testCase('visit', 'chromium', 'normal'), testResult(broken));
    });
    expect(run.scenarios.map((s) => [s.scenario, s.status, s.error])).toEqual([
      ['search', 'error', 'the harness broke: Test timeout of 180000ms exceeded.'],
      [
        'visit',
        'error',
        expect.stringMatching(/^the harness broke: its scenario record does not hold \(target: /),
      ],
    ]);
    expect(run.cells.length).toBeGreaterThan(0);
    // Every claim that applies reads error; the others say they do not apply. None passes.
    expect(run.cells.filter((c) => c.status !== 'error' && c.status !== 'not-applicable')).toEqual([]);
    expect(run.cells.filter((c) => c.status === 'error').length).toBeGreaterThan(0);
  });

  it('should write the same run.json from two shards merged by merge-reports as from one run', async () => {
    const work = tempDir();
    const runDir = join(work, 'reports', 'merged');
    const records = runFolder(runDir);
    const env = {
      ...process.env,
      PHONEHOME_TEST_RECORDS: JSON.stringify(records),
      PHONEHOME_TEST_RUN_ID: 'merged',
      PHONEHOME_TEST_REPORTS_DIR: join(work, 'reports'),
    };
    const config = join(root, 'test/fixtures/reporter/playwright.config.ts');
    const playwright = join(root, 'node_modules/.bin/playwright');
    for (const shard of ['1/2', '2/2']) {
      const out = join(work, `blob-${shard[0]}`);
      await promisify(execFile)(
        playwright,
        ['test', '--config', config, '--shard', shard, '--reporter', 'blob'],
        { cwd: root, env: { ...env, PLAYWRIGHT_BLOB_OUTPUT_DIR: out } },
      );
      mkdirSync(join(work, 'blobs'), { recursive: true });
      for (const f of readdirSync(out)) cpSync(join(out, f), join(work, 'blobs', f));
    }
    expect(readdirSync(join(work, 'blobs'))).toHaveLength(2);
    await promisify(execFile)(playwright, ['merge-reports', '--config', config, join(work, 'blobs')], {
      cwd: root,
      env,
    });
    const file = join(runDir, 'run.json');
    const merged = parseRunRecord(JSON.parse(readFileSync(file, 'utf8')), file);

    const single = await report(join(work, 'single'), (r) => {
      cpSync(join(runDir, 'captures'), join(work, 'single', 'r1', 'captures'), { recursive: true });
      for (const path of records) {
        r.onTestEnd(testCase('search'), testResult(path.replace(runDir, join(work, 'single', 'r1'))));
      }
    });
    expect(merged.scenarios).toHaveLength(records.length);
    const stable = (run: RunRecord) =>
      JSON.stringify({ cells: run.cells, scenarios: run.scenarios, targets: run.targets, gaps: run.gaps });
    expect(stable(merged)).toBe(stable(single));
  }, 240_000);
});
