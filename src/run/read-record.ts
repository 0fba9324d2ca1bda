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
  if (result.success) return { record: json as ScenarioRecord };
  const issue = result.error.issues[0];
  return { problem: `${fieldPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}` };
}
