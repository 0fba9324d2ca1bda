import { z } from 'zod';

/** Verdicts: the outcome of one claim on one target (with mode). */

export type VerdictStatus = 'pass' | 'fail' | 'inconclusive' | 'error';
export const VERDICT_STATUSES: readonly VerdictStatus[] = ['pass', 'fail', 'inconclusive', 'error'];

/**
 * A matrix cell's status in run.json: a verdict, or `not-applicable` (run@3) when the claim is not
 * about that target (its `appliesTo` names other targets or engines, it is about the other mode, or
 * about a consent the target's scenarios did not give). Not applicable is never a pass: no report or
 * exit code counts it as one.
 */
export type CellStatus = VerdictStatus | 'not-applicable';
export const CELL_STATUSES: readonly CellStatus[] = [...VERDICT_STATUSES, 'not-applicable'];

/** One piece of evidence: a flow and where in it a token was found. */
export interface Evidence {
  flow: string;
  host: string;
  url: string;
  where: string;
  chain: string[];
  token: string;
  /** Optional extras: token label, data class, excerpt with the token marked «…», method. */
  label?: string;
  dataClass?: string;
  excerpt?: string;
  method?: string;
  /** Why this is evidence, one sentence (e.g. the recipient class it was sent to). */
  says?: string;
}

export interface Verdict {
  claim: string;
  /** Target id including its mode, e.g. `reference:incognito`. */
  target: string;
  status: VerdictStatus;
  /** Sentences explaining the verdict. */
  reason: string;
  evidence: Evidence[];
  /**
   * Set when scenarios of the cell ran without a network seal and the claim needs to see all traffic:
   * the sentence (also in `reason`) saying so, and whether the user accepted the risk
   * (`--accept-unsealed`). Reports show it beside the verdict.
   */
  unsealed?: { accepted: boolean; says: string };
}

export const evidenceSchema = z.looseObject({
  flow: z.string(),
  host: z.string(),
  url: z.string(),
  where: z.string(),
  chain: z.array(z.string()),
  token: z.string(),
  label: z.string().optional(),
  dataClass: z.string().optional(),
  excerpt: z.string().optional(),
  method: z.string().optional(),
  says: z.string().optional(),
});
