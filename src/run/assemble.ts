import { availableParallelism, hostname } from 'node:os';
import { notApplicableBecause } from '../claims/applicability.ts';
import { evaluate } from '../claims/evaluate.ts';
import { findIdentifiers } from '../claims/identifiers.ts';
import type { RunView } from '../claims/run-view.ts';
import type { Claim } from '../claims/schema.ts';
import type { Flow } from '../model/flow.ts';
import {
  type CellRecord,
  type ClaimRecord,
  type DeviceRecord,
  type DeviceSummary,
  RUN_SCHEMA,
  type RunRecord,
  type ScenarioRecord,
  type TargetRecord,
} from '../model/run-record.ts';
import { watchSentence } from '../report/watch-window.ts';

export interface AssembleInput {
  runId: string;
  commit: string;
  startedAt: string;
  finishedAt: string;
  records: ScenarioRecord[];
  /** Flows of a record (read from its flow log). */
  flowsOf: (record: ScenarioRecord) => Flow[];
  claims: Claim[];
  harFile?: string;
  summaryFile?: string;
  /** `--accept-unsealed`: verdicts on unsealed scenarios, each saying so. */
  acceptUnsealed?: boolean;
}

/**
 * Builds run.json from the scenario records of a run: targets, one cell per claim × target (a claim
 * that is not about a target gets a `not-applicable` cell saying why), and the flat lists reports need.
 */
export function assembleRun(input: AssembleInput): RunRecord {
  const records = [...input.records].sort(
    (a, b) => a.target.id.localeCompare(b.target.id) || a.scenario.localeCompare(b.scenario),
  );
  const targets = collectTargets(records);
  const sealed = records.length > 0 && records.every((r) => r.sealed);
  const cells: CellRecord[] = [];
  // Each flow log is read once: the cells of both modes and the identifiers read the same flows.
  const flowsOf = new Map(records.map((r) => [r, input.flowsOf(r)]));
  const identifiers = findIdentifiers(records, [...flowsOf.values()].flat()).identifiers;
  for (const target of targets) {
    const related = records.filter((r) => r.target.base === target.base);
    const flows = related.flatMap((r) => flowsOf.get(r) ?? []);
    for (const claim of input.claims) {
      // Each record's own seal decides, so an unsealed Android run leaves desktop cells alone.
      const view = {
        target,
        records: related,
        flows,
        ...(input.acceptUnsealed ? { acceptUnsealed: true } : {}),
      };
      const verdict = evaluate(claim, view);
      cells.push(verdict ? withWindow(verdict, related) : notApplicableCell(claim, view));
    }
  }
  return {
    schema: RUN_SCHEMA,
    runId: input.runId,
    commit: input.commit,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    machine: {
      hostname: hostname(),
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      cpus: availableParallelism(),
    },
    sealed,
    ...(input.acceptUnsealed ? { acceptUnsealed: true } : {}),
    targets,
    claims: input.claims.map(claimRecord),
    cells,
    scenarios: records.map((r) => ({
      target: r.target.id,
      scenario: r.scenario,
      mode: r.target.mode,
      status: r.status,
      ...(r.error ? { error: r.error } : {}),
      flows: r.flows,
      findings: r.findings.length,
      durationMs: r.durationMs,
      sealed: r.sealed,
      consent: r.consent,
      ...(r.watch ? { watch: r.watch } : {}),
      ...(r.retries !== undefined ? { retries: r.retries } : {}),
      ...(r.firstAttemptError ? { firstAttemptError: r.firstAttemptError } : {}),
      ...(r.device ? { device: deviceSummary(r.device) } : {}),
      ...(r.firstAttemptFlows !== undefined ? { firstAttemptFlows: r.firstAttemptFlows } : {}),
      ...(r.flushPoints ? { flushPoints: r.flushPoints } : {}),
    })),
    gaps: records.flatMap((r) => r.gaps),
    phoneHome: records.flatMap((r) => r.phoneHome),
    findings: records.flatMap((r) => r.findings),
    deviceFindings: records.flatMap((r) => r.device?.findings ?? []),
    identifiers,
    files: {
      flows: records.map((r) => r.flowsFile),
      ...(input.harFile ? { har: input.harFile } : {}),
      ...(input.summaryFile ? { summary: input.summaryFile } : {}),
    },
  };
}

/** A claim as run.json lists it: its sentence and, where it has them, the vendor's words and scope. */
function claimRecord(c: Claim): ClaimRecord {
  return {
    id: c.id,
    says: c.says,
    ...(c.source ? { source: c.source } : {}),
    ...(c.quote ? { quote: c.quote } : {}),
    ...(c.appliesTo ? { appliesTo: c.appliesTo } : {}),
    ...(c.generic ? { generic: true } : {}),
  };
}

/**
 * The cell of a claim `evaluate` did not judge: not applicable, with the reason. Were no reason found
 * (evaluate's own check rules that out), the harness is at fault: an error cell, never a quiet one.
 */
function notApplicableCell(claim: Claim, view: RunView): CellRecord {
  const reason = notApplicableBecause(claim, view);
  return {
    claim: claim.id,
    target: view.target.id,
    status: reason ? 'not-applicable' : 'error',
    reason: reason ?? `Claim “${claim.says}” was not judged on ${view.target.id}, and no reason was found.`,
    evidence: [],
  };
}

/**
 * A pass says nothing was seen in the windows watched: its reason says how long they were, from the
 * records of the cell's own target and mode.
 */
function withWindow(cell: CellRecord, related: ScenarioRecord[]): CellRecord {
  if (cell.status !== 'pass') return cell;
  const sentence = watchSentence(related.filter((r) => r.target.id === cell.target));
  return sentence ? { ...cell, reason: `${cell.reason.replace(/\.?$/, '.')} ${sentence}` } : cell;
}

/** One target per id; the version is the first one a scenario could read, the promise the first one read. */
function collectTargets(records: ScenarioRecord[]): TargetRecord[] {
  const byId = new Map<string, TargetRecord>();
  for (const record of records) {
    const known = byId.get(record.target.id);
    const base =
      !known || (known.version === 'unknown' && record.target.version !== 'unknown') ? record.target : known;
    // One scenario that could not read the promise does not hide one another scenario read.
    const promise = known?.promise ?? record.target.promise;
    const unread = promise ? undefined : (known?.promiseUnread ?? record.target.promiseUnread);
    const { promise: _promise, promiseUnread: _unread, ...rest } = base;
    byId.set(record.target.id, {
      ...rest,
      ...(promise ? { promise } : {}),
      ...(unread ? { promiseUnread: unread } : {}),
    });
  }
  return [...byId.values()];
}

/** The device scan of one scenario, in a line of run.json's scenario list. */
function deviceSummary(device: DeviceRecord): DeviceSummary {
  return {
    findings: device.findings.length,
    ...(device.summary
      ? { files: device.summary.files, bytes: device.summary.bytes, durationMs: device.summary.durationMs }
      : {}),
    ...(device.notScanned ? { notScanned: device.notScanned } : {}),
  };
}
