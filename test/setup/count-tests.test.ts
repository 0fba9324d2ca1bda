import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs scripts/count-tests.sh (what .ci/run ends with) on a log. */
function count(log: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'phonehome-count-')), 'npm-test.log');
  writeFileSync(file, log);
  const r = spawnSync('bash', ['scripts/count-tests.sh', file], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('.ci/run last line', () => {
  it('should add vitest and Playwright counts, skipped included', () => {
    const log = [
      '\x1b[2m      Tests \x1b[22m \x1b[1m\x1b[31m1 failed\x1b[39m\x1b[22m | \x1b[32m273 passed\x1b[39m | 6 skipped (280)',
      'Running 9 tests using 2 workers',
      '  1 failed',
      '  2 skipped',
      '  6 passed (1.6m)',
    ].join('\n');
    expect(count(log)).toBe('279 passed, 2 failed, 8 skipped');
  });

  it('should say 0 for what a log does not mention', () => {
    expect(count('      Tests  12 passed (12)\n')).toBe('12 passed, 0 failed, 0 skipped');
  });
});
