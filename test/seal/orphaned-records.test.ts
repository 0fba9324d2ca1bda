import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orphanedRecords } from '../../src/seal/pid-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonehome-orphaned-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orphanedRecords', () => {
  it('should return the records whose owner exited, keep those of a live owner and remove unreadable ones', () => {
    // A process that has exited by now: its pid names no live process (until the kernel reuses it).
    const gone = spawnSync('true').pid!;
    writeFileSync(join(dir, 'live.json'), JSON.stringify({ owner: process.pid, pid: 1 }));
    writeFileSync(join(dir, 'dead.json'), JSON.stringify({ owner: gone, pid: 2 }));
    writeFileSync(join(dir, 'cut.json'), '{"owner": 1');
    writeFileSync(join(dir, 'other.txt'), 'not a record');
    const found = [...orphanedRecords<{ owner: number; pid: number }>(dir)];
    expect(found).toEqual([{ path: join(dir, 'dead.json'), record: { owner: gone, pid: 2 } }]);
    expect(existsSync(join(dir, 'cut.json'))).toBe(false);
    expect(existsSync(join(dir, 'live.json'))).toBe(true);
    expect(existsSync(join(dir, 'other.txt'))).toBe(true);
  });

  it('should return none for a folder that cannot be read', () => {
    expect([...orphanedRecords(join(dir, 'missing'))]).toEqual([]);
  });
});

describe('orphanedRecords, read lazily', () => {
  it('should read each record only when the caller asks for the next, so one removed meanwhile is not returned', () => {
    const lazy = join(dir, 'lazy');
    const gone = spawnSync('true').pid!;
    mkdirSync(lazy);
    writeFileSync(join(lazy, 'a.json'), JSON.stringify({ owner: gone, pid: 1 }));
    writeFileSync(join(lazy, 'b.json'), JSON.stringify({ owner: gone, pid: 2 }));
    const seen: number[] = [];
    for (const { path, record } of orphanedRecords<{ owner: number; pid: number }>(lazy)) {
      seen.push(record.pid);
      // The caller's work on one record removes the other one's file (as a cleanup of a shared folder may).
      rmSync(path);
      rmSync(join(lazy, path.endsWith('a.json') ? 'b.json' : 'a.json'), { force: true });
    }
    expect(seen).toHaveLength(1);
  });
});
