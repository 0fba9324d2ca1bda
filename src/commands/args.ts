import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments with `--help` built in. Returns the parsed values, or the exit code
 * when the command is already answered: 0 after printing the help, 2 after a one-line usage error
 * followed by the help.
 */
export function commandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  help: string,
):
  | ReturnType<
      typeof parseArgs<{
        args: string[];
        options: O & { help: { type: 'boolean'; short: 'h' } };
        allowPositionals: true;
      }>
    >
  | number {
  let parsed: ReturnType<
    typeof parseArgs<{
      args: string[];
      options: O & { help: { type: 'boolean'; short: 'h' } };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & {
        help: { type: 'boolean'; short: 'h' };
      },
    });
  } catch (error) {
    return usageError(command, (error as Error).message, help);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  return parsed;
}

/** Prints `phonehome COMMAND: message` and the help on stderr; returns exit code 2. */
export function usageError(command: string, message: string, help: string): number {
  process.stderr.write(`phonehome ${command}: ${message}\n${help}\n`);
  return 2;
}
