import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import { analyzeFlows } from '../../src/detect/analyze.ts';
import type { Flow } from '../../src/model/flow.ts';
import type { RunRecord } from '../../src/model/run-record.ts';
import type { Token } from '../../src/model/token.ts';
import { readRun } from '../../src/report/read-run.ts';
import { writeRun } from '../../src/run/write-run.ts';
import { testFlow } from '../flow.ts';

const IMEI = '356938035643809';
const ANDROID_ID = '8a4fe2c1d9b73e05';
const tokens: Token[] = [
  { value: IMEI, kind: 'device-id', dataClass: 'device-ids', label: 'imei' },
  { value: ANDROID_ID, kind: 'device-id', dataClass: 'device-ids', label: 'android-id' },
];
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (algo: string, s: string) => createHash(algo).update(s).digest('hex');

function flow(seq: number, url: string, body = '', headers: Flow['request']['headers'] = []): Flow {
  return testFlow({
    url,
    body,
    method: body ? 'POST' : 'GET',
    headers: [{ name: 'host', value: new URL(url).host }, ...headers],
    seq,
    runId: 'publish-test',
    target: 'android:normal',
    scenario: 'idle',
    startedAt: '2026-11-29T00:00:00.000Z',
    response: { status: 200, headers: [], bodySize: 0 },
    sni: new URL(url).hostname,
  });
}

/** Identifiers planted in every place and wrapping a telemetry SDK uses. */
const planted: Flow[] = [
  flow(1, `https://collect.analytics.test/v1?aid=${ANDROID_ID}&v=2`),
  flow(2, 'https://collect.analytics.test/v2', '', [{ name: 'x-device', value: IMEI }]),
  flow(
    3,
    'https://collect.analytics.test/batch',
    `data_list=${encodeURIComponent(b64(JSON.stringify({ events: [{ imei: IMEI }] })))}`,
  ),
  flow(4, 'https://collect.analytics.test/h', JSON.stringify({ id: hex('sha256', ANDROID_ID) })),
  flow(5, `https://cdn.analytics.test/${IMEI}/pixel.gif`),
  flow(6, 'https://www.example.org/', ''),
];

/** Forms of the identifiers a published file must not contain. */
const forbidden = [IMEI, ANDROID_ID, b64(IMEI), b64(ANDROID_ID), hex('sha256', ANDROID_ID), hex('md5', IMEI)];

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8', withFileTypes: false })
    .map((p) => join(dir, p))
    .filter((p) => {
      try {
        readFileSync(p);
        return true;
      } catch {
        return false;
      }
    });
}

/** An identifier the browser made up, in flow 7 as base64 inside a form field. */
const MADE_UP = 'pf7Q2kLx9ZmA4wRt';
const madeUpFlow = flow(7, 'https://telemetry.vendor.test/ping', `c=${encodeURIComponent(b64(MADE_UP))}`);

async function localRun(withIdentifier = false): Promise<{ runDir: string; run: RunRecord }> {
  const root = mkdtempSync(join(tmpdir(), 'phonehome-publish-'));
  const runDir = join(root, 'publish-test');
  const logRel = 'captures/android-normal-idle/flows.ndjson';
  mkdirSync(join(runDir, 'captures/android-normal-idle'), { recursive: true });
  const flows = withIdentifier ? [...planted, madeUpFlow] : planted;
  writeFileSync(
    join(runDir, logRel),
    flows.map((f) => `${JSON.stringify({ type: 'flow', ...f })}\n`).join(''),
  );
  const { findings } = analyzeFlows(planted, tokens);
  const base = readRun('test/fixtures/runs/real').run;
  const run: RunRecord = {
    ...base,
    runId: 'publish-test',
    findings,
    scenarios: base.scenarios.map((s) => ({ ...s, error: `device ${IMEI} answered late` })),
    files: { flows: [logRel] },
    ...(withIdentifier
      ? {
          identifiers: [
            {
              value: MADE_UP,
              target: 'android',
              class: 'profile' as const,
              hosts: ['telemetry.vendor.test'],
              parts: ['body'],
              firstSeen: {
                flow: madeUpFlow.id,
                at: madeUpFlow.startedAt,
                scenario: 'idle',
                mode: 'normal' as const,
              },
              survived: ['restart' as const],
              flows: [madeUpFlow.id],
            },
          ],
        }
      : {}),
  };
  await writeRun(run, runDir, flows);
  return { runDir, run: JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord };
}

describe('published files', () => {
  it('should find every planted identifier in the local run (the test plants what it then looks for)', async () => {
    const { run, runDir } = await localRun();
    expect(new Set(run.findings.map((f) => f.flowId)).size).toBe(5);
    const local = files(runDir)
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    expect(local).toContain(IMEI);
    expect(local).toContain(ANDROID_ID);
  });

  it('should record the sha256 of the HAR and of each flow log in run.json', async () => {
    const { run, runDir } = await localRun();
    const sums = run.files.sha256 ?? {};
    expect(Object.keys(sums).sort()).toEqual(['captures/android-normal-idle/flows.ndjson', 'run.har']);
    for (const [relative, sum] of Object.entries(sums)) {
      expect(sum).toBe(
        createHash('sha256')
          .update(readFileSync(join(runDir, relative)))
          .digest('hex'),
      );
    }
  });

  it('should leave no planted identifier, in any form, in any published file (run.json, HAR, flow logs, reports)', async () => {
    const { runDir } = await localRun();
    const out = mkdtempSync(join(tmpdir(), 'phonehome-site-'));
    const r = spawnSync(
      process.execPath,
      ['bin/phonehome.js', 'report', runDir, '--out', out, '--publish', '--quiet'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const published = files(out);
    expect(published.map((p) => p.slice(out.length + 1)).sort()).toEqual(
      [
        'captures',
        'captures/android-normal-idle',
        'captures/android-normal-idle/flows.ndjson',
        'junit.xml',
        'report.html',
        'run.har',
        'run.json',
        'summary.md',
      ].filter((p) => p.includes('.')),
    );
    for (const path of published) {
      const text = readFileSync(path, 'utf8');
      for (const form of forbidden) expect(text.includes(form), `${form} in ${path}`).toBe(false);
    }
    // The detector itself, which peels base64, forms and hashes, finds nothing in the published flows.
    const flows = readFlowLog(
      readFileSync(join(out, 'captures/android-normal-idle/flows.ndjson'), 'utf8'),
    ).flows;
    expect(flows).toHaveLength(planted.length);
    expect(analyzeFlows(flows, tokens).findings).toEqual([]);
    // What carried nothing is published as it was; the masked run.json still reads as a run.
    expect(flows[5]?.request.url).toBe('https://www.example.org/');
    expect(readRun(out).run.findings).toHaveLength(readRun(runDir).run.findings.length);
  });

  it('should leave no identifier the browser made up, even base64 in a form, in any published file', async () => {
    const { runDir } = await localRun(true);
    const out = mkdtempSync(join(tmpdir(), 'phonehome-site-'));
    const r = spawnSync(
      process.execPath,
      ['bin/phonehome.js', 'report', runDir, '--out', out, '--publish', '--quiet'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(readFileSync(join(runDir, 'run.json'), 'utf8')).toContain(MADE_UP);
    for (const path of files(out)) {
      const text = readFileSync(path, 'utf8');
      for (const form of [MADE_UP, b64(MADE_UP)])
        expect(text.includes(form), `${form} in ${path}`).toBe(false);
    }
    expect(readRun(out).run.identifiers?.[0]?.value).toBe('pf••••••••••••Rt');
  });

  it('should refuse --publish into the run folder itself, which keeps the full values', async () => {
    const { runDir } = await localRun();
    const r = spawnSync(process.execPath, ['bin/phonehome.js', 'report', runDir, '--publish', '--quiet'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--publish needs --out/);
  });
});
