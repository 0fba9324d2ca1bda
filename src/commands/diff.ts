import { diffRuns, renderDiff } from '../report/diff.ts';
import { readRun } from '../report/read-run.ts';
import { commandArgs, usageError } from './args.ts';

export const DIFF_HELP = `Usage: phonehome diff BEFORE AFTER [options]

Compares two runs (run.json files or run folders) target by target, matching targets by id and mode
across browser versions and firmware: newly failing and newly passing claims, new recipient hosts,
new data classes sent, newly opaque traffic.

Options:
  --json         print the diff as JSON instead of text
  -h, --help     this help

Exit codes: 0 no regression; 1 at least one regression; 2 bad arguments or a bad run.json.`;

/** `phonehome diff`: returns the exit code; reports problems on stderr in one line, never throws. */
export async function diffCommand(argv: string[]): Promise<number> {
  const parsed = commandArgs('diff', argv, { json: { type: 'boolean' } }, DIFF_HELP);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) return usageError('diff', 'expected BEFORE and AFTER', DIFF_HELP);
  try {
    const before = readRun(positionals[0]!).run;
    const after = readRun(positionals[1]!).run;
    const diff = diffRuns(before, after);
    process.stdout.write(values.json ? `${JSON.stringify(diff, null, 2)}\n` : renderDiff(diff));
    return diff.regressions.length > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`phonehome diff: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}
