import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../../src/model/run-record.ts';

/** Path of a sample run folder under test/fixtures/runs. */
export function runDir(name: string): string {
  return fileURLToPath(new URL(`../fixtures/runs/${name}`, import.meta.url));
}

/** A sample run.json, freshly parsed (callers may mutate it). */
export function loadRun(name: string): RunRecord {
  return JSON.parse(readFileSync(`${runDir(name)}/run.json`, 'utf8')) as RunRecord;
}
