import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { phoneHomeRows } from '../../src/capture/phone-home.ts';
import { recordOfCapture } from '../../src/run/recover.ts';
import { loadCapture } from '../claims/captures.ts';

const runDir = mkdtempSync(join(tmpdir(), 'phonehome-phone-home-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

describe('phone-home rows', () => {
  it('should count the same bytes (URL, headers and body) for a scenario rebuilt by recovery as for one that finished', () => {
    const capture = loadCapture('chromium');
    const record = capture.records.find((r) => r.target.id === 'chromium:normal' && r.scenario === 'idle');
    if (!record) throw new Error('the chromium capture has no chromium:normal idle record');
    const flows = capture.flows.filter(
      (f) => f.target === record.target.id && f.scenario === record.scenario,
    );
    const dir = join(runDir, 'captures', 'chromium-normal-idle');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'flows.ndjson'), flows.map((f) => `${JSON.stringify(f)}\n`).join(''));
    writeFileSync(
      join(dir, 'started.json'),
      JSON.stringify({
        runId: 'r1',
        target: record.target.id,
        base: 'chromium',
        name: 'Chromium',
        engine: 'chromium',
        mode: 'normal',
        scenario: 'idle',
        startedAt: '2026-01-01T00:00:00.000Z',
        vendor: [],
      }),
    );
    const rebuilt = recordOfCapture(runDir, dir);
    const finished = phoneHomeRows(record.target.id, 'idle', flows, []);
    expect(flows.length).toBeGreaterThan(0);
    expect(rebuilt?.record.phoneHome).toEqual(finished);
    // Headers count: a row's bytes exceed what the URLs and bodies alone weigh.
    const urlAndBody = flows.reduce((n, f) => n + f.request.url.length + f.request.bodySize, 0);
    expect(finished.reduce((n, r) => n + r.bytes, 0)).toBeGreaterThan(urlAndBody);
  });
});
