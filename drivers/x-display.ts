import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep, withTimeout } from './process.ts';

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

/**
 * Types `query` into the address bar of the browser window whose class matches `windowClass` and
 * presses Enter, with real keys: Ctrl+L, the query key by key (suggestion requests fire per
 * keystroke), Enter. The first key event after a focus change is sometimes dropped (seen with
 * MiniBrowser, about one try in two), so a lone Shift, which does nothing, goes first. Whether the
 * search then happened is checked from the capture (a scenario's `proves`), not assumed.
 */
export async function typeIntoAddressBar(x: XDisplay, windowClass: string, query: string): Promise<void> {
  const window = await waitForWindow(x, windowClass);
  await x.xdotool('windowfocus', '--sync', window);
  await x.xdotool('key', 'shift');
  await sleep(50);
  await x.xdotool('key', '--clearmodifiers', 'ctrl+l');
  await sleep(200);
  await typeKeys(x, query);
  await x.xdotool('key', 'Return');
}

/**
 * Types text key by key. A character the keyboard map lacks (any non-ASCII letter) makes xdotool
 * map it to a spare keycode first; Firefox reads the new map late and drops the key when the
 * next one follows within 60 ms ("crème" arrived as "crme" in three tries of three), while with
 * 250 ms it arrived whole in every try. So such characters go one by one, slowly.
 */
async function typeKeys(x: XDisplay, text: string): Promise<void> {
  for (const run of text.match(/[\x00-\x7f]+|[^\x00-\x7f]/gu) ?? []) {
    await x.xdotool('type', '--delay', /^[\x00-\x7f]/.test(run) ? '60' : '250', run);
  }
}

/**
 * The first visible window whose class matches, once there is one (30 s at most). `gone` says why
 * to stop waiting early (the browser exited), or undefined.
 */
export async function waitForWindow(
  x: XDisplay,
  windowClass: string,
  gone: () => string | undefined = () => undefined,
): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason) throw new Error(reason);
    const found = await x.xdotool('search', '--onlyvisible', '--class', windowClass).catch(() => '');
    const window = found.split('\n')[0];
    if (window) return window;
    await sleep(100);
  }
  throw new Error(`no ${windowClass} window appeared on the virtual display within 30 s`);
}
