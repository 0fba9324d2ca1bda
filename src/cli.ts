import { type Command, runGuarded } from './commands/guard.ts';

export const HELP = `phonehome — end-to-end tests of browsers' and phones' privacy claims

Usage:
  phonehome run [--target ID]... [--scenario ID]... [--claims FILE]   run the claims matrix
  phonehome scan FILE... --canary TOKEN... [--identifier KIND=VALUE]... [--json]
                                                                      find tokens in HAR / flow logs
  phonehome report RUN_JSON_OR_DIR [--out DIR] [--format html,md,junit]
                                                                      render reports from run.json
  phonehome diff BEFORE AFTER [--json]                                regressions between two runs
  phonehome merge BASE OTHER... [--out DIR]                           one run from runs of different targets

Run "phonehome COMMAND --help" for a command's options.`;

// Each command is loaded when asked for: `run` brings in the proxy and the browser drivers, which
// `scan` (often run alone, on captures from anywhere) has no use for.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  scan: async () => (await import('./commands/scan.ts')).scanCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  diff: async () => (await import('./commands/diff.ts')).diffCommand,
  merge: async () => (await import('./commands/merge.ts')).mergeCommand,
};

/** Entry point: returns the exit code. Never throws: unexpected errors are one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(
      `phonehome: unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}\n`,
    );
    return 2;
  }
  return runGuarded(name, load, rest);
}
