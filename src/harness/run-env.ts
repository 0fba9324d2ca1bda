import { randomBytes } from 'node:crypto';

/**
 * How `phonehome run` hands the matrix to Playwright Test: environment variables, read by
 * playwright.config.ts (projects, and the matrix reporter's options) and, in the workers, by the
 * fixtures (run folder).
 */
export const ENV = {
  runId: 'PHONEHOME_RUN_ID',
  reportsDir: 'PHONEHOME_REPORTS_DIR',
  targets: 'PHONEHOME_TARGETS',
  scenarios: 'PHONEHOME_SCENARIOS',
  claims: 'PHONEHOME_CLAIMS',
  keepKey: 'PHONEHOME_KEEP_KEY',
} as const;

/** A run id that sorts by time: 2026-11-25T14-05-09Z-3f2a. */
export function newRunId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-')}-${randomBytes(2).toString('hex')}`;
}

/** Scenarios of the default matrix. */
export const DEFAULT_SCENARIOS = [
  'search',
  'address-bar',
  'paste',
  'visit',
  'form',
  'idle',
  'restart',
  'first-start',
  'other-machine',
];

/**
 * Scenarios of the quick matrix (`npm start`): a search that opens a result reaches the search
 * engine and a site, and goes through the flush point, on every target in both modes.
 */
export const QUICK_SCENARIOS = ['search'];

/** Set by `phonehome run` once it has run the same checks itself. */
export const PREFLIGHT_DONE = 'PHONEHOME_PREFLIGHT_DONE';
