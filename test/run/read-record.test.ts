import { describe, expect, it } from 'vitest';
import type { ScenarioRecord } from '../../src/model/run-record.ts';
import { checkScenarioRecord } from '../../src/run/read-record.ts';
import { scenarioRecord } from '../scenario-record.ts';

const record: ScenarioRecord = scenarioRecord({
  runId: 'r1',
  durationMs: 10,
  flowsFile: 'captures/chromium-normal-search/flows.ndjson',
  flows: 1,
  tokens: [{ value: 'canary-1', kind: 'canary', dataClass: 'search-terms', label: 'search term' }],
  gaps: [{ kind: 'bypass', reason: 'a DNS query', observed: true }],
  recipients: { searchEngine: ['search.test'], sites: [], vendor: [] },
});

describe('checkScenarioRecord', () => {
  it('should return a valid record as it was written, unknown fields kept', () => {
    const written = { ...record, addedLater: 1 };
    const checked = checkScenarioRecord(JSON.parse(JSON.stringify(written)));
    expect(checked).toEqual({ record: written });
  });

  it('should read the build constants of a record written under their former name fixtureConstants', () => {
    const checked = checkScenarioRecord({ ...record, fixtureConstants: ['8a4fe2c1d9b73e05'] });
    expect(checked).toEqual({ record: { ...record, buildConstants: ['8a4fe2c1d9b73e05'] } });
    const both = { ...record, buildConstants: ['a'], fixtureConstants: ['b'] };
    expect(checkScenarioRecord(both)).toEqual({ record: both });
  });

  it('should name the field and reason of a record that does not hold', () => {
    expect(checkScenarioRecord({ ...record, flows: 'one' })).toEqual({
      problem: 'flows: Invalid input: expected number, received string',
    });
    const { consent: _, ...withoutConsent } = record;
    expect(checkScenarioRecord(withoutConsent)).toMatchObject({
      problem: expect.stringMatching(/^consent: /),
    });
  });

  it('should refuse a gap of a kind no run.json version knows', () => {
    const checked = checkScenarioRecord({ ...record, gaps: [{ kind: 'made-up', reason: 'x' }] });
    expect(checked).toMatchObject({ problem: expect.stringMatching(/^gaps\[0\]\.kind: /) });
  });
});
