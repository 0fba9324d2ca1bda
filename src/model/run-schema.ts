import { z } from 'zod';
import { deviceFindingSchema, findingSchema } from './finding.ts';
import { modeSchema } from './flow.ts';
import { GAP_KINDS_V1, gapFields, gapSchema } from './gap.ts';
import { identifierSchema } from './identifier.ts';
import {
  consentSchema,
  flushPointSchema,
  phoneHomeRowSchema,
  RUN_SCHEMA,
  RUN_SCHEMA_V1,
  RUN_SCHEMA_V2,
  type RunRecord,
  targetRecordSchema,
  watchWindowSchema,
} from './run-record.ts';
import { dataClassSchemaV2 } from './token.ts';
import {
  CELL_STATUSES,
  type CellStatus,
  evidenceSchema,
  VERDICT_STATUSES,
  type VerdictStatus,
} from './verdict.ts';

/**
 * The run.json shape as a zod schema: what `phonehome report` and `phonehome diff` accept, in every
 * version (`phonehome/run@1`, `@2`, `@3`, told apart by `schema`). It mirrors
 * src/model/run-record.ts (a compile-time check below keeps the two equal), and
 * src/report/run.schema.json is generated from it (`npx tsx src/report/run-schema-write.ts`; a
 * test fails when the file is stale). Reading a file against it (with the file, field and reason of a
 * failure) is src/report/read-run.ts's. Unknown fields are allowed: run.json only ever gains fields.
 * A field added later goes into the @3 parts below (never into @1 or @2, which are frozen); a new
 * status or gap kind needs a new version, since a reader of the older one would not know it.
 */

// Before @3 a claim that did not apply to a target left no cell: those versions keep the four verdicts.
const statusV1 = z.enum(VERDICT_STATUSES as readonly [VerdictStatus, ...VerdictStatus[]]);
const statusV3 = z.enum(CELL_STATUSES as readonly [CellStatus, ...CellStatus[]]);

const gapV1 = z.looseObject({ kind: z.enum(GAP_KINDS_V1), ...gapFields });

const scenarioV1 = {
  target: z.string(),
  scenario: z.string(),
  mode: modeSchema,
  status: z.enum(['finished', 'interrupted', 'error']),
  error: z.string().optional(),
  flows: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
};

const scenarioV2 = {
  ...scenarioV1,
  sealed: z.boolean(),
  consent: consentSchema,
  watch: watchWindowSchema.optional(),
  flushPoints: z.array(flushPointSchema).optional(),
  retries: z.number().int().nonnegative().optional(),
  firstAttemptError: z.string().optional(),
  device: z
    .looseObject({
      findings: z.number().int().nonnegative(),
      files: z.number().int().nonnegative().optional(),
      bytes: z.number().nonnegative().optional(),
      durationMs: z.number().nonnegative().optional(),
      notScanned: z.string().optional(),
    })
    .optional(),
  firstAttemptFlows: z.number().int().nonnegative().optional(),
};

/** The machine a run (or a merged run's part) ran on. */
const machineSchema = z.looseObject({
  hostname: z.string(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  cpus: z.number().int().nonnegative(),
});

/** The fields both versions share; `gap` and `scenario` are the version's own. */
const cellV1 = {
  claim: z.string().min(1),
  target: z.string().min(1),
  status: statusV1,
  reason: z.string(),
  evidence: z.array(evidenceSchema),
};

const cellV2 = {
  ...cellV1,
  unsealed: z.looseObject({ accepted: z.boolean(), says: z.string() }).optional(),
};

const cellV3 = { ...cellV2, status: statusV3 };

const claimV1 = { id: z.string().min(1), says: z.string(), source: z.string().optional() };

const claimV3 = {
  ...claimV1,
  quote: z.string().optional(),
  appliesTo: z
    .looseObject({ targets: z.array(z.string()).optional(), engines: z.array(z.string()).optional() })
    .optional(),
  generic: z.boolean().optional(),
};

// run@1 and @2 know five data classes; `form-entries` is @3's.
const findingV2 = findingSchema.extend({ dataClass: dataClassSchemaV2 });
const phoneHomeRowV2 = phoneHomeRowSchema.extend({ dataClasses: z.array(dataClassSchemaV2) });
const deviceFindingV2 = deviceFindingSchema.extend({ dataClass: dataClassSchemaV2 });

function runFields(
  gap: typeof gapV1 | typeof gapSchema,
  scenario: typeof scenarioV1 | typeof scenarioV2,
  cell: typeof cellV1 | typeof cellV2 | typeof cellV3,
  claim: typeof claimV1 | typeof claimV3,
  finding: typeof findingV2 | typeof findingSchema,
  phoneHomeRow: typeof phoneHomeRowV2 | typeof phoneHomeRowSchema,
) {
  return {
    runId: z.string().min(1),
    commit: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    machine: machineSchema,
    sealed: z.boolean(),
    interrupted: z.boolean().optional(),
    targets: z.array(targetRecordSchema),
    claims: z.array(z.looseObject(claim)),
    cells: z.array(z.looseObject(cell)),
    scenarios: z.array(z.looseObject(scenario)),
    gaps: z.array(gap),
    phoneHome: z.array(phoneHomeRow),
    findings: z.array(finding),
    files: z.looseObject({
      har: z.string().optional(),
      flows: z.array(z.string()),
      summary: z.string().optional(),
      sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
    }),
  };
}

/** phonehome/run@1: frozen; runs written before @2 still read through it. */
export const runRecordSchemaV1 = z.looseObject({
  schema: z.literal(RUN_SCHEMA_V1),
  ...runFields(gapV1, scenarioV1, cellV1, claimV1, findingV2, phoneHomeRowV2),
});

/** The fields @2 added beside @1's, all optional; @3 keeps them. */
const addedInV2 = (deviceFinding: typeof deviceFindingV2 | typeof deviceFindingSchema) => ({
  acceptUnsealed: z.boolean().optional(),
  deviceFindings: z.array(deviceFinding).optional(),
  parts: z
    .array(
      z.looseObject({
        runId: z.string().min(1),
        commit: z.string(),
        startedAt: z.string(),
        finishedAt: z.string(),
        machine: machineSchema,
        targets: z.array(z.string()),
      }),
    )
    .optional(),
});

/** phonehome/run@2: frozen; runs written before @3 still read through it. */
export const runRecordSchemaV2 = z.looseObject({
  schema: z.literal(RUN_SCHEMA_V2),
  ...runFields(gapSchema, scenarioV2, cellV2, claimV1, findingV2, phoneHomeRowV2),
  ...addedInV2(deviceFindingV2),
});

/**
 * phonehome/run@3: what `phonehome run` writes now. Adds the `not-applicable` cell status, the
 * `form-entries` data class, and the claims' `quote`, `appliesTo` and `generic`.
 */
export const runRecordSchemaV3 = z.looseObject({
  schema: z.literal(RUN_SCHEMA),
  ...runFields(gapSchema, scenarioV2, cellV3, claimV3, findingSchema, phoneHomeRowSchema),
  ...addedInV2(deviceFindingSchema),
  /** Identifiers the browsers made up (src/claims/identifiers.ts), values in full (published copies mask them). */
  identifiers: z.array(identifierSchema).optional(),
});

export const runRecordSchema = z
  .discriminatedUnion('schema', [runRecordSchemaV1, runRecordSchemaV2, runRecordSchemaV3])
  .meta({
    $id: 'https://phonehome.invalid/schema/run.json',
    title: 'phonehome run record (phonehome/run@1, @2 or @3)',
    description: 'run.json: the one record of a phonehome run; every report is rendered from it alone.',
  });

// Compile-time: whatever the schema accepts is a RunRecord (tsc fails here when the two drift apart).
export type ParsedRunRecord = z.infer<typeof runRecordSchema>;
const _isRunRecord = (parsed: ParsedRunRecord): RunRecord => parsed;
void _isRunRecord;

/** The JSON Schema (draft 2020-12) of run.json, generated from the zod schema. */
export function runJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runRecordSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
}
