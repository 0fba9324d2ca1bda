import type { Gap } from '../capture/gap.ts';
import type { Evidence, VerdictStatus } from '../claims/verdict.ts';
import type { Finding } from '../detect/finding.ts';
import type { DataClass, Token } from '../detect/token.ts';

/**
 * run.json: the one record of a run. Every report (terminal table, HTML, Markdown, JUnit, diff) is
 * rendered from it alone. Fields are only ever added, never renamed; `schema` changes its major
 * number if that rule is ever broken.
 */
export const RUN_SCHEMA = 'phonehome/run@1';

export interface RunRecord {
  schema: typeof RUN_SCHEMA;
  runId: string;
  /** Project commit the run was made from (`git rev-parse HEAD`), or `unknown`. */
  commit: string;
  startedAt: string;
  finishedAt: string;
  machine: { hostname: string; platform: string; arch: string; node: string; cpus: number };
  /** True when every desktop target ran in a sealed network namespace (bypass traffic observable). */
  sealed: boolean;
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
  /** Paths relative to the run folder. */
  files: { har?: string; flows: string[]; summary?: string };
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
}

export interface ClaimRecord {
  id: string;
  says: string;
  source?: string;
}

export interface CellRecord {
  claim: string;
  target: string;
  status: VerdictStatus;
  reason: string;
  evidence: Evidence[];
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
  /** Consent answer the scenario gave to the target's consent screens, when it had any. */
  consent?: 'granted' | 'declined' | 'none';
  phoneHome: PhoneHomeRow[];
  /**
   * Values that cannot link a user, for the unlinkable-modes rule: constants of the fixture sites and
   * of the browser build (found in the target's own installed files).
   */
  fixtureConstants?: string[];
}
