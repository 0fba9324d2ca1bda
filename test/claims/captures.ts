import { readFileSync } from 'node:fs';
import { type RunView, runView } from '../../src/claims/run-view.ts';
import type { Flow } from '../../src/model/flow.ts';
import type { Gap } from '../../src/model/gap.ts';
import type { ScenarioRecord } from '../../src/model/run-record.ts';

/** A real capture from fixtures/captures (recorded by fixtures/captures/record.ts). */
export interface Capture {
  machine: { kernel: string };
  records: ScenarioRecord[];
  flows: Flow[];
}

/** A fresh deep copy each call, so a test may change records without touching others. */
export function loadCapture(target: 'chromium' | 'reference'): Capture {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/captures/${target}.json`, import.meta.url), 'utf8'),
  ) as Capture;
}

/** The evaluation context of one cell, e.g. `chromium:incognito`, of a capture. */
export function cell(capture: Capture, target: string, sealed = true, acceptUnsealed = false): RunView {
  // The captures were recorded without a network namespace; tests choose what each record says.
  for (const r of capture.records) r.sealed = sealed;
  return runView(capture.records, capture.flows, { target, acceptUnsealed });
}

/** Add a gap to the capture's record of a target and scenario (as the proxy or analyzer would). */
export function addGap(
  capture: Capture,
  target: string,
  scenario: string,
  gap: Omit<Gap, 'target' | 'scenario'>,
): void {
  const record = capture.records.find((r) => r.target.id === target && r.scenario === scenario);
  if (!record) throw new Error(`no record ${target} / ${scenario}`);
  record.gaps.push({ ...gap, target, scenario, mode: record.target.mode });
}

/** The first captured flow of a target whose host matches. */
export function flowTo(capture: Capture, target: string, host: string): Flow {
  const flow = capture.flows.find((f) => f.target === target && new URL(f.request.url).hostname === host);
  if (!flow) throw new Error(`no flow of ${target} to ${host}`);
  return flow;
}
