import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/claims/evaluate.ts';
import { defineClaims } from '../../src/claims/schema.ts';
import { scanWhatStaysOnDevice } from '../../src/harness/device-evidence.ts';
import type { ScenarioRecord, TargetRecord } from '../../src/model/run-record.ts';
import type { Token } from '../../src/model/token.ts';
import { scenarioRecord } from '../scenario-record.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonehome-not-on-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [claim] = defineClaims([
  {
    id: 'incognito-leaves-nothing-on-device',
    says: 'After the private window closes, nothing you typed or visited remains on the device',
    when: { mode: 'incognito' },
    data: ['search-terms', 'visited-urls'],
    notOnDevice: true,
  },
]);

const target: TargetRecord = {
  id: 'chromium:incognito',
  name: 'Chromium',
  engine: 'chromium',
  version: '1',
  mode: 'incognito',
  base: 'chromium',
};
const canary = (value: string): Token => ({
  value,
  kind: 'canary',
  dataClass: 'search-terms',
  label: 'search term',
});

function record(over: Partial<ScenarioRecord>): ScenarioRecord {
  return scenarioRecord({
    target,
    startedAt: new Date().toISOString(),
    tokens: [canary('phdevicetest01')],
    ...over,
  });
}

/** A work folder with one SQLite file holding `value` (or nothing), scanned by the real device step. */
async function scanned(name: string, value?: string) {
  const workDir = join(dir, name);
  mkdirSync(join(workDir, 'profile'), { recursive: true });
  execFileSync('sqlite3', [
    join(workDir, 'profile/History'),
    `CREATE TABLE urls(url); INSERT INTO urls VALUES('${value ?? 'about:blank'}');`,
  ]);
  return scanWhatStaysOnDevice({
    workDir,
    canaries: [canary('phdevicetest01')],
    provenance: { target: target.id, scenario: 'search', mode: 'incognito' },
    since: Date.now() - 60_000,
  });
}

const judge = (records: ScenarioRecord[]) => evaluate(claim!, { target, records, flows: [], sealed: true });

describe('not-on-device rule', () => {
  it('should fail with the file and its chain when a search term stayed in a file', async () => {
    const { device, gaps } = await scanned('fail', 'https://search.test/?q=phdevicetest01');
    const v = judge([record({ device, gaps })])!;
    expect(v.status).toBe('fail');
    expect(v.evidence[0]).toMatchObject({
      where: 'file:profile/History',
      token: 'phdevicetest01',
      host: 'this device',
    });
    expect(v.evidence[0]!.chain.slice(0, 2)).toEqual(['sqlite:urls.url', 'row 1']);
    expect(v.reason).toMatch(/remains in profile\/History/);
  });

  it('should pass when the files were scanned and hold none of the data', async () => {
    const { device, gaps } = await scanned('pass');
    const v = judge([record({ device, gaps })])!;
    expect(v.status).toBe('pass');
    expect(v.reason).toMatch(/None of the search terms and visited URLs was found in the 1 files/);
  });

  it('should be inconclusive, never pass, when a file could not be read', async () => {
    const { device } = await scanned('gap');
    const gap = {
      kind: 'file-unread' as const,
      file: 'profile/Sessions_Encrypted/Tabs_1',
      reason: 'looks encrypted',
    };
    expect(judge([record({ device, gaps: [gap] })])!.status).toBe('inconclusive');
  });

  it('should be inconclusive when the files were not scanned at all', () => {
    expect(judge([record({})])!.reason).toMatch(/were not scanned/);
    expect(
      judge([
        record({ device: { scanned: 'x', notScanned: "the app's data is on the phone", findings: [] } }),
      ])!.status,
    ).toBe('inconclusive');
  });

  it('should be inconclusive when no scenario planted the data', () => {
    expect(judge([record({ tokens: [] })])!.status).toBe('inconclusive');
  });

  it('should not apply to normal mode', () => {
    expect(
      evaluate(claim!, {
        target: { ...target, id: 'chromium:normal', mode: 'normal' },
        records: [],
        flows: [],
        sealed: true,
      }),
    ).toBeNull();
  });
});
