import { z } from 'zod';
import { modeSchema } from './flow.ts';

/**
 * A Gap is something the capture or the analysis could not see. Gaps are what make a verdict
 * inconclusive instead of pass: phonehome fails closed.
 */

export type GapKind =
  /** A TLS handshake the target aborted against the run's CA (e.g. certificate pinning). */
  | 'tls-opaque'
  /** Traffic that went around the proxy (DNS, UDP/QUIC, direct TCP). */
  | 'bypass'
  /** A flow whose decoding hit a bound (depth, bytes, time): part of it was not examined. */
  | 'decode-bound'
  /** The scenario did not finish (crash, timeout, harness error). */
  | 'interrupted'
  /** The run was not network-sealed, so bypass traffic could not be observed. */
  | 'not-sealed'
  /** The proxy failed to read a request (malformed, aborted). */
  | 'capture-error'
  /**
   * Flows that were captured could not be read back (flow log missing, unreadable, or shorter than
   * the count the scenario recorded): what they carried is unknown. New in run.json @2.
   */
  | 'capture-lost'
  /** A request whose body had not completed when the watch closed the browser. New in run.json @2. */
  | 'still-sending'
  /**
   * A file the browser wrote could not be read in full (I/O error, over a bound, no reader for its
   * format). New in run.json @2.
   */
  | 'file-unread';

/** The gap kinds run.json `phonehome/run@1` knows. */
export const GAP_KINDS_V1 = [
  'tls-opaque',
  'bypass',
  'decode-bound',
  'interrupted',
  'not-sealed',
  'capture-error',
] as const satisfies readonly GapKind[];

/** Every gap kind (run.json `phonehome/run@2`). */
export const GAP_KINDS: readonly GapKind[] = [
  ...GAP_KINDS_V1,
  'capture-lost',
  'still-sending',
  'file-unread',
];

export interface Gap {
  kind: GapKind;
  /** Target id including mode, when known. */
  target?: string;
  scenario?: string;
  mode?: 'normal' | 'incognito';
  /** Destination host (or IP) concerned, when known. */
  host?: string;
  /** Protocol for bypass gaps: `dns`, `udp`, `tcp`, `quic`. */
  protocol?: string;
  /** The file concerned, for file-unread gaps: its path relative to the folder scanned. */
  file?: string;
  /** The flow concerned, for decode-bound and capture-error gaps. */
  flowId?: string;
  /** One sentence saying what could not be seen and why. */
  reason: string;
  /**
   * True when the traffic was read in full after all (a DNS query: its name is all it carries), so it
   * hides nothing from the claims; it is kept to show that the target went around the proxy.
   */
  observed?: boolean;
  /** ISO time it was recorded. */
  at?: string;
}

/** The fields every version of a gap has besides its kind. */
export const gapFields = {
  target: z.string().optional(),
  scenario: z.string().optional(),
  mode: modeSchema.optional(),
  host: z.string().optional(),
  protocol: z.string().optional(),
  flowId: z.string().optional(),
  reason: z.string(),
  observed: z.boolean().optional(),
  at: z.string().optional(),
};

/** A gap of any kind (run.json @2). */
export const gapSchema = z.looseObject({
  kind: z.enum(GAP_KINDS as readonly [GapKind, ...GapKind[]]),
  ...gapFields,
  // file-unread gaps: the file, relative to the folder scanned.
  file: z.string().optional(),
});
