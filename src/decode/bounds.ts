import { isMainThread } from 'node:worker_threads';

/** Limits on how much work decoding one flow may do; hitting one records a `decode-bound` gap. */
export interface AnalyzeBounds {
  /** Maximum number of decode steps in one chain. */
  maxDepth: number;
  /** Maximum bytes produced by decoding, summed over all layers of one flow. */
  maxExpandedBytes: number;
  /** Maximum wall time spent decoding one flow, in milliseconds. */
  maxMs: number;
}

export const DEFAULT_BOUNDS: AnalyzeBounds = {
  maxDepth: 16,
  maxExpandedBytes: 64 * 1024 * 1024,
  maxMs: 5000,
};

/**
 * Milliseconds of CPU this process has used (user and system). A bound on it holds the same work
 * on a quiet machine and on one running seven browsers on two cores, where a wall-time bound made
 * the same file a gap in one run and not in the next.
 */
export function cpuClock(): number {
  // Read at most every 20 ms of wall time: a budget is made per flow, and at thousands of flows the
  // system call itself showed in scan's profile (9 % of its time). 20 ms is noise on a 5 s bound.
  const now = Date.now();
  if (now - cpuReadAt > 20) {
    const { user, system } = process.cpuUsage();
    cpuReading = (user + system) / 1000;
    cpuReadAt = now;
  }
  return cpuReading;
}
let cpuReadAt = Number.NEGATIVE_INFINITY;
let cpuReading = 0;

/**
 * The clock for a time bound on work done here: CPU time on a process's main thread; wall time in a
 * worker thread, where the process's CPU time counts the other threads' work too (Node 20 has no
 * clock of the thread's own).
 */
export function workClock(): () => number {
  return isMainThread ? cpuClock : Date.now;
}

/** Thrown by a decoder (via the budget) when a bound is hit; the engine turns it into a gap. */
export class BoundError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BoundError';
  }
}

/**
 * The running budget of one flow. Decoders that expand data ask `remaining()` to cap their output
 * and `charge()` what they produced; `charge` throws BoundError once the budget is spent.
 */
export class Budget {
  readonly bounds: AnalyzeBounds;
  private used = 0;
  private readonly deadline: number;
  /** Bounds hit without stopping the flow (e.g. JSON nested too deep): each becomes part of a gap. */
  readonly hits: string[] = [];

  private readonly now: () => number;
  private readonly wallDeadline: number;

  /**
   * `clock` reads milliseconds: wall time by default; `cpuClock` where the bound must not depend on
   * how busy the machine is.
   */
  constructor(bounds: AnalyzeBounds, clock: () => number = Date.now) {
    this.bounds = bounds;
    this.now = clock;
    this.deadline = clock() + bounds.maxMs;
    this.wallDeadline = Date.now() + bounds.maxMs;
  }

  /** Bytes still allowed. */
  remaining(): number {
    return Math.max(0, this.bounds.maxExpandedBytes - this.used);
  }

  /** Counts `n` produced bytes; throws BoundError when over budget. */
  charge(n: number): void {
    this.used += n;
    if (this.used > this.bounds.maxExpandedBytes) {
      throw new BoundError(`decoding expanded past ${this.bounds.maxExpandedBytes} bytes`);
    }
  }

  /** Throws BoundError when the time allowed for this flow is over. */
  checkTime(): void {
    // A thread's CPU time never runs ahead of the wall clock: the cheap clock is read first (peel
    // asks at every layer, and reading the CPU clock is a system call).
    if (Date.now() <= this.wallDeadline) return;
    if (this.now() > this.deadline) throw new BoundError(`decoding took longer than ${this.bounds.maxMs} ms`);
  }

  /** Records a bound that was hit where the decoder could still go on with the rest of the layer. */
  hit(reason: string): void {
    if (!this.hits.includes(reason)) this.hits.push(reason);
  }

  timeLeft(): number {
    return this.deadline - this.now();
  }
}
