import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { withTimeout } from './process.ts';

const run = promisify(execFile);

/**
 * A virtual X display of its own (Xvfb picks a free display number itself, so parallel launches do
 * not race), for browsers driven headed with real keyboard input (the address bar).
 */
export interface XDisplay {
  /** `:N`, for DISPLAY. */
  display: string;
  /** Runs xdotool on this display; resolves with its output. */
  xdotool(...args: string[]): Promise<string>;
  stop(): void;
}

/** Starts Xvfb. Throws with a one-line reason when Xvfb is missing or does not start in 10 s. */
export async function startXDisplay(): Promise<XDisplay> {
  const xvfb: ChildProcess = spawn(
    '/usr/bin/Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
  );
  const number = await withTimeout(
    new Promise<string>((resolve, reject) => {
      xvfb.on('error', (e) => reject(new Error(`Xvfb could not be started: ${e.message}`)));
      xvfb.stdio[3]?.on('data', (d: Buffer) => resolve(d.toString().trim()));
    }),
    10_000,
    'Xvfb did not report a display within 10 s',
  ).catch((error: unknown) => {
    xvfb.kill('SIGKILL');
    throw error;
  });
  const display = `:${number}`;
  return {
    display,
    async xdotool(...args) {
      const { stdout } = await run('xdotool', args, { env: { ...process.env, DISPLAY: display } });
      return stdout.trim();
    },
    stop: () => {
      xvfb.kill('SIGKILL');
    },
  };
}
