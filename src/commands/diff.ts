import { parseArgs } from 'node:util';
import { diffRuns, renderDiff } from '../report/diff.ts';
import { readRun } from '../report/read-run.ts';

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
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${DIFF_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 2) return usage('expected BEFORE and AFTER');
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

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
}

function usage(message: string): number {
  process.stderr.write(`phonehome diff: ${message}\n${DIFF_HELP}\n`);
  return 2;
}
