import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ndjsonLine } from '../../src/capture/capture-file.ts';
import { Analyzer } from '../../src/detect/analyze.ts';
import type { Finding } from '../../src/model/finding.ts';
import type { Flow } from '../../src/model/flow.ts';
import { CANARY, canary, deviceId, makeFlow } from './helpers.ts';

const PHRASES = ['new york pizza', 'café crème', '東京 天気', '🍕 near me', 'a&b+c/d%e'];

function sdkFlows(): Flow[] {
  const flows: Flow[] = [];
  for (const sdk of ['amplitude', 'mixpanel', 'posthog', 'sensors']) {
    const text = readFileSync(new URL(`../../fixtures/sdk-captures/${sdk}.ndjson`, import.meta.url), 'utf8');
    for (const line of text.split('\n')) {
      const rec = ndjsonLine(line);
      if (rec?.kind === 'flow') flows.push(rec.flow);
    }
  }
  return flows;
}

const key = (f: Finding) => `${f.flowId} ${f.token} ${f.where} ${f.chain.join(' → ')} ${f.form ?? ''}`;

describe('what earlier flows taught the analyzer', () => {
  it('should find in each flow what it finds alone, whatever flows came before (and twice over)', () => {
    const flows = sdkFlows();
    expect(flows.length).toBeGreaterThan(20);
    const tokens = PHRASES.map((p) => canary(p));
    const alone = flows.flatMap((f) => new Analyzer(tokens).analyzeFlow(f).findings.map(key));
    expect(alone.length).toBeGreaterThan(20);
    const shared = new Analyzer(tokens);
    // The second pass meets every string again, after the first remembered those that led nowhere.
    for (let pass = 0; pass < 2; pass++)
      expect(flows.flatMap((f) => shared.analyzeFlow(f).findings.map(key))).toEqual(alone);
  });

  it('should find a token that only escaping hid from the text around it (JSON \\u, percent, plus)', () => {
    const a = new Analyzer([canary(), deviceId('00000000-aaaa-4bbb-8ccc-0123456789ab', 'advertising-id')]);
    const escapedP = `\\u0070${CANARY.slice(1)}`;
    // First without the token, so the surrounding strings are known to lead nowhere.
    const plain = `{"id":"00000000-aaaa-4bbb-8ccc-000000000000","url":"https://s.test/x?q=word&r=1"}`;
    expect(a.analyzeFlow(makeFlow('https://t.test/c', plain)).findings).toEqual([]);
    const cases: Array<[string, string]> = [
      [`{"id":"00000000-aaaa-4bbb-8ccc-000000000000","q":"${escapedP}"}`, 'json:$.q'],
      [`{"url":"https://s.test/x?q=%70${CANARY.slice(1)}&r=1"}`, 'json:$.url → url → query:q'],
      [`a=1&q=%70${CANARY.slice(1)}`, 'form:q'],
      [`{"u":"https://s.test/x?q=${CANARY.slice(0, 4)}%2B${CANARY.slice(4)}"}`, ''],
    ];
    for (const [body, chain] of cases) {
      const found = a.analyzeFlow(makeFlow('https://t.test/c', body)).findings;
      if (chain === '') expect(found).toEqual([]);
      else expect(found.map((f) => f.chain.join(' → '))).toContain(chain);
    }
    // The id itself, in a string seen before only beside other ids.
    const id = a.analyzeFlow(makeFlow('https://t.test/c', plain.replace('000000000000', '0123456789ab')));
    expect(id.findings.map((f) => f.chain.join(' → '))).toEqual(['json:$.id']);
  });
});
