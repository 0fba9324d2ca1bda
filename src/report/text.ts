import type { RunRecord } from '../model/run-record.ts';

/**
 * Text helpers shared by the renderers. Everything in a run.json that came from traffic is hostile:
 * these helpers make it inert for the medium it is written to.
 */

// C0 controls (but tab), DEL, C1 controls, and the bidi overrides that can reorder what a reader sees.
const UNSAFE_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes captured text safe to print on a terminal or a single line: control characters (including
 * ESC, so no ANSI sequence from the wire can reach the terminal) and bidi overrides become visible
 * `\uXXXX` escapes; tabs become spaces.
 */
/**
 * One line per scenario whose launch was retried after a harness failure: a reader comparing runs
 * needs to know the cell's evidence came from a second attempt (plus the first's flows), and why.
 */
export function retriedLines(run: RunRecord): string[] {
  return run.scenarios
    .filter((s) => (s.retries ?? 0) > 0)
    .map(
      (s) =>
        `${s.target} / ${s.scenario}: launched again after a harness failure (${s.firstAttemptError ?? 'reason not recorded'}); the first attempt's ${s.firstAttemptFlows ?? 0} flow(s) are kept`,
    );
}

export function inert(text: string): string {
  return text
    .replace(UNSAFE_TEXT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\t/g, ' ');
}

/** Cuts text to at most `max` characters (code points), marking the cut with `…`. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Length in code points (close enough to terminal columns for the symbols and names used here). */
export function width(text: string): number {
  return [...text].length;
}

/** Pads to a width in code points. */
export function pad(text: string, w: number, align: 'left' | 'center' = 'left'): string {
  const gap = Math.max(0, w - width(text));
  if (align === 'left') return text + ' '.repeat(gap);
  const left = Math.floor(gap / 2);
  return ' '.repeat(left) + text + ' '.repeat(gap - left);
}
