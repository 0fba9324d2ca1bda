/** A command: its arguments in, its exit code out. */
export type Command = (argv: string[]) => Promise<number>;

/**
 * Loads command `name` and runs it on `argv`; returns its exit code. Never throws: an unexpected
 * error is one line on stderr (`phonehome NAME: message`, and the stack when PHONEHOME_DEBUG is
 * set) and exit code 2.
 */
export async function runGuarded(
  name: string,
  load: () => Promise<Command>,
  argv: string[],
): Promise<number> {
  try {
    return await (await load())(argv);
  } catch (error) {
    process.stderr.write(`phonehome ${name}: ${(error as Error).message.split('\n')[0]}\n`);
    if (process.env.PHONEHOME_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 2;
  }
}
