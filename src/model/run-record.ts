import { z } from 'zod';
import { type DeviceFinding, deviceFindingSchema, type Finding, findingSchema } from './finding.ts';
import { modeSchema } from './flow.ts';
import { type Gap, gapSchema } from './gap.ts';
import { type Identifier, type LaunchRecord, launchRecordSchema } from './identifier.ts';
import { type DataClass, dataClassSchema, type Token, tokenSchema } from './token.ts';
import type { CellStatus, Verdict } from './verdict.ts';
/**
 * run.json: the one record of a run. Every report (terminal table, HTML, Markdown, JUnit, diff) is
 * rendered from it alone. Fields are only ever added, never renamed. `schema` names the version:
 * @2 added gap kinds (`capture-lost`, `still-sending`) a reader of @1 would not know, and the
 * per-scenario `sealed` and `consent`; @3 added the cell status `not-applicable` (a claim that is not
 * about a target gets a cell saying so instead of none) and the claims' `quote`, `appliesTo` and
 * `generic`. `report` and `diff` read @1, @2 and @3; runs are written as @3.
 */
export const RUN_SCHEMA = 'phonehome/run@3';
/** The second version, still read: no `not-applicable` cells (such a claim left no cell). */
export const RUN_SCHEMA_V2 = 'phonehome/run@2';
/** The first version, still read (test/fixtures/runs keeps @1 runs). */
export const RUN_SCHEMA_V1 = 'phonehome/run@1';
export type RunSchemaVersion = typeof RUN_SCHEMA | typeof RUN_SCHEMA_V2 | typeof RUN_SCHEMA_V1;

/** Consent the scenario gave: `none` when the target showed no consent screen. */
export type Consent = 'granted' | 'declined' | 'none';

export interface RunRecord {
  /** `phonehome/run@3` for every run written now; @2 and @1 for older runs read back. */
  schema: RunSchemaVersion;
  runId: string;
  /** Project commit the run was made from (`git rev-parse HEAD`), or `unknown`. */
  commit: string;
  startedAt: string;
  finishedAt: string;
  machine: { hostname: string; platform: string; arch: string; node: string; cpus: number };
  /**
   * True when every scenario ran in a sealed network namespace (bypass traffic observable). Each
   * scenario says so for itself in `scenarios[].sealed` (@2); verdicts follow the scenario's own.
   */
  sealed: boolean;
  /**
   * True when the run was started with `--accept-unsealed` (PHONEHOME_ACCEPT_UNSEALED=1): claims
   * that need to see all traffic got verdicts on unsealed scenarios, and each such cell says so.
   */
  acceptUnsealed?: boolean;
  /**
   * True when the runner stopped before the run finished (crash, kill) and this record was rebuilt
   * from the capture folders at the next start (src/run/recover.ts).
   */
  interrupted?: boolean;
  targets: TargetRecord[];
  claims: ClaimRecord[];
  cells: CellRecord[];
  scenarios: ScenarioSummary[];
  gaps: Gap[];
  phoneHome: PhoneHomeRow[];
  findings: Finding[];
  /** Tokens found in files the browsers wrote (the device side), every scenario's. */
  deviceFindings?: DeviceFinding[];
  /**
   * Identifiers the browsers made up, found by recurrence across restarts, profiles, modes and
   * machines (src/claims/identifiers.ts). Published copies mask the values.
   */
  identifiers?: Identifier[];
  /** Paths relative to the run folder. */
  files: {
    har?: string;
    flows: string[];
    summary?: string;
    /**
     * sha256 (hex) of the HAR and of each flow log as the run wrote them, by their path in `files`:
     * ties a published verdict to the evidence it was judged on (published copies are masked).
     */
    sha256?: Record<string, string>;
  };
  /**
   * The runs this one was merged from (`phonehome merge`: the nightly's desktop matrix and its
   * Android job), each with where and when it ran and its targets; absent for a run of one machine.
   * A part's flow logs are under `parts/<runId>/` (the first part's stay where they were).
   */
  parts?: RunPart[];
}

/** One run merged into another: its provenance and the targets it judged. */
export interface RunPart {
  runId: string;
  commit: string;
  startedAt: string;
  finishedAt: string;
  machine: RunRecord['machine'];
  targets: string[];
}

/**
 * What the browser itself says about its private mode, in its words, read from the page a private
 * window opens with (src/promise/): shown beside the column, and a reworded one is a change in diff.
 */
export interface BrowserPromise {
  /** The text, normalised: one line per block of the page, whitespace folded. */
  text: string;
  /** Where the words are, e.g. `browser UI: chrome://newtab/ (the incognito new tab page)`. */
  source: string;
  /** Browser name and version the text was read from. */
  version: string;
  /** The UI locale the page was shown in, e.g. `en-US`. */
  locale: string;
}

export interface TargetRecord {
  /** Target id with mode, e.g. `chromium:incognito`: the matrix column key. */
  id: string;
  /** Display name, e.g. `Chromium`. */
  name: string;
  engine: string;
  /** Detected browser version, e.g. `156.0.8078.108`, or `unknown`. */
  version: string;
  mode: 'normal' | 'incognito';
  /** Target id without mode, e.g. `chromium`. */
  base: string;
  /** Firmware / build fingerprint for devices. */
  firmware?: string;
  /** True for the deliberately leaky reference target. */
  reference?: boolean;
  /** The browser's own words about its private mode (private-mode targets whose browser shows them). */
  promise?: BrowserPromise;
  /** Why the promise could not be read, where the driver tried. */
  promiseUnread?: string;
}

/** A claim's words: what run.json keeps of a claim, and what a claim file says beside its rule. */
export interface ClaimRecord {
  /** kebab-case, unique within a claim set. */
  id: string;
  /** The sentence shown in reports. */
  says: string;
  /** Where the claim's words are: a URL, or `browser UI: <page>`. */
  source?: string;
  /** The vendor's own words, verbatim and short (@3): from the browser or a published notice; needs `source`. */
  quote?: string;
  /** The targets (base ids, `*` as a wildcard) and engines the claim is about (@3); absent: every target. */
  appliesTo?: ClaimAppliesTo;
  /** True for a claim no vendor's words are quoted for: what users expect of any browser (@3). */
  generic?: boolean;
}

/** Which targets a claim is about: a target matches when its base id or its engine is listed. */
export interface ClaimAppliesTo {
  /** Target base ids (`chromium`), `*` matching any run of characters (`android-mi-browser-*`). */
  targets?: string[];
  /** Engines (`chromium`, `firefox`, `webkit`, `android`). */
  engines?: string[];
}

/**
 * One cell of the matrix, as run.json keeps it: the verdict of one claim on one target (with mode),
 * or (@3) `not-applicable` with the reason the claim is not about that target, and no evidence.
 */
export interface CellRecord extends Omit<Verdict, 'status'> {
  status: CellStatus;
}

export interface ScenarioSummary {
  target: string;
  scenario: string;
  mode: 'normal' | 'incognito';
  status: 'finished' | 'interrupted' | 'error';
  error?: string;
  flows: number;
  findings: number;
  durationMs: number;
  /** Whether this scenario ran in a sealed network namespace. Always written in @2, absent in @1. */
  sealed?: boolean;
  /** Consent the scenario gave. Always written in @2, absent in @1. */
  consent?: Consent;
  /** What was watched after the last step (records written before the watch existed have none). */
  watch?: WatchWindow;
  /** The flush points the scenario went through, each watched under the same rule. */
  flushPoints?: FlushPointRecord[];
  /**
   * How many times the scenario was launched again after its first attempt failed for the harness
   * (a virtual display, port or network namespace of phonehome's own; src/harness/launch-retry.ts).
   */
  retries?: number;
  /** Why the first attempt failed, when it was retried: `display: …`, `port: …` or `namespace: …`. */
  firstAttemptError?: string;
  /** The device side of the scenario: what the scan of the browser's files read and found (new in @2). */
  device?: DeviceSummary;
  /** Flows the first attempt captured before it failed; they stay in the flows and the findings. */
  firstAttemptFlows?: number;
}

/**
 * One window watched after a scenario's steps (or after a flush point): from the last step to the
 * moment the browser was closed, and why it was closed then.
 */
export interface WatchWindow {
  /** ISO time of the last step (the window's start). */
  lastStepAt: string;
  /** ISO time the window ended and the browser was closed. */
  closedAt: string;
  /** `quiet`: nothing sent for quietMs after minMs; `maximum`: still sending at maxMs; `soak`: fixed length. */
  ended: 'quiet' | 'maximum' | 'soak';
  quietMs: number;
  minMs: number;
  maxMs: number;
  /** Set for `--soak` runs: the fixed length. */
  soakMs?: number;
  /** ISO time of the last thing the target sent inside the window, when it sent anything. */
  lastActivityAt?: string;
  /** Requests whose body had not completed when the window ended (each is also a `still-sending` gap). */
  inFlightAtClose: number;
}

/** The device scan of one scenario, in run.json's scenario list (new in @2). */
export interface DeviceSummary {
  findings: number;
  files?: number;
  bytes?: number;
  durationMs?: number;
  notScanned?: string;
}

/**
 * A point where an app or browser is made to send what it holds back: a graceful close and a
 * relaunch on the same profile (desktop), the app sent to the background and back, or stopped by
 * the system and started again (Android). What happens after it is watched like the steps.
 */
export interface FlushPointRecord {
  point: 'close-and-relaunch' | 'background' | 'force-stop-and-relaunch';
  /** False when the browser did not quit by itself within its close timeout and had to be killed. */
  graceful?: boolean;
  watch: WatchWindow;
}

/** Who a target talked to in a scenario: the phone-home table. */
export interface PhoneHomeRow {
  target: string;
  scenario: string;
  host: string;
  requests: number;
  bytes: number;
  dataClasses: DataClass[];
}

/**
 * What one scenario run (target × scenario × mode) hands to the run assembler: written by the
 * Playwright fixture as a JSON attachment, read by the matrix reporter.
 */
export interface ScenarioRecord {
  runId: string;
  target: TargetRecord;
  scenario: string;
  status: 'finished' | 'interrupted' | 'error';
  error?: string;
  startedAt: string;
  durationMs: number;
  /** NDJSON flow log, relative to the run folder. */
  flowsFile: string;
  /** Flows count (flows themselves stay in the log). */
  flows: number;
  tokens: Token[];
  findings: Finding[];
  gaps: Gap[];
  /** Hosts the scenario used on purpose, for recipient classes. */
  recipients: { searchEngine: string[]; sites: string[]; vendor: string[] };
  sealed: boolean;
  /** Consent answer the scenario gave to the target's consent screens; `none` when it showed none. */
  consent: Consent;
  phoneHome: PhoneHomeRow[];
  /** What was watched after the last step, before the first flush point (or the close). */
  watch?: WatchWindow;
  /** The flush points after the steps, in order, each with its own watched window. */
  flushPoints?: FlushPointRecord[];
  retries?: number;
  firstAttemptError?: string;
  firstAttemptFlows?: number;
  /**
   * The device side: what the scan of the files the browser wrote found, once the scenario closed
   * (absent when no scan was made, e.g. a record from before scans existed).
   */
  device?: DeviceRecord;
  /**
   * Values the target sent that are written in its own installed files (API keys of the build): the
   * same for every user, so the unlinkable-modes rule does not count them (src/harness/build-constants.ts).
   */
  buildConstants?: string[];
  /**
   * Each launch of the browser in the scenario (first, relaunches, a retry's), so a flow can be placed
   * in its profile and launch: what tells an identifier kept in the profile from a nonce.
   */
  launches?: LaunchRecord[];
  /**
   * Set when the scenario ran as on another machine: a network namespace with another machine id,
   * hostname and MAC (src/seal, `otherMachine`). Values sent there too are build constants.
   */
  otherMachine?: OtherMachine;
}

/** The identity a scenario's browser saw when it ran as on another machine. */
export interface OtherMachine {
  hostname: string;
  machineId: string;
  mac: string;
}

/** What stayed on the device after one scenario: the scan of the files the browser wrote. */
export interface DeviceRecord {
  /** What was scanned, in words (e.g. the browser's work folder: profile, caches, home). */
  scanned: string;
  /** Why nothing was scanned, when nothing was; the not-on-device rule then reads inconclusive. */
  notScanned?: string;
  /** Tokens found in files; unreadable files are `file-unread` gaps of the record. */
  findings: DeviceFinding[];
  summary?: DeviceScanSummary;
}

/** What one scan of a folder read, for the record: counts, bytes, formats and time. */
export interface DeviceScanSummary {
  /** Files read. */
  files: number;
  bytes: number;
  /** Files left alone: not modified during the scenario, or written by the harness. */
  unchanged: number;
  harness: number;
  /** Files read per format (`sqlite`, `leveldb-log`, …, `raw`). */
  formats: Record<string, number>;
  durationMs: number;
}

// zod schemas of the records above. Unknown fields are allowed (records only ever gain fields); a
// compile-time check below keeps each schema and its type from drifting apart.

export const consentSchema = z.enum(['granted', 'declined', 'none']);

export const targetRecordSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  engine: z.string(),
  version: z.string(),
  mode: modeSchema,
  base: z.string().min(1),
  firmware: z.string().optional(),
  reference: z.boolean().optional(),
  promise: z
    .looseObject({ text: z.string(), source: z.string(), version: z.string(), locale: z.string() })
    .optional(),
  promiseUnread: z.string().optional(),
});

export const watchWindowSchema = z.looseObject({
  lastStepAt: z.string(),
  closedAt: z.string(),
  ended: z.enum(['quiet', 'maximum', 'soak']),
  quietMs: z.number().nonnegative(),
  minMs: z.number().nonnegative(),
  maxMs: z.number().nonnegative(),
  soakMs: z.number().nonnegative().optional(),
  lastActivityAt: z.string().optional(),
  inFlightAtClose: z.number().int().nonnegative(),
});

export const flushPointSchema = z.looseObject({
  point: z.enum(['close-and-relaunch', 'background', 'force-stop-and-relaunch']),
  graceful: z.boolean().optional(),
  watch: watchWindowSchema,
});

export const phoneHomeRowSchema = z.looseObject({
  target: z.string(),
  scenario: z.string(),
  host: z.string(),
  requests: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  dataClasses: z.array(dataClassSchema),
});

export const deviceScanSummarySchema = z.looseObject({
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  harness: z.number().int().nonnegative(),
  formats: z.record(z.string(), z.number()),
  durationMs: z.number().nonnegative(),
});

export const deviceRecordSchema = z.looseObject({
  scanned: z.string(),
  notScanned: z.string().optional(),
  findings: z.array(deviceFindingSchema),
  summary: deviceScanSummarySchema.optional(),
});

/**
 * A scenario record as it crosses a process boundary (worker → matrix reporter, record.json →
 * recovery): what is checked before a record is trusted.
 */
export const scenarioRecordSchema = z.looseObject({
  runId: z.string(),
  target: targetRecordSchema,
  scenario: z.string().min(1),
  status: z.enum(['finished', 'interrupted', 'error']),
  error: z.string().optional(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  flowsFile: z.string(),
  flows: z.number().int().nonnegative(),
  tokens: z.array(tokenSchema),
  findings: z.array(findingSchema),
  gaps: z.array(gapSchema),
  recipients: z.looseObject({
    searchEngine: z.array(z.string()),
    sites: z.array(z.string()),
    vendor: z.array(z.string()),
  }),
  sealed: z.boolean(),
  consent: consentSchema,
  phoneHome: z.array(phoneHomeRowSchema),
  watch: watchWindowSchema.optional(),
  flushPoints: z.array(flushPointSchema).optional(),
  retries: z.number().int().nonnegative().optional(),
  firstAttemptError: z.string().optional(),
  firstAttemptFlows: z.number().int().nonnegative().optional(),
  device: deviceRecordSchema.optional(),
  buildConstants: z.array(z.string()).optional(),
  /** The name buildConstants had in records written before it was renamed; read as buildConstants. */
  fixtureConstants: z.array(z.string()).optional(),
  launches: z.array(launchRecordSchema).optional(),
  otherMachine: z.looseObject({ hostname: z.string(), machineId: z.string(), mac: z.string() }).optional(),
});

// Compile-time: whatever the schema accepts is a ScenarioRecord (tsc fails here when the two drift apart).
const _isScenarioRecord = (parsed: z.infer<typeof scenarioRecordSchema>): ScenarioRecord => parsed;
void _isScenarioRecord;
