import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exitOf, groupGoneWithin, killGroup } from '../../drivers/process.ts';

/** A shell in a group of its own that leaves `child` running and exits at once. */
async function leaderLeaving(child: string) {
  const proc = spawn('sh', ['-c', `${child} & exit 0`], { detached: true, stdio: 'ignore' });
  await exitOf(proc);
  return proc;
}

describe('groupGoneWithin (the close sweep of a browser process group)', () => {
  it('should wait for the processes its leader left, and say when they are gone by themselves', async () => {
    const proc = await leaderLeaving('sleep 1');
    const started = Date.now();
    expect(await groupGoneWithin(proc, 5000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('should say the group lingers past its time, and that it is gone once killed', async () => {
    const proc = await leaderLeaving('sleep 30');
    expect(await groupGoneWithin(proc, 500)).toBe(false);
    killGroup(proc, 'SIGKILL');
    expect(await groupGoneWithin(proc, 3000)).toBe(true);
  });
});
