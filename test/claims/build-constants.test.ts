import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { buildConstants } from '../../src/harness/build-constants.ts';
import type { Flow } from '../../src/model/flow.ts';
import { testFlow } from '../flow.ts';

const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium')!;

function flowWithKey(key: string): Flow {
  return testFlow({
    url: `https://optimizationguide-pa.googleapis.com/v1:GetModels?key=${key}`,
    method: 'GET',
    runId: 'r',
    target: 'chromium:normal',
    scenario: 'idle',
    startedAt: new Date().toISOString(),
  });
}

describe('build constants', () => {
  it("should recognise the API key Debian's Chromium ships, and nothing random", () => {
    const apikeys = readFileSync('/etc/chromium.d/apikeys', 'utf8');
    const shipped = apikeys.match(/GOOGLE_API_KEY="([^"]+)"/)?.[1] ?? '';
    expect(shipped.length).toBeGreaterThan(8);
    const random = 'Zq8v3Lr9Xw2Kp7Tn4Bm6';
    expect(buildConstants(chromium, [flowWithKey(shipped), flowWithKey(random)])).toEqual([shipped]);
  });

  it('should find none for a target without installed files', () => {
    const nowhere = { ...chromium, executablePath: '/nonexistent/browser' };
    expect(buildConstants(nowhere, [flowWithKey('Zq8v3Lr9Xw2Kp7Tn4Bm6')])).toEqual([]);
  });
});
