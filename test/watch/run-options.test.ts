import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/commands/run.ts';

/** `phonehome run`'s watch options: bad values stop it with exit 2 and one line naming the option. */

afterEach(() => {
  vi.restoreAllMocks();
});

async function refused(argv: string[]): Promise<{ code: number; firstLine: string }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await runCommand(argv);
  return { code, firstLine: stderr.split('\n')[0] ?? '' };
}

describe('phonehome run watch options', () => {
  it('should refuse a duration it cannot read, naming the option', async () => {
    expect(await refused(['--soak', 'a-while'])).toEqual({
      code: 2,
      firstLine: 'phonehome run: --soak takes a duration such as 20s, 2m or 1500ms, not "a-while"',
    });
    expect((await refused(['--watch-quiet', '0s'])).firstLine).toContain('--watch-quiet takes a duration');
  });

  it('should refuse a minimum above the maximum', async () => {
    const { code, firstLine } = await refused(['--watch-min', '2m', '--watch-max', '1m']);
    expect(code).toBe(2);
    expect(firstLine).toBe('phonehome run: the watch minimum (120000 ms) is above its maximum (60000 ms)');
  });

  it('should refuse a matrix size it does not know', async () => {
    expect(await refused(['--matrix', 'medium'])).toEqual({
      code: 2,
      firstLine: 'phonehome run: --matrix takes quick or full, not "medium"',
    });
  });

  it('should document the options in --help', async () => {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    expect(await runCommand(['--help'])).toBe(0);
    for (const option of ['--matrix quick|full', '--watch-quiet', '--watch-min', '--watch-max', '--soak'])
      expect(stdout).toContain(option);
  });
});
