import { describe, expect, it } from 'vitest';
import type { ScenarioRecord, WatchWindow } from '../../src/model/run-record.ts';
import { watchLines, watchSentence } from '../../src/report/watch-window.ts';
import { scenarioRecord } from '../scenario-record.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 3, 0, s)).toISOString();

function window(from: number, to: number, ended: WatchWindow['ended'] = 'quiet'): WatchWindow {
  return {
    lastStepAt: at(from),
    closedAt: at(to),
    ended,
    quietMs: 8000,
    minMs: 20000,
    maxMs: 60000,
    inFlightAtClose: 0,
  };
}

function record(scenario: string, extra: Partial<ScenarioRecord> = {}): ScenarioRecord {
  return scenarioRecord({ scenario, startedAt: at(0), flowsFile: 'f', ...extra });
}

describe('the window beside a pass', () => {
  it('should say how long one scenario was watched after its last step', () => {
    expect(watchSentence([record('idle', { watch: window(0, 41) })])).toBe(
      'Watched 41 s after the last step (quiet reached in 1 of 1 windows).',
    );
  });

  it('should give the range over scenarios, the flush points, and the windows that hit the maximum', () => {
    const search = record('search', {
      watch: window(0, 23),
      flushPoints: [{ point: 'close-and-relaunch', graceful: true, watch: window(30, 50) }],
    });
    const visit = record('visit', { watch: window(0, 60, 'maximum') });
    expect(watchSentence([search, visit])).toBe(
      'Watched 23–60 s after the last step, and 20 s after a graceful close and relaunch (quiet reached in 2 of 3 windows; 1 of 3 still sending at their 60 s maximum).',
    );
  });

  it('should name a soak, and the scenarios that were not watched', () => {
    const soaked = { ...window(0, 120, 'soak'), soakMs: 120000 };
    expect(watchSentence([record('idle', { watch: soaked }), record('restart')])).toBe(
      'Watched 120 s after the last step (soak of 120 s). restart: not watched after the steps.',
    );
    expect(watchSentence([record('idle')])).toBe('The scenarios were not watched after their steps.');
  });

  it('should give one line per column of the run, from run.json alone', () => {
    const target = record('idle').target;
    const scenarios = [
      {
        target: target.id,
        scenario: 'idle',
        mode: 'normal' as const,
        status: 'finished' as const,
        flows: 1,
        findings: 0,
        durationMs: 1,
        watch: window(0, 22),
      },
    ];
    expect(watchLines({ targets: [target], scenarios })).toEqual([
      'chromium:normal: Watched 22 s after the last step (quiet reached in 1 of 1 windows).',
    ]);
  });
});
