import { z } from 'zod';
import { modeSchema } from './flow.ts';

/**
 * An identifier the browser made up and sent (Leith, "What do browsers say when they phone home?"):
 * a high-entropy value found again across a boundary of the run — after a restart on the same
 * profile, in another fresh profile on the same machine, in the other mode. Values that came back on
 * another machine (build constants) and values that never came back (nonces) are not identifiers.
 */

/**
 * A boundary a value was sent across:
 * - `restart`: the browser was closed and started again on the same profile;
 * - `profile`: another fresh profile on the same machine;
 * - `mode`: the normal and the private mode;
 * - `machine`: another machine id, hostname and MAC (the value is then a build constant).
 */
export type Boundary = 'restart' | 'profile' | 'mode' | 'machine';
export const BOUNDARIES: readonly Boundary[] = ['restart', 'profile', 'mode', 'machine'];

/**
 * What the recurrence says the value is, from the widest boundary it survived:
 * - `device-derived`: the same in fresh profiles on this machine, not on another machine;
 * - `linking`: the same in the normal and the private mode, not in another fresh profile;
 * - `profile`: kept in the profile (an install or profile id): back after a restart only;
 * - `unresolved`: the same in fresh profiles on this machine, and the pass that tells a device-derived
 *   value from a build constant (another machine) did not run or sent nothing where it could have
 *   shown; `reason` says which.
 */
export type IdentifierClass = 'device-derived' | 'linking' | 'profile' | 'unresolved';
export const IDENTIFIER_CLASSES: readonly IdentifierClass[] = [
  'device-derived',
  'linking',
  'profile',
  'unresolved',
];

/**
 * True when the identifier outlives a restart: it was seen again after one, or it is the same even in
 * another fresh profile (so a restart cannot change it either).
 */
export function survivesRestart(id: Pick<Identifier, 'survived'>): boolean {
  return id.survived.includes('restart') || id.survived.includes('profile');
}

export interface Identifier {
  value: string;
  /** Base target id (without mode), e.g. `chromium`. */
  target: string;
  class: IdentifierClass;
  /** Why the class could not be told apart, for `unresolved`. */
  reason?: string;
  /** Hosts it was sent to. */
  hosts: string[];
  /** Request parts it was sent in (`url-query:cid`, `header:x-client-id`, `body`, …). */
  parts: string[];
  /** The first flow that carried it. */
  firstSeen: { flow: string; at: string; scenario: string; mode: z.infer<typeof modeSchema> };
  /** The boundaries it was sent across (never `machine`: such a value is a constant, not listed). */
  survived: Boundary[];
  /** Ids of the flows that carried it. */
  flows: string[];
}

export const boundarySchema = z.enum(['restart', 'profile', 'mode', 'machine']);

export const identifierSchema = z.looseObject({
  value: z.string().min(1),
  target: z.string().min(1),
  class: z.enum(['device-derived', 'linking', 'profile', 'unresolved']),
  reason: z.string().optional(),
  hosts: z.array(z.string()),
  parts: z.array(z.string()),
  firstSeen: z.looseObject({ flow: z.string(), at: z.string(), scenario: z.string(), mode: modeSchema }),
  survived: z.array(boundarySchema),
  flows: z.array(z.string()),
});

/**
 * One launch of the browser within a scenario, in order: when it started, in which mode, and on
 * which profile (0: the scenario's own fresh profile; a harness retry starts another).
 */
export interface LaunchRecord {
  at: string;
  mode: z.infer<typeof modeSchema>;
  profile: number;
  /**
   * Why the launch did not come up in its mode (it failed, or the browser said it was in the other
   * mode). Its flows still belong to it, but it crossed no boundary: no restart or mode pass.
   */
  failed?: string;
}

export const launchRecordSchema = z.looseObject({
  at: z.string(),
  mode: modeSchema,
  profile: z.number().int().nonnegative(),
  failed: z.string().optional(),
});

const _isIdentifier = (parsed: z.infer<typeof identifierSchema>): Identifier => parsed;
void _isIdentifier;
