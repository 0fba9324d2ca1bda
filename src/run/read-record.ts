import { fieldPath } from '../input/file-error.ts';
import { type ScenarioRecord, scenarioRecordSchema } from '../model/run-record.ts';

/**
 * Checks parsed JSON as a scenario record where one crosses a process boundary (a worker's
 * attachment read by the matrix reporter, a record.json read by recovery). The record is returned as
 * it was written (unknown fields kept); a record that fails the check comes back as the reason, so
 * the caller can file the scenario as a broken harness rather than judge it.
 */
export function checkScenarioRecord(json: unknown): { record: ScenarioRecord } | { problem: string } {
  const result = scenarioRecordSchema.safeParse(json);
  if (result.success) return { record: withBuildConstants(json as WrittenRecord) };
  const issue = result.error.issues[0];
  return { problem: `${fieldPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}` };
}

/** A record as an older harness may have written it: its build constants under their former name. */
type WrittenRecord = ScenarioRecord & { fixtureConstants?: string[] };

/** The record with `fixtureConstants` (its former name) read as `buildConstants`, so older records judge alike. */
function withBuildConstants(written: WrittenRecord): ScenarioRecord {
  const { fixtureConstants, ...record } = written;
  if (fixtureConstants === undefined || record.buildConstants !== undefined) return written;
  return { ...record, buildConstants: fixtureConstants };
}
