import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/model/run-record.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { maskIdentifier, maskRun } from '../../src/report/mask.ts';

const real = JSON.parse(
  readFileSync(new URL('../fixtures/runs/real/run.json', import.meta.url), 'utf8'),
) as RunRecord;
const deviceId = '8a4fe2c1d9b73e05';

describe('masking device identifiers in published reports', () => {
  it('should keep the first and last two characters only', () => {
    expect(maskIdentifier(deviceId)).toBe('8a••••••••••••05');
    expect(maskIdentifier('12345')).toBe('•••••');
  });

  it('should find the reference device id in the real run before masking', () => {
    expect(JSON.stringify(real)).toContain(deviceId);
    expect(JSON.stringify(maskRun(real))).not.toContain(deviceId);
  });

  it('should never print a device id in full in HTML, Markdown or JUnit', () => {
    for (const out of [renderHtml(real), renderMarkdown(real), renderJunit(real)]) {
      expect(out).not.toContain(deviceId);
      expect(out).toContain('8a••••••••••••05');
    }
  });

  it('should leave canaries (not device identifiers) readable', () => {
    const canary = real.findings.find((f) => f.dataClass === 'search-terms')?.token ?? '';
    expect(canary).not.toBe('');
    expect(renderMarkdown(real)).toContain(canary);
  });
});
