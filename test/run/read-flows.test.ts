import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import { evaluate } from '../../src/claims/evaluate.ts';
import { runView } from '../../src/claims/run-view.ts';
import { defineClaims } from '../../src/claims/schema.ts';
import type { ScenarioRecord } from '../../src/model/run-record.ts';
import { recordOfCapture } from '../../src/run/recover.ts';
import { readRecordFlows } from '../../src/run/write-run.ts';
import { loadCapture } from '../claims/captures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'phonehome-read-flows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const [declared] = defineClaims([
  {
    id: 'declared',
    says: 'Only the sites, the engine, the maker and the start page',
    declaredRecipientsOnly: ['search-engine', 'site', 'vendor', 'duckduckgo.com'],
  },
]);

/** A run folder holding one real record of the chromium capture and its flow log, as written. */
function runFolder(name: string) {
  const capture = loadCapture('chromium');
  const record = capture.records.find((r) => r.target.id === 'chromium:normal' && r.scenario === 'search')!;
  record.sealed = true;
  const flows = capture.flows.filter((f) => f.target === record.target.id && f.scenario === record.scenario);
  const runDir = join(tmp, name);
  const captureDir = join(runDir, 'captures', 'chromium-normal-search');
  mkdirSync(captureDir, { recursive: true });
  record.flowsFile = 'captures/chromium-normal-search/flows.ndjson';
  record.flows = flows.length;
  const lines = flows.map((f) => JSON.stringify({ type: 'flow', ...f }));
  const logPath = join(runDir, record.flowsFile);
  writeFileSync(logPath, `${lines.join('\n')}\n`);
  writeFileSync(join(captureDir, 'record.json'), JSON.stringify(record));
  return { runDir, captureDir, record, flows, lines, logPath, capture };
}

function verdictOf(record: ScenarioRecord, flows: ReturnType<typeof runFolder>['flows']) {
  return evaluate(declared!, runView([record], flows, { target: record.target.id }))!;
}

describe('reading a record’s flows back', () => {
  it('should read a whole log as it is, and the claim passes on it', () => {
    const { runDir, record, flows } = runFolder('whole');
    const read = readRecordFlows(runDir, record);
    expect(read.record).toBe(record);
    expect(read.flows).toHaveLength(flows.length);
    expect(verdictOf(read.record, read.flows).status).toBe('pass');
  });

  it('should tolerate a torn last line only', () => {
    const { runDir, record, lines, logPath } = runFolder('torn');
    // A crash mid-write of one more flow: the record (written after) would not count it.
    writeFileSync(logPath, `${lines.join('\n')}\n{"type":"flow","id":"chromium:norm`);
    const read = readRecordFlows(runDir, record);
    expect(read.record.status).toBe('finished');
    expect(read.record.gaps.some((g) => g.kind === 'capture-lost')).toBe(false);
    expect(readFlowLog(readFileSync(logPath, 'utf8')).tornLast).toBe(true);
  });

  const broken: [string, (f: ReturnType<typeof runFolder>) => void, RegExp][] = [
    ['missing', (f) => rmSync(f.logPath), /flow log .* is missing/],
    [
      'unreadable (a folder where the log should be)',
      (f) => {
        rmSync(f.logPath);
        mkdirSync(f.logPath);
      },
      /flow log .* cannot be read \(EISDIR\)/,
    ],
    [
      'damaged before its last line',
      (f) => writeFileSync(f.logPath, `${[f.lines[0], '{"type":"flow",', ...f.lines.slice(1)].join('\n')}\n`),
      /line 2 of the flow log .* could not be read/,
    ],
    [
      'shorter than the record’s count',
      (f) => writeFileSync(f.logPath, `${f.lines.slice(0, -2).join('\n')}\n`),
      /holds \d+ flows where the scenario captured \d+/,
    ],
  ];

  it.each(broken)(
    'should make the record interrupted with a capture-lost gap when the log is %s',
    (_, breakIt, says) => {
      const folder = runFolder(`broken-${Math.random().toString(36).slice(2)}`);
      breakIt(folder);
      const read = readRecordFlows(folder.runDir, folder.record);
      expect(read.record.status).toBe('interrupted');
      const lost = read.record.gaps.filter((g) => g.kind === 'capture-lost');
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toMatch(says);
      const verdict = verdictOf(read.record, read.flows);
      expect(verdict.status).toBe('inconclusive');
      expect(verdict.reason).toMatch(/capture-lost in chromium:normal \/ search: /i);
      // Recovery after a crash reads the same way.
      const recovered = recordOfCapture(folder.runDir, folder.captureDir)!;
      expect(recovered.record.gaps.map((g) => g.kind)).toContain('capture-lost');
    },
  );

  it('should list every damaged line that is not the last', () => {
    const log = readFlowLog('{"type":"flow","id":"a"}\nnot json\n[1]\n{"type":"flow","id":"b"}\n{"torn');
    expect(log.flows.map((f) => f.id)).toEqual(['a', 'b']);
    expect(log.badLines).toEqual([2, 3]);
    expect(log.tornLast).toBe(true);
  });

  it('should leave a record that captured nothing (a launch error, no log) as it is', () => {
    const { record } = runFolder('nothing');
    const none = { ...record, status: 'error' as const, flowsFile: '', flows: 0 };
    expect(readRecordFlows(tmp, none).record).toBe(none);
  });
});
