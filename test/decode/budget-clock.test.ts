import { describe, expect, it } from 'vitest';
import { sleep } from '../../drivers/process.ts';
import { Budget, cpuClock, DEFAULT_BOUNDS } from '../../src/decode/bounds.ts';

/** Works until this process has used `ms` more of CPU, however long that takes on a busy machine. */
function spin(ms: number): void {
  const until = cpuClock() + ms;
  while (cpuClock() < until) Math.sqrt(Math.random());
}

describe('a time bound on CPU', () => {
  it('should not run out while the process waits (a busy machine), and run out on its own work', async () => {
    const cpu = new Budget({ ...DEFAULT_BOUNDS, maxMs: 150 }, cpuClock);
    const wall = new Budget({ ...DEFAULT_BOUNDS, maxMs: 150 });
    await sleep(300);
    expect(() => wall.checkTime()).toThrow(/longer than 150 ms/);
    expect(() => cpu.checkTime()).not.toThrow();
    spin(200);
    expect(() => cpu.checkTime()).toThrow(/longer than 150 ms/);
  });
});
