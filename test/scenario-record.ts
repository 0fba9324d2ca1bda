import type { ScenarioRecord } from '../src/model/run-record.ts';

/**
 * A finished scenario record of Chromium in normal mode with nothing found, sealed and without
 * consent, for tests: `over` sets what the test is about.
 */
export function scenarioRecord(over: Partial<ScenarioRecord> = {}): ScenarioRecord {
  return {
    runId: 'r',
    target: {
      id: 'chromium:normal',
      name: 'Chromium',
      engine: 'chromium',
      version: '1',
      mode: 'normal',
      base: 'chromium',
    },
    scenario: 'search',
    status: 'finished',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    flowsFile: 'flows.ndjson',
    flows: 0,
    tokens: [],
    findings: [],
    gaps: [],
    recipients: { searchEngine: [], sites: [], vendor: [] },
    sealed: true,
    consent: 'none',
    phoneHome: [],
    ...over,
  };
}
