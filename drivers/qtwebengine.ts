import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BrowserProcess,
  freePort,
  LaunchedSession,
  launchBrowser,
  windowedStart,
} from './browser-process.ts';
import { CdpPage } from './cdp-page.ts';
import { LAUNCH_WITH_TRUST_DIR, trustCaInNssHome, writeTrustDir } from './desktop-trust.ts';
import type { Driver, LaunchOptions, ModeEvidence, SearchOptions, Session } from './driver.ts';
import { commandLineWithEnv } from './keyboard-browser.ts';
import { browserExecutable, sleep } from './process.ts';
import { browserHome, inOwnMountNamespace, requirePaths } from './webkitgtk.ts';
import { focusWindow, type XDisplay } from './x-display.ts';

/** What the QtWebEngine browsers (Falkon, qutebrowser) share: proxy, CA trust, home, version. */

/** Debian's QtWebEngine library; its file name carries the version (libQt5WebEngineCore.so.5.15.13). */
const QTWEBENGINE_LIBRARY = '/usr/lib/x86_64-linux-gnu/libQt5WebEngineCore.so.5';

/** QtWebEngine's version from the library the browser loads, or `unknown`. */
export function qtWebEngineVersion(): string {
  try {
    return realpathSync(QTWEBENGINE_LIBRARY).match(/\.so\.(\d+\.\d+\.\d+)$/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The environment variables a QtWebEngine browser is told things through (shown in commandLine()). */
export const QT_ENV_NAMES = [
  'QTWEBENGINE_CHROMIUM_FLAGS',
  'QTWEBENGINE_DISABLE_SANDBOX',
  'http_proxy',
  'https_proxy',
] as const;

/**
 * The environment of a QtWebEngine browser, each variable with why. Nothing here changes what the
 * browser sends by itself.
 */
export function qtEnv(base: NodeJS.ProcessEnv, proxyUrl: string, chromiumFlags: string[]): NodeJS.ProcessEnv {
  return {
    ...base,
    // Qt's own network stack (filter-list downloads and the like) takes the system proxy from here.
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    // QtWebEngine's Chromium reads its switches from here; empty when the browser has a flag of its own.
    ...(chromiumFlags.length > 0 ? { QTWEBENGINE_CHROMIUM_FLAGS: chromiumFlags.join(' ') } : {}),
    // phonehome runs as root in CI, where Chromium refuses to start with its sandbox (as --no-sandbox does).
    ...(process.getuid?.() === 0 ? { QTWEBENGINE_DISABLE_SANDBOX: '1' } : {}),
  };
}

/**
 * Prepares a QtWebEngine browser's home and trust, and returns the command that runs `binary` in a
 * mount namespace of its own with the trust folder over the system one (Qt's network stack), wrapped
 * for the seal when there is one. The NSS db in the home is QtWebEngine's Chromium's trust.
 */
export async function prepareQtBrowser(
  options: LaunchOptions,
  binary: string,
  argv: string[],
): Promise<{ homeDir: string; env: NodeJS.ProcessEnv; command: string; args: string[] }> {
  const { homeDir, env } = browserHome(options.workDir);
  await trustCaInNssHome(homeDir, options.proxy).catch((error: Error) => {
    throw new Error(`${options.target.id}: could not trust the run CA with certutil: ${error.message}`);
  });
  const trustDir = writeTrustDir(options.workDir, options.proxy);
  const { command, args } = inOwnMountNamespace(options.seal, LAUNCH_WITH_TRUST_DIR, [
    trustDir,
    binary,
    ...argv,
  ]);
  return { homeDir, env, command, args };
}

/** The browser's command line and the Qt variables it runs with. */
export function qtCommandLine(pid: number | undefined): string[] {
  return commandLineWithEnv(pid, QT_ENV_NAMES);
}

/** The log file of a launch. */
export const logPathOf = (workDir: string, name: string): string => join(workDir, `${name}.log`);

/** DevTools port inside a sealed namespace (its loopback is its own, so a fixed port is free). */
export const SEALED_DEVTOOLS_PORT = 9222;

/**
 * The DevTools port to ask QtWebEngine for: the fixed one inside a seal, else a loopback port free
 * now (QtWebEngine refuses port 0: "Invalid port given for the inspector server").
 */
export async function devtoolsPort(options: LaunchOptions): Promise<number> {
  return options.seal ? SEALED_DEVTOOLS_PORT : freePort();
}

/**
 * What a QtWebEngine browser's driver declares of its own; the rest (sealing, launch, close, the
 * version line) is the family's (qtDriver).
 */
export interface QtBrowser {
  /**
   * kebab-case driver id; also the name Debian installs its binary under (/usr/bin/ID; a target's
   * executablePath comes first), and the X window class of its browser window.
   */
  id: string;
  /** Product name, for messages and its version line (`Falkon`). */
  name: string;
  /** One sentence: what the driver drives and how. */
  explain: () => string;
  /** The binary's arguments, given the DevTools port (among them or in `chromiumFlags`). */
  argv: (options: LaunchOptions, port: number) => string[];
  /** Chromium switches given through QTWEBENGINE_CHROMIUM_FLAGS, given the DevTools port; default none. */
  chromiumFlags?: (options: LaunchOptions, port: number) => string[];
  /** The browser's own version (its QtWebEngine's is added beside it). */
  version: () => string;
  /** Which mode the browser says it is in, from its window title, command line and home. */
  mode: (title: string, argv: string[], homeDir: string) => ModeEvidence;
}

/**
 * The driver of a QtWebEngine browser: sealed with its DevTools port reachable from the host,
 * launched by launchQtBrowser.
 */
export function qtDriver(browser: QtBrowser): Driver {
  return {
    id: browser.id,
    sealing: { outbound: [SEALED_DEVTOOLS_PORT] },
    explain: browser.explain,
    launch: (options) => launchQtBrowser(options, browser),
  };
}

/** How long a navigation may take before the step fails (a loaded 2-core machine took 20 s). */
const LOAD_TIMEOUT_MS = 45_000;

/**
 * A QtWebEngine browser in a window on a virtual display of its own. Pages are driven over the
 * DevTools protocol of its page target (CdpPage); the browser itself (its mode, its quitting) as a
 * person sees and does it: its window title, Ctrl+Q.
 */
class QtSession extends LaunchedSession implements Session {
  constructor(
    running: BrowserProcess,
    private readonly x: XDisplay,
    private readonly window: string,
    private readonly cdp: CdpPage,
    private readonly spec: QtBrowser,
    private readonly homeDir: string,
  ) {
    super(running);
  }

  async version(): Promise<string> {
    return `${this.spec.name} ${this.spec.version()} (QtWebEngine ${qtWebEngineVersion()})`;
  }

  title(): Promise<string> {
    return this.x.xdotool('getwindowname', this.window);
  }

  async visit(url: string): Promise<void> {
    const loaded = this.cdp.next('Page.loadEventFired', LOAD_TIMEOUT_MS, `visit ${url}`);
    // Whatever happens below, a load that never comes is not an unhandled rejection.
    loaded.catch(() => {});
    const { errorText } = await this.cdp.send<{ errorText?: string }>('Page.navigate', { url });
    if (errorText) {
      throw new Error(`visit ${url}: ${this.spec.name} could not load it (${errorText})`);
    }
    await loaded;
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') {
      throw new Error(`searching from the address bar is not supported yet by the ${this.spec.name} driver`);
    }
    await this.visit(options.engineUrl);
    const field = JSON.stringify(options.field ?? 'input[name=q]');
    // Key events reach only a focused window's page: the window gets the focus as a click would give it.
    await focusWindow(this.x, this.window);
    // The load event awaited above may be the start page's, when it finishes after the navigation
    // began (seen under load): the engine page's box is waited for, not assumed.
    let found = false;
    let at = '';
    for (const deadline = Date.now() + LOAD_TIMEOUT_MS; !found && Date.now() < deadline; ) {
      found = await this.cdp.evaluate<boolean>(
        `(() => { const box = document.querySelector(${field}); if (!box) return false; box.focus(); return true; })()`,
      );
      if (!found) {
        at = await this.cdp.evaluate<string>('location.href');
        await sleep(250);
      }
    }
    if (!found) {
      throw new Error(`search for ${query}: the page has no field ${field}; the page is at ${at}`);
    }
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    for (const c of query) {
      await this.cdp.send('Input.insertText', { text: c });
      await sleep(25);
    }
    const typed = await this.cdp.evaluate<string>(`document.querySelector(${field}).value`);
    if (typed !== query) throw new Error(`search for ${query}: the search box reads "${typed}" after typing`);
    const loaded = this.cdp.next('Page.loadEventFired', LOAD_TIMEOUT_MS, `search for ${query}`);
    loaded.catch(() => {});
    // Sent as Enter in a text field sends it (a submit event); QtWebEngine's window has no window
    // manager to make it active, and a DevTools key event then reaches no field.
    await this.cdp.evaluate(`document.querySelector(${field}).form.requestSubmit()`);
    await loaded;
  }

  async follow(selector: string): Promise<string> {
    const loaded = this.cdp.next('Page.loadEventFired', LOAD_TIMEOUT_MS, `follow ${selector}`);
    loaded.catch(() => {});
    const clicked = await this.cdp.evaluate<boolean>(
      `(() => { const a = document.querySelector(${JSON.stringify(selector)}); if (!a) return false; a.click(); return true; })()`,
    );
    if (!clicked) {
      throw new Error(`follow ${selector}: the page has no such element`);
    }
    await loaded;
    return this.cdp.evaluate<string>('location.href');
  }

  async mode(): Promise<ModeEvidence> {
    return this.spec.mode(await this.title(), qtCommandLine(this.pid), this.homeDir);
  }

  override async commandLine(): Promise<string[]> {
    return qtCommandLine(this.pid);
  }

  async close(): Promise<void> {
    await this.running.close({
      // Ctrl+Q quits as a person would, so the browser writes its profile and sends what it sends at exit.
      quit: async () => {
        this.cdp.close();
        await focusWindow(this.x, this.window);
        await this.x.xdotool('key', '--clearmodifiers', 'ctrl+q');
      },
      quitMs: 5000,
      exitMs: 8000,
      escalation: [
        ['SIGTERM', 3000],
        ['SIGKILL', 0],
      ],
    });
  }
}

/**
 * Launches a QtWebEngine browser on a virtual display of its own behind the capture proxy (trust
 * as prepareQtBrowser), waits for its DevTools endpoint and its window, and connects to its page.
 * Throws a one-line fix first when the browser or a tool it needs (Xvfb, xdotool for its window
 * and keys, certutil for its NSS db) is missing. On failure everything started is stopped and the
 * error says which step failed.
 */
export async function launchQtBrowser(options: LaunchOptions, spec: QtBrowser): Promise<Session> {
  const binary = browserExecutable(options.target, `/usr/bin/${spec.id}`);
  requirePaths(options.target, [
    ['/usr/bin/Xvfb', 'xvfb'],
    ['/usr/bin/xdotool', 'xdotool'],
    ['/usr/bin/certutil', 'libnss3-tools'],
  ]);
  const port = await devtoolsPort(options);
  const { homeDir, env, command, args } = await prepareQtBrowser(options, binary, spec.argv(options, port));
  const chromiumFlags = spec.chromiumFlags?.(options, port) ?? [];
  const start = windowedStart(
    spec.name,
    options,
    { command, args, env: qtEnv(env, options.proxy.url, chromiumFlags) },
    'stderr',
  );
  return launchBrowser(start, async (running, undo) => {
    const ws = await running.endpoint({
      pattern: /DevTools listening on (ws:\/\/\S+)/,
      logPath: logPathOf(options.workDir, spec.id),
      timeoutMs: 60_000,
      browser: spec.name,
      endpoint: 'DevTools',
    });
    let port = Number(new URL(ws).port);
    if (options.seal) port = options.seal.hostPort(SEALED_DEVTOOLS_PORT);
    const window = await running.window(spec.id, spec.name);
    running.ready();
    const cdp = await CdpPage.connect(`http://127.0.0.1:${port}`);
    undo(() => cdp.close());
    return new QtSession(running, running.x as XDisplay, window, cdp, spec, homeDir);
  });
}
