/**
 * `phonehome scan` on its own, as bin/phonehome.js runs it from a bundle (src/build/cached-bundle.mjs):
 * the scan command alone, without the CLI's table of commands (which would bring every command's
 * sources into the bundle), with the CLI's handling of unexpected errors.
 */
import { runGuarded } from './guard.ts';
import { scanCommand } from './scan.ts';

/** Runs `phonehome scan ARGV...` and returns its exit code; never throws. */
export function scanMain(argv: string[]): Promise<number> {
  return runGuarded('scan', async () => scanCommand, argv);
}
