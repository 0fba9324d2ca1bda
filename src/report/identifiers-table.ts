import type { Identifier, IdentifierClass } from '../model/identifier.ts';
import type { RunRecord } from '../model/run-record.ts';

/** What each class means, in the words the reports use. */
export const CLASS_WORDS: Record<IdentifierClass, string> = {
  profile: 'kept in the profile (back after a restart)',
  'device-derived': 'derived from this machine (the same in fresh profiles, not on another machine)',
  linking: 'links the modes (sent in normal and private mode)',
  unresolved: 'the same in fresh profiles; device-derived or a build constant, not told apart',
};

/** One browser's part of the identifiers table. */
export interface IdentifierTable {
  /** Base target id. */
  target: string;
  name: string;
  identifiers: Identifier[];
  /** Why an empty table may not mean "none": passes the classification needed that did not run. */
  missing: string[];
}

/**
 * The identifiers of a run, one table per browser (base target) that ran, with the passes that were
 * missing: a browser with no identifier listed and a missing pass has not been shown to make none.
 */
export function identifierTables(run: RunRecord): IdentifierTable[] {
  const bases = new Map<string, string>();
  for (const t of run.targets) if (!bases.has(t.base)) bases.set(t.base, t.name);
  return [...bases].map(([base, name]) => {
    const scenarios = run.scenarios.filter((s) => s.target.split(':')[0] === base && s.status !== 'error');
    const ran = (id: string) => scenarios.some((s) => s.scenario === id);
    const restarted = scenarios.some(
      (s) => s.scenario === 'restart' || s.scenario === 'first-start' || (s.flushPoints?.length ?? 0) > 0,
    );
    const missing = [
      ...(run.identifiers === undefined ? ['this run.json predates identifier classification'] : []),
      ...(restarted ? [] : ['no scenario restarted the browser on its profile']),
      ...(ran('first-start') ? [] : ['the first-start scenario did not run']),
      ...(ran('other-machine') ? [] : ['no pass ran as another machine']),
    ];
    return {
      target: base,
      name,
      identifiers: (run.identifiers ?? []).filter((i) => i.target === base),
      missing,
    };
  });
}
