/**
 * `--accept-unsealed` and its twin for runs started by `npx playwright test` (the nightly shards and
 * `merge-reports`): the environment variable below, or the matrix reporter's option in
 * playwright.config.ts (`['./src/run/matrix-reporter.ts', { acceptUnsealed: true }]`).
 */
export const ACCEPT_UNSEALED_ENV = 'PHONEHOME_ACCEPT_UNSEALED';

/**
 * Whether the user accepted verdicts on unsealed scenarios. Only `1` or `true` accept; `0`, `false`
 * and unset do not. Any other value does not either (fail closed) and `warn` says why.
 */
export function acceptUnsealedFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): boolean {
  const raw = env[ACCEPT_UNSEALED_ENV]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  warn(
    `phonehome: ${ACCEPT_UNSEALED_ENV}="${env[ACCEPT_UNSEALED_ENV]}" is neither 1/true nor 0/false; unsealed scenarios stay inconclusive`,
  );
  return false;
}
