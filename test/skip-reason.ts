import { describe } from 'vitest';

/**
 * `describe`, or, when `reason` is set, a skipped suite that says why: the reason is printed when
 * the file is collected and is part of the suite's title in every report, so a suite never vanishes
 * without a word (as `describe.skipIf` lets it).
 */
export function describeUnless(reason: string | undefined): (title: string, body: () => void) => void {
  if (!reason) return (title, body) => describe(title, () => body());
  return (title, body) => {
    console.warn(`skipped: ${title}: ${reason}`);
    describe.skip(`${title} (skipped: ${reason})`, () => body());
  };
}
