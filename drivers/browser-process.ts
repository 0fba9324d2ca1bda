import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { writePidFile } from '../src/seal/pid-files.ts';
import {
  commandLineOf,
  exitOf,
  exitsWithin,
  groupGoneWithin,
  killGroup,
  lastLines,
  sleep,
  waitForEndpoint,
} from './process.ts';
import {
  pasteIntoAddressBar,
  startXDisplay,
  typeIntoAddressBar,
  waitForWindow,
  type XDisplay,
} from './x-display.ts';

/**
 * The lifecycle every desktop driver's browser goes through, written once: a virtual display when it
 * needs a window, spawn, a pid file, waiting until it is ready (its automation endpoint, its window),
 * the driver's own connection, everything stopped again when any of that fails, and a close that
 * lets the browser quit the way its user would before it is killed. A driver says only what is its
 * own: the command, how it is reached, how its user quits it.
 */

/** How long a swept group's other processes have to exit by themselves after the browser did. */
const SWEEP_GRACE_MS = 3000;

/** How a browser is started. */
export interface BrowserStart {
  /** What the pid file says it is (`Chromium for chromium:normal`). */
  label: string;
  command: string;
  args: string[];
  /** Its environment (DISPLAY is added when it has a display). */
  env: NodeJS.ProcessEnv;
  /** A process group of its own, so that a kill takes its helper processes down with it. */
  group: boolean;
  /** A virtual display of its own (a headed browser). */
  display: boolean;
  /**
   * `stderr`: piped, where the driver reads its endpoint's line (waitForEndpoint copies it to a log);
   * else both streams go to the file at `logPath` (appended to, or written anew).
   */
  output: 'stderr' | { logPath: string; append: boolean };
}

/**
 * The start of a browser in a window on a virtual display of its own, in a process group of its
 * own; its label is its name with the target and mode (`Falkon for falkon:normal`).
 */
export function windowedStart(
  name: string,
  launch: { target: { id: string }; mode: string },
  spawned: { command: string; args: string[]; env: NodeJS.ProcessEnv },
  output: BrowserStart['output'],
): BrowserStart {
  const { command, args, env } = spawned;
  return {
    label: `${name} for ${launch.target.id}:${launch.mode}`,
    command,
    args,
    env,
    group: true,
    display: true,
    output,
  };
}

/** How a browser is closed: its user's way first, then signals. */
export interface ClosePlan {
  /** Quits the browser the way its user would (it may send what it holds back); errors are ignored. */
  quit: () => Promise<unknown>;
  /** How long the quit may take before it is no longer waited on. */
  quitMs: number;
  /** Run after the quit (a client's disconnect); errors are ignored. */
  disconnect?: () => Promise<unknown>;
  /** How long the browser has to exit by itself after the quit; past it, the close is `forced`. */
  exitMs: number;
  /** The signals sent, in order, to a browser that did not exit, each with how long it then has. */
  escalation: readonly (readonly [NodeJS.Signals, number])[];
  /**
   * Kill the process group once more at the end, after SWEEP_GRACE_MS for it to empty by itself:
   * children that outlive their parent go too.
   */
  sweep?: boolean;
}

/** A browser process started by a driver, with the display and log that belong to it. */
export class BrowserProcess {
  /** Set by close(): true when the browser did not quit by itself and had to be killed. */
  forced = false;
  private closed = false;
  private forgetPid: () => void;

  private constructor(
    readonly proc: ChildProcess,
    private readonly start: BrowserStart,
    readonly x: XDisplay | undefined,
    private readonly log: WriteStream | undefined,
  ) {
    this.forgetPid = writePidFile(proc.pid, start.label);
  }

  /**
   * Starts the display (when asked), then the browser, and writes its pid file.
   * @throws when the display or the log cannot be opened (nothing is left running then).
   */
  static async spawn(start: BrowserStart): Promise<BrowserProcess> {
    let log: WriteStream | undefined;
    if (start.output !== 'stderr') {
      log = createWriteStream(start.output.logPath, { flags: start.output.append ? 'a' : 'w' });
      const opened = log;
      await new Promise((resolve, reject) => {
        opened.once('open', resolve);
        opened.once('error', reject);
      });
    }
    let x: XDisplay | undefined;
    try {
      x = start.display ? await startXDisplay() : undefined;
    } catch (error) {
      log?.end();
      throw error;
    }
    const proc = spawn(start.command, start.args, {
      stdio: ['ignore', log ?? 'ignore', log ?? 'pipe'],
      detached: start.group,
      env: x ? { ...start.env, DISPLAY: x.display } : start.env,
    });
    const started = new BrowserProcess(proc, start, x, log);
    if (log) proc.once('exit', () => log.end());
    return started;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Why the browser is no longer there (it exited), or undefined while it runs. */
  gone(): string | undefined {
    const { exitCode, signalCode } = this.proc;
    if (exitCode === null && signalCode === null) return undefined;
    const output = this.start.output === 'stderr' ? '' : `: ${lastLines(this.start.output.logPath)}`;
    return `exited (code ${exitCode}, signal ${signalCode})${output}`;
  }

  /**
   * Waits for the line the browser prints on stderr when its endpoint is ready and returns the
   * pattern's first group (see waitForEndpoint).
   */
  endpoint(options: {
    pattern: RegExp;
    logPath: string;
    timeoutMs: number;
    browser: string;
    endpoint: string;
  }) {
    return waitForEndpoint(this.proc, options);
  }

  /** Waits for the browser's window on its display; fails early, with its last output, when it exits. */
  window(windowClass: string, name: string): Promise<string> {
    const x = this.x;
    if (!x) throw new Error(`${name} has no display to show a window on`);
    return waitForWindow(x, windowClass, () => {
      const gone = this.gone();
      return gone && `${name} ${gone.replace(/^exited/, 'exited before its window appeared')}`;
    });
  }

  /**
   * Writes the pid file again once the browser is ready: by then the launcher and wrapper scripts
   * have handed over to the browser itself, whose command the leftover cleanup checks.
   */
  ready(): void {
    this.forgetPid = writePidFile(this.proc.pid, this.start.label);
  }

  /** Signals the browser (its whole group when it has one). */
  kill(signal: NodeJS.Signals): void {
    if (this.start.group) killGroup(this.proc, signal);
    else this.proc.kill(signal);
  }

  /** Stops what spawn() started, for a launch that failed: the browser (killed), its display, its pid file. */
  async abort(): Promise<void> {
    this.closed = true;
    this.kill('SIGKILL');
    await exitsWithin(this.proc, 3000);
    await this.finish();
  }

  /** Closes the browser by `plan` (see ClosePlan); safe to call twice. */
  async close(plan: ClosePlan): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.race([plan.quit().catch(() => {}), exitOf(this.proc), sleep(plan.quitMs)]);
    await plan.disconnect?.().catch(() => {});
    if (!(await exitsWithin(this.proc, plan.exitMs))) {
      this.forced = true;
      for (const [signal, ms] of plan.escalation) {
        this.kill(signal);
        if (await exitsWithin(this.proc, ms)) break;
      }
    }
    // The group's other processes get time to finish what they write (a profile's last files),
    // then go: none outlives the close, nor writes into a folder being deleted.
    if (plan.sweep && !(await groupGoneWithin(this.proc, SWEEP_GRACE_MS))) this.kill('SIGKILL');
    await this.finish();
  }

  private async finish(): Promise<void> {
    await this.x?.stop();
    this.log?.end();
    this.forgetPid();
  }
}

/**
 * Starts a browser and hands it to `connect`, the driver's own part (wait for its endpoint or
 * window, connect a client, make its session). When any of that throws, what `connect` registered
 * with `undo` runs first (a client to disconnect), then the browser is killed and its display and
 * pid file go; the error is thrown on as it was.
 */
export async function launchBrowser<T>(
  start: BrowserStart,
  connect: (browser: BrowserProcess, undo: (step: () => unknown) => void) => Promise<T>,
): Promise<T> {
  const browser = await BrowserProcess.spawn(start);
  const undo: (() => unknown)[] = [];
  try {
    return await connect(browser, (step) => undo.push(step));
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // Undoing is best effort: the kill below stops the browser whatever the client does.
      }
    }
    await browser.abort();
    throw error;
  }
}

/** A loopback port free now, for a browser or driver that refuses port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * What every session of a browser started through launchBrowser has alike: its pid, whether its
 * close was forced, idling, and its command line as /proc shows it (a driver that knows more, such
 * as the prefs or environment it was told, says so in its own commandLine()).
 */
export abstract class LaunchedSession {
  constructor(protected readonly running: BrowserProcess) {}

  get pid(): number | undefined {
    return this.running.pid;
  }

  /** True when close() had to kill the browser (it did not quit by itself). */
  get forced(): boolean {
    return this.running.forced;
  }

  async idle(ms: number): Promise<void> {
    await sleep(ms);
  }

  /**
   * Types `query` into the browser's own address bar with real keys (focus it, type, Enter) and
   * gives the browser a moment to send what it sends. Needs a headed launch.
   */
  protected async searchFromAddressBar(windowClass: string, query: string): Promise<void> {
    const x = this.running.x;
    if (!x) throw new Error('the address bar needs a headed launch (LaunchOptions.headed)');
    await typeIntoAddressBar(x, windowClass, query);
    await this.idle(1500);
  }

  /**
   * Pastes `url` into the browser's own address bar from the clipboard (Ctrl+L, Ctrl+V, Enter) and
   * gives the browser a moment to send what it sends. Needs a headed launch.
   */
  protected async pasteFromAddressBar(windowClass: string, url: string): Promise<void> {
    const x = this.running.x;
    if (!x) throw new Error('the address bar needs a headed launch (LaunchOptions.headed)');
    await pasteIntoAddressBar(x, windowClass, url);
    await this.idle(1500);
  }

  async commandLine(): Promise<string[]> {
    return commandLineOf(this.pid);
  }
}
