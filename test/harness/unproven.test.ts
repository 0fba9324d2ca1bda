import { describe, expect, it } from 'vitest';
import { unprovenReason } from '../../src/harness/run-scenario.ts';
import { getScenario } from '../../src/harness/scenarios.ts';
import type { Finding } from '../../src/model/finding.ts';

const finding = (over: Partial<Finding>): Finding => ({
  token: 'phonehome canary',
  tokenKind: 'canary',
  dataClass: 'search-terms',
  label: 'search term',
  flowId: 'chromium:normal/search#0',
  seq: 0,
  target: 'chromium:normal',
  scenario: 'search',
  mode: 'normal',
  host: 'search.phonehome.test',
  url: 'https://search.phonehome.test/?q=phonehome+canary',
  method: 'GET',
  transport: 'https',
  where: 'url-query:q',
  chain: [],
  excerpt: '«phonehome canary»',
  ...over,
});

describe('unprovenReason', () => {
  it('should read a search that sent no flow with its term as not finished, naming what is missing', () => {
    expect(unprovenReason(getScenario('search'), [])).toBe(
      'the scenario did not finish: no flow carries its search-terms, so its steps did not happen as scripted',
    );
  });

  it('should not count a prefix of the term (keys lost while typing) as proof', () => {
    expect(unprovenReason(getScenario('search'), [finding({ form: 'prefix-4' })])).toMatch(/did not finish/);
  });

  it('should accept a search whose whole term reached a flow', () => {
    expect(unprovenReason(getScenario('search'), [finding({})])).toBeUndefined();
  });

  it('should ask no proof of a scenario that owes none (idle)', () => {
    expect(unprovenReason(getScenario('idle'), [])).toBeUndefined();
  });
});
