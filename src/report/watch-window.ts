import type { FlushPointRecord, RunRecord, WatchWindow } from '../model/run-record.ts';

/** What the sentence needs of a scenario: a ScenarioRecord or run.json's summary of it. */
type Watched = {
  scenario: string;
  status: string;
  watch?: WatchWindow;
  flushPoints?: FlushPointRecord[];
};

/** Seconds from the last step to the close, rounded. */
function seconds(watch: WatchWindow): number {
  return Math.round((Date.parse(watch.closedAt) - Date.parse(watch.lastStepAt)) / 1000);
}

function span(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? `${lo} s` : `${lo}–${hi} s`;
}

const POINT_WORDS = {
  'close-and-relaunch': 'a graceful close and relaunch',
  background: 'the app went to the background',
  'force-stop-and-relaunch': 'a force-stop and relaunch',
} as const;

/**
 * What a pass was watched for, in one sentence: a pass only says nothing was seen in that window.
 * "Watched 23–41 s after the last step, and 20 s after a graceful close and relaunch (quiet reached
 * in 3 of 4 windows; the others ran to their 60 s maximum)." Records without a watch (written before
 * the watch existed) are named as such.
 */
export function watchSentence(records: Watched[]): string {
  const finished = records.filter((r) => r.status !== 'error');
  const afterSteps = finished.flatMap((r) => (r.watch ? [r.watch] : []));
  const unwatched = finished.filter((r) => !r.watch).map((r) => r.scenario);
  const points = finished.flatMap((r) => r.flushPoints ?? []);
  if (afterSteps.length === 0) {
    return unwatched.length > 0 ? 'The scenarios were not watched after their steps.' : '';
  }
  const parts = [`Watched ${span(afterSteps.map(seconds))} after the last step`];
  for (const kind of Object.keys(POINT_WORDS) as (keyof typeof POINT_WORDS)[]) {
    const of = points.filter((p) => p.point === kind).map((p) => p.watch);
    if (of.length > 0) parts.push(`${span(of.map(seconds))} after ${POINT_WORDS[kind]}`);
  }
  const windows = [...afterSteps, ...points.map((p) => p.watch)];
  const how = endings(windows);
  const missing = unwatched.length > 0 ? ` ${unwatched.join(', ')}: not watched after the steps.` : '';
  return `${parts.join(', and ')}${how ? ` (${how})` : ''}.${missing}`;
}

function endings(windows: WatchWindow[]): string {
  const quiet = windows.filter((w) => w.ended === 'quiet').length;
  const maximum = windows.filter((w) => w.ended === 'maximum');
  const soak = windows.filter((w) => w.ended === 'soak');
  if (soak.length === windows.length) return `soak of ${Math.round((soak[0]?.soakMs ?? 0) / 1000)} s`;
  const said: string[] = [];
  if (quiet > 0) said.push(`quiet reached in ${quiet} of ${windows.length} windows`);
  if (maximum.length > 0) {
    said.push(
      `${maximum.length} of ${windows.length} still sending at their ${Math.round((maximum[0]?.maxMs ?? 0) / 1000)} s maximum`,
    );
  }
  return said.join('; ');
}

/**
 * One line per target of the run: how long its scenarios were watched. The terminal and Markdown
 * reports print these under the matrix, beside the passes they qualify.
 */
export function watchLines(run: Pick<RunRecord, 'targets' | 'scenarios'>): string[] {
  const lines: string[] = [];
  for (const target of run.targets) {
    const sentence = watchSentence(run.scenarios.filter((s) => s.target === target.id));
    if (sentence) lines.push(`${target.id}: ${sentence}`);
  }
  return lines;
}
