import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';

/**
 * How many scenarios of one run may be in their busy phase at once, across Playwright's workers
 * (PHONEHOME_BUSY_SLOTS; unset or 0: no limit). A browser's launch, its steps and its relaunch take
 * the CPU; the watch after them mostly waits. On 2 cores, seven browsers launching at once
 * stretched every step (the first searches of the quick matrix ended 100 s after its start at load
 * 16), while seven browsers watching at once cost nearly nothing: so the watch windows overlap
 * freely and the busy phases take turns.
 */
export const BUSY_SLOTS_ENV = 'PHONEHOME_BUSY_SLOTS';

export type Release = () => Promise<void>;

/** Slots this process holds (one Playwright worker runs one scenario at a time): re-entrant. */
let held = 0;

const POLL_MS = 200;

/** The number of slots the environment asks for; 0 means no gate. */
export function busySlots(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[BUSY_SLOTS_ENV];
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw new Error(`${BUSY_SLOTS_ENV} takes a whole number, not "${raw}"`);
  return Number(raw);
}

/**
 * Waits for one of `slots` slots in `dir` (shared by every worker of the run) and returns its
 * release. Each slot is a lock file (proper-lockfile): a worker that dies holding one frees it once
 * its lock goes stale, so a crash never blocks the rest of the run. A process that already holds a
 * slot gets a no-op release at once (a relaunch inside a scenario's steps).
 */
export async function acquireBusySlot(dir: string, slots: number, staleMs = 60_000): Promise<Release> {
  if (slots <= 0 || held > 0) {
    held += 1;
    return once(async () => {
      held -= 1;
    });
  }
  mkdirSync(dir, { recursive: true });
  for (;;) {
    for (let i = 0; i < slots; i += 1) {
      const unlock = await lock(join(dir, `slot-${i}`), {
        realpath: false,
        // Refreshed while held; a lock not refreshed for `staleMs` belongs to a worker that died.
        stale: staleMs,
        update: Math.max(1_000, staleMs / 6),
        // A refresh that came late (an event loop held up on a loaded machine) must not end the run:
        // at worst one more scenario is busy at the same time.
        onCompromised: () => {},
      }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ELOCKED') return undefined;
        throw e;
      });
      if (unlock) {
        held += 1;
        return once(async () => {
          held -= 1;
          await unlock().catch(() => {});
        });
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs `fn` holding a slot (see acquireBusySlot). */
export async function withBusySlot<T>(dir: string, slots: number, fn: () => Promise<T>): Promise<T> {
  const release = await acquireBusySlot(dir, slots);
  try {
    return await fn();
  } finally {
    await release();
  }
}

function once(release: Release): Release {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await release();
  };
}
