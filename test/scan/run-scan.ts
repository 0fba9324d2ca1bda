import { vi } from 'vitest';
import { scanCommand } from '../../src/commands/scan.ts';

/** Runs `phonehome scan` in-process and returns its exit code and what it printed. */
export async function runScan(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await scanCommand(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
