import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pointLatest } from '../../src/run/write-run.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runFolder(): { reports: string; runDir: string } {
  const reports = mkdtempSync(join(tmpdir(), 'phonehome-latest-'));
  dirs.push(reports);
  const runDir = join(reports, 'run-2');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'run.json'), '{"runId":"run-2"}\n');
  return { reports, runDir };
}

describe('pointLatest', () => {
  it('should point reports/latest at the run, replacing an older link', () => {
    const { reports, runDir } = runFolder();
    pointLatest(runDir);
    pointLatest(runDir);
    expect(readlinkSync(join(reports, 'latest'))).toBe('run-2');
  });

  it('should copy run.json into a latest folder where links cannot be made, replacing an older copy', () => {
    const { reports, runDir } = runFolder();
    mkdirSync(join(reports, 'latest'));
    writeFileSync(join(reports, 'latest', 'run.json'), '{"runId":"run-1"}\n');
    pointLatest(runDir, () => {
      throw Object.assign(new Error('EPERM: operation not permitted, symlink'), { code: 'EPERM' });
    });
    expect(readFileSync(join(reports, 'latest', 'run.json'), 'utf8')).toBe('{"runId":"run-2"}\n');
  });
});
