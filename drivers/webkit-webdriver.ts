import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { type BrowserProcess, freePort, launchBrowser, windowedStart } from './browser-process.ts';
import type { Driver, LaunchOptions, ModeEvidence, SearchOptions, Session } from './driver.ts';
import { commandLineOf, sleep } from './process.ts';
import { prepareMiniBrowser, SYSTEM_CA_BUNDLE, websiteDataPaths } from './webkitgtk.ts';

/** WebKitWebDriver port inside a sealed namespace. */
const SEALED_DRIVER_PORT = 4444;

/**
 * MiniBrowser's arguments, each with why. `--automation` is what lets WebKitWebDriver drive it; it
 * also makes MiniBrowser use an ephemeral website data manager whatever the mode (see
 * README-desktop.md), which is why this driver runs private mode only (the `webkit` driver, which
 * types into MiniBrowser's window instead, has both).
 */
export function miniBrowserArgs(proxyUrl: string, extra: string[] = []): string[] {
  return [
    // The only way WebKitWebDriver can control MiniBrowser.
    '--automation',
    // All traffic goes to the capture proxy, which answers it itself.
    `--proxy=${proxyUrl}`,
    // MiniBrowser's own private browsing mode.
    '--private',
    ...extra,
  ];
}

/**
 * The shell script the browser runs under: the run's CA is added to a copy of the system bundle,
 * bind-mounted over it in a mount namespace of the browser's own (so only this browser trusts the
 * CA; every other certificate check stays as it is); then WebKitWebDriver, on the display in
 * DISPLAY (started outside the namespace: drivers/x-display.ts says why). `$1` bundle, `$2` port.
 */
export const WEBKIT_LAUNCH_SCRIPT = [
  'set -e',
  `mount --bind "$1" ${SYSTEM_CA_BUNDLE}`,
  'exec WebKitWebDriver --port="$2"',
].join('\n');

/** Waits until WebKitWebDriver answers on `port` that it is ready; fails early when it exits. */
async function waitForDriver(
  port: number,
  running: BrowserProcess,
  logPath: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const gone = running.gone();
    if (gone) throw new Error(`WebKitWebDriver ${gone.replace(/^exited/, 'exited before it was ready')}`);
    const ready = await fetch(`http://127.0.0.1:${port}/status`)
      .then(async (r) => ((await r.json()) as { value?: { ready?: boolean } }).value?.ready === true)
      .catch(() => false);
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`WebKitWebDriver did not answer within ${timeoutMs / 1000}s (see ${logPath})`);
}

/** Pid of the first child of `parent` running `name` (MiniBrowser is WebKitWebDriver's child). */
function childNamed(parent: number, name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, …
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm === name) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  return undefined;
}

type WdioBrowser = Awaited<ReturnType<typeof remote>>;

class WebKitSession implements Session {
  readonly pid: number | undefined;

  constructor(
    private readonly browser: WdioBrowser,
    private readonly running: BrowserProcess,
    private readonly homeDir: string,
  ) {
    this.pid = running.pid === undefined ? undefined : childNamed(running.pid, 'MiniBrowser');
  }

  async version(): Promise<string> {
    const caps = this.browser.capabilities as { browserVersion?: string };
    return `WebKitGTK ${caps.browserVersion ?? 'unknown'}`;
  }

  async visit(url: string): Promise<void> {
    await this.browser.url(url);
  }

  private async waitForLoadAway(from: string): Promise<void> {
    await this.browser.waitUntil(
      async () =>
        (await this.browser.getUrl()) !== from &&
        (await this.browser.execute(() => document.readyState)) === 'complete',
      { timeout: 60_000, interval: 100, timeoutMsg: `the page did not leave ${from} within 60 s` },
    );
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') {
      throw new Error(
        "searching from the address bar is not supported by the webkit-webdriver driver (WebKitWebDriver reaches only page content, not MiniBrowser's URL entry)",
      );
    }
    await this.visit(options.engineUrl);
    const from = await this.browser.getUrl();
    const box = await this.browser.$(options.field ?? 'input[name=q]');
    await box.click();
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    for (const ch of query) {
      await this.browser.keys(ch);
      await sleep(25);
    }
    await this.browser.keys('Enter');
    await this.waitForLoadAway(from);
  }

  async follow(selector: string): Promise<string> {
    const from = await this.browser.getUrl();
    const link = await this.browser.$(selector);
    if (!(await link.isExisting())) throw new Error(`no element matches ${selector} on ${from}`);
    await link.click();
    await this.waitForLoadAway(from);
    return this.browser.getUrl();
  }

  async idle(ms: number): Promise<void> {
    await sleep(ms);
  }

  async mode(): Promise<ModeEvidence> {
    const argv = await this.commandLine();
    const privateFlag = argv.includes('--private');
    const stored = websiteDataPaths(this.homeDir);
    const incognito = privateFlag && stored.length === 0;
    return {
      incognito,
      how: `MiniBrowser runs with --private${privateFlag ? '' : ' missing'} and ${
        stored.length === 0
          ? 'has written no website data (cookies, storage, cache) into its data and cache folders: its session is ephemeral'
          : `has written website data to ${stored.slice(0, 3).join(', ')}`
      }`,
    };
  }

  async commandLine(): Promise<string[]> {
    return commandLineOf(this.pid);
  }

  async close(): Promise<void> {
    await this.running.close({
      quit: () => this.browser.deleteSession(),
      quitMs: 5000,
      // WebKitWebDriver outlives the session it served: it and MiniBrowser, which share the launch's
      // process group, are always signalled (so `forced` says nothing here and is not passed on).
      exitMs: 0,
      escalation: [
        ['SIGTERM', 3000],
        ['SIGKILL', 0],
      ],
    });
  }
}

/**
 * Drives WebKitGTK's MiniBrowser through WebKitWebDriver (WebdriverIO) under its own Xvfb display,
 * trusting the run's CA through the system bundle as seen from a mount namespace of its own.
 * Private mode only: MiniBrowser under automation always uses an ephemeral session. Targets pick it
 * with `driver: webkit-webdriver`; the default WebKitGTK target uses the keyboard-driven `webkit`.
 */
export const webkitWebDriverDriver: Driver = {
  id: 'webkit-webdriver',
  sealing: { outbound: [SEALED_DRIVER_PORT] },
  explain: () =>
    "launches WebKitGTK's MiniBrowser (private mode only) behind the capture proxy (the run's CA added to the system bundle in the browser's own mount namespace) and drives it through WebKitWebDriver with WebdriverIO",
  async launch(options: LaunchOptions): Promise<Session> {
    const { target, mode, proxy, workDir, seal } = options;
    if (mode !== 'incognito') {
      throw new Error(
        `${target.id}: WebKitGTK's normal mode cannot be driven: MiniBrowser under WebDriver (--automation) always uses an ephemeral session; run it with modes: [incognito], or use the webkit driver (keyboard-driven MiniBrowser), which has both modes`,
      );
    }
    const port = seal ? SEALED_DRIVER_PORT : await freePort();
    const { binary, homeDir, env, command, args } = prepareMiniBrowser(
      options,
      [
        ['/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'],
        ['/usr/bin/Xvfb', 'xvfb'],
      ],
      WEBKIT_LAUNCH_SCRIPT,
      () => [String(port)],
    );
    const logPath = join(workDir, 'webkit.log');
    const start = windowedStart(
      'WebKitWebDriver',
      options,
      { command, args, env },
      { logPath, append: false },
    );
    const hostPort = seal ? seal.hostPort(SEALED_DRIVER_PORT) : port;
    return launchBrowser(start, async (running) => {
      await waitForDriver(hostPort, running, logPath, 30_000);
      running.ready();
      const capabilities = {
        'webkitgtk:browserOptions': { binary, args: miniBrowserArgs(proxy.url, target.args) },
        // Certificate errors stay errors: the CA is trusted through the bundle, nothing else is.
        acceptInsecureCerts: false,
        timeouts: { pageLoad: 60_000, script: 30_000, implicit: 0 },
      };
      const browser = await remote({
        hostname: '127.0.0.1',
        port: hostPort,
        logLevel: 'error',
        connectionRetryCount: 0,
        connectionRetryTimeout: 120_000,
        capabilities: capabilities as WebdriverIO.Capabilities,
      });
      return new WebKitSession(browser, running, homeDir);
    });
  },
};
