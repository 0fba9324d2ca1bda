import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Mode } from '../src/model/flow.ts';
import { type BrowserPromise, normalisePromise } from '../src/promise/promise.ts';
import { type BrowserProcess, LaunchedSession, launchBrowser } from './browser-process.ts';
import type { Driver, LaunchOptions, ModeEvidence, ProxyEndpoint, SearchOptions, Session } from './driver.ts';
import { browserExecutable, commandLineOf, sleep, withTimeout } from './process.ts';

const run = promisify(execFile);

const PRIVATE_PAGE = 'about:privatebrowsing';

interface BidiContext {
  context: string;
  url: string;
}
/** The raw WebDriver BiDi commands the promise reading sends (puppeteer has no call for them). */
interface RawBidi {
  send(
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ result: { contexts?: BidiContext[]; result?: { value?: string } } }>;
}

/** Puppeteer's BiDi connection under a browser, to send commands it has no method for. */
function bidiOf(browser: Browser): RawBidi {
  const connection = (browser as unknown as { connection?: RawBidi }).connection;
  if (!connection) throw new Error('this puppeteer version exposes no WebDriver BiDi connection');
  return connection;
}

/** WebDriver BiDi port inside a sealed namespace (its loopback is its own, so a fixed port is free). */
const SEALED_BIDI_PORT = 9222;

/**
 * Prefs that automation tools set to silence Firefox's own traffic (telemetry, updates, remote
 * settings, Normandy, captive-portal and connectivity checks, …): Firefox's remote agent applies
 * them itself ("recommended preferences") unless `remote.prefs.recommended` is false, and
 * puppeteer/Playwright/geckodriver write them into the profiles they create. phonehome sets none
 * of them; a test reads the running browser's prefs back and checks that none is there.
 */
export const FIREFOX_SILENCING_PREFS: readonly string[] = [
  'remote.prefs.recommended.applied',
  'app.normandy.api_url',
  'app.update.disabledForTesting',
  'app.update.auto',
  'browser.safebrowsing.malware.enabled',
  'browser.safebrowsing.phishing.enabled',
  'browser.safebrowsing.update.enabled',
  'browser.search.update',
  'browser.region.network.url',
  'browser.newtabpage.activity-stream.testing.shouldInitializeFeeds',
  'browser.urlbar.suggest.searches',
  'datareporting.healthreport.uploadEnabled',
  'datareporting.policy.dataSubmissionEnabled',
  'datareporting.usage.uploadEnabled',
  'dom.push.connection.enabled',
  'extensions.update.enabled',
  'extensions.systemAddon.update.enabled',
  'extensions.getAddons.cache.enabled',
  'geo.provider.network.url',
  'network.captive-portal-service.enabled',
  'network.connectivity-service.enabled',
  'security.remote_settings.intermediates.enabled',
  'services.settings.server',
  'toolkit.telemetry.server',
  'toolkit.telemetry.enabled',
];

function pref(name: string, value: string | number | boolean): string {
  return `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`;
}

/**
 * The whole user.js phonehome writes into a Firefox profile, each pref with why it is there.
 * Nothing in it changes what Firefox sends by itself.
 */
export function firefoxUserJs(proxy: ProxyEndpoint, mode: Mode): string {
  const lines = [
    '// Written by phonehome: only what routes the browser through the capture proxy and picks the mode.',
    // All HTTP and HTTPS (and so WebSocket) traffic goes to the capture proxy, which answers it itself.
    pref('network.proxy.type', 1),
    pref('network.proxy.http', proxy.host),
    pref('network.proxy.http_port', proxy.port),
    pref('network.proxy.ssl', proxy.host),
    pref('network.proxy.ssl_port', proxy.port),
    // Firefox's remote agent would otherwise apply ~100 "recommended" automation prefs that switch
    // off telemetry, updates and remote settings: the browser must keep its own defaults.
    pref('remote.prefs.recommended', false),
  ];
  // Firefox's own "Always use private browsing mode" setting: every window is a private window.
  if (mode === 'incognito') lines.push(pref('browser.privatebrowsing.autostart', true));
  return `${lines.join('\n')}\n`;
}

/** The command line phonehome starts Firefox with (after the executable), each flag with why. */
export function firefoxArgs(profileDir: string, bidiPort: number, headed = false): string[] {
  return [
    // No window: the full browser, rendering off screen. Headed (on a virtual display) when a
    // scenario types into the browser's own address bar.
    ...(headed ? [] : ['--headless']),
    // Never hand the launch over to another running Firefox.
    '--no-remote',
    // A profile of this launch (kept across a relaunch for the restart scenario).
    '--profile',
    profileDir,
    // How the driver talks to the browser: WebDriver BiDi on loopback (0: a free port).
    '--remote-debugging-port',
    String(bidiPort),
    // Lets BiDi script the browser's own window (moz:scope chrome), which opening
    // about:privatebrowsing needs (content may not navigate there); it changes nothing the browser sends.
    '--remote-allow-system-access',
  ];
}

/** Makes an NSS db in the profile (if missing) and trusts the run's CA in it, as a user importing it would. */
export async function trustCaInProfile(profileDir: string, proxy: ProxyEndpoint): Promise<void> {
  const db = `sql:${profileDir}`;
  if (!existsSync(join(profileDir, 'cert9.db'))) {
    await run('certutil', ['-N', '-d', db, '--empty-password']);
  }
  // One nickname per CA, so a relaunch under another capture adds its CA beside the first.
  const nickname = `phonehome CA ${createHash('sha256').update(proxy.caSpki).digest('hex').slice(0, 12)}`;
  // C,, : a CA trusted to issue server certificates (what "Trust this CA to identify websites" sets).
  await run('certutil', ['-A', '-n', nickname, '-t', 'C,,', '-i', proxy.caCertPath, '-d', db]);
}

/** Reads the user prefs a running Firefox has saved in prefs.js (it saves ~0.5 s after a change). */
export function readSavedPrefs(profileDir: string): Map<string, string> {
  const prefs = new Map<string, string>();
  const path = join(profileDir, 'prefs.js');
  if (!existsSync(path)) return prefs;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = line.match(/^user_pref\("((?:[^"\\]|\\.)*)",\s*(.*)\);\s*$/);
    if (m?.[1] !== undefined && m[2] !== undefined) prefs.set(m[1], m[2]);
  }
  return prefs;
}

class FirefoxSession extends LaunchedSession implements Session {
  private cachedVersion: string | undefined;

  constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    running: BrowserProcess,
    private readonly executable: string,
    private readonly profileDir: string,
  ) {
    super(running);
  }

  async version(): Promise<string> {
    if (this.cachedVersion) return this.cachedVersion;
    // `--version` names the channel too ("Mozilla Firefox 153.7.0esr"); BiDi gives only the number.
    const fromBinary = await run(this.executable, ['--version'], { timeout: 10_000 })
      .then(({ stdout }) => stdout.trim().replace(/^Mozilla\s+/, ''))
      .catch(() => '');
    const fromBrowser = (await this.browser.version()).replace(/^firefox\//i, '');
    // Trust the binary's answer only when it names the version the running browser reports.
    this.cachedVersion = fromBinary.includes(fromBrowser) ? fromBinary : `Firefox ${fromBrowser}`;
    return this.cachedVersion;
  }

  async visit(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  }

  async pasteIntoAddressBar(url: string): Promise<void> {
    await this.pasteFromAddressBar('firefox', url);
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') return this.searchFromAddressBar('firefox', query);
    await this.visit(options.engineUrl);
    const field = options.field ?? 'input[name=q]';
    await this.page.click(field);
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    await this.page.type(field, query, { delay: 25 });
    await this.navigateBy(() => this.page.keyboard.press('Enter'));
  }

  /**
   * Runs an input action that navigates and resolves when the new page has loaded. The action's
   * own reply is not awaited once the navigation is under way: Firefox may never answer an input
   * command whose page went away under it (seen in the matrix: a click that hung until the
   * protocol timeout), while its failing before any navigation is still reported.
   */
  private async navigateBy(action: () => Promise<void>): Promise<void> {
    const navigation = this.page.waitForNavigation({ waitUntil: 'load', timeout: 60_000 });
    const acted = action().then(
      () => 'acted' as const,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const first = await Promise.race([navigation.then(() => 'navigated' as const), acted]);
    if (first instanceof Error) {
      navigation.catch(() => {});
      throw first;
    }
    await navigation;
  }

  async follow(selector: string): Promise<string> {
    const link = await this.page.$(selector);
    if (!link) throw new Error(`no element matches ${selector} on ${this.page.url()}`);
    await this.navigateBy(() => link.click());
    return this.page.url();
  }

  async mode(): Promise<ModeEvidence> {
    // Firefox saves its prefs shortly after start; wait for the save rather than guess.
    let saved = readSavedPrefs(this.profileDir);
    for (let i = 0; i < 40 && saved.size === 0; i++) {
      await sleep(250);
      saved = readSavedPrefs(this.profileDir);
    }
    const autostart = saved.get('browser.privatebrowsing.autostart') === 'true';
    // Firefox sends Global Privacy Control by default in private windows only
    // (privacy.globalprivacycontrol.pbmode.enabled), so the page itself sees which kind it is in.
    const gpc = await this.page.evaluate(
      () => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true,
    );
    const incognito = autostart && gpc;
    return {
      incognito,
      how: `the running Firefox saved browser.privatebrowsing.autostart=${autostart} in its prefs.js, and the page sees navigator.globalPrivacyControl=${gpc} (on by default only in private windows)`,
    };
  }

  async promise(): Promise<BrowserPromise | undefined> {
    if (readSavedPrefs(this.profileDir).get('browser.privatebrowsing.autostart') !== 'true') return undefined;
    // The page a new tab of a private window shows, opened as the user's Ctrl+T does (BiDi itself
    // may not navigate to it). Its first block is a rotating promotion (Focus, VPN, …); the
    // promise is the `.info` block: what the mode does on this device.
    const bidi = bidiOf(this.browser);
    const tree = await bidi.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const window = tree.result.contexts?.[0]?.context;
    if (!window) throw new Error('Firefox showed no browser window to open about:privatebrowsing in');
    await bidi.send('script.evaluate', {
      expression: `gBrowser.selectedTab = gBrowser.addTab('${PRIVATE_PAGE}', { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }), 'opened'`,
      target: { context: window },
      awaitPromise: false,
      'moz:scope': 'chrome',
    });
    let tab: string | undefined;
    for (const deadline = Date.now() + 30_000; !tab && Date.now() < deadline; ) {
      const contexts = (await bidi.send('browsingContext.getTree', {})).result.contexts ?? [];
      tab = contexts.find((c) => c.url === PRIVATE_PAGE)?.context;
      if (!tab) await sleep(250);
    }
    if (!tab) throw new Error(`Firefox did not open ${PRIVATE_PAGE} within 30 s`);
    try {
      let read: { text: string; locale: string } | undefined;
      let last = '';
      // Fluent fills the page's text after it loads; on a busy machine that took more than 10 s, and
      // once (a full test suite beside it) the text came just after a 30 s wait.
      for (const deadline = Date.now() + 60_000; !read?.text && Date.now() < deadline; ) {
        const r = await bidi.send('script.evaluate', {
          expression:
            'JSON.stringify({ text: document.querySelector(".info")?.innerText ?? "", locale: document.documentElement.lang })',
          target: { context: tab },
          awaitPromise: false,
        });
        const value = r.result.result?.value;
        if (value === undefined) last = `the read failed: ${JSON.stringify(r.result).slice(0, 200)}`;
        read = JSON.parse(value ?? '{}') as { text: string; locale: string };
        if (!read.text) await sleep(250);
      }
      const text = normalisePromise(read?.text ?? '');
      if (text === '') {
        const shown = await bidi
          .send('script.evaluate', {
            expression: 'document.body?.innerText.slice(0, 200) ?? ""',
            target: { context: tab },
            awaitPromise: false,
          })
          .then((r) => JSON.stringify(r.result.result?.value ?? ''))
          .catch((e: Error) => `unreadable: ${e.message}`);
        throw new Error(
          `${PRIVATE_PAGE} showed no .info block to read the promise from within 60 s (it showed ${shown}${last ? `; ${last}` : ''})`,
        );
      }
      return {
        text,
        source: `browser UI: ${PRIVATE_PAGE} (a new tab of a private window)`,
        version: await this.version(),
        locale: read?.locale ?? 'unknown',
      };
    } finally {
      await bidi.send('browsingContext.close', { context: tab }).catch(() => {});
    }
  }

  override async commandLine(): Promise<string[]> {
    const argv = commandLineOf(this.pid);
    // The effective prefs: what the running browser itself saved (user.js merged with its own changes).
    const prefsPath = join(this.profileDir, 'prefs.js');
    const prefs = existsSync(prefsPath)
      ? readFileSync(prefsPath, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('user_pref('))
      : [];
    return [...argv, ...prefs];
  }

  async close(): Promise<void> {
    await this.running.close({
      // A clean quit lets Firefox save its profile, which the restart scenario relaunches.
      // puppeteer's close() may wait on after Firefox has gone: the exit is what counts.
      quit: () => this.browser.close(),
      quitMs: 5000,
      exitMs: 5000,
      escalation: [['SIGKILL', 2000]],
      // Content processes quit with their parent; the group goes down in case one lingers.
      sweep: true,
    });
  }
}
/**
 * Drives Firefox (Debian's firefox-esr): starts it itself with a profile holding only the proxy and
 * mode prefs and the run's CA in its NSS db, then connects puppeteer-core over WebDriver BiDi.
 * puppeteer.launch is not used because it writes its own automation prefs into the profile.
 */
export const firefoxDriver: Driver = {
  id: 'firefox',
  sealing: { outbound: [SEALED_BIDI_PORT] },
  supports: { addressBar: true, paste: true },
  explain: () =>
    "launches Firefox with its own defaults behind the capture proxy (the run's CA trusted in the profile's NSS db) and drives it over WebDriver BiDi with puppeteer-core",
  async launch(options: LaunchOptions): Promise<Session> {
    const executable = browserExecutable(options.target, '/usr/bin/firefox-esr');
    const profileDir = join(options.workDir, 'profile');
    mkdirSync(profileDir, { recursive: true });
    await trustCaInProfile(profileDir, options.proxy).catch((error: Error) => {
      throw new Error(`${options.target.id}: could not trust the run CA with certutil: ${error.message}`);
    });
    // Rewritten on every launch: a relaunch runs behind a new capture proxy.
    writeFileSync(join(profileDir, 'user.js'), firefoxUserJs(options.proxy, options.mode));
    const argv = [
      ...firefoxArgs(profileDir, options.seal ? SEALED_BIDI_PORT : 0, options.headed),
      ...(options.target.args ?? []),
    ];
    const { command, args } = options.seal?.wrap(executable, argv) ?? { command: executable, args: argv };
    const start = {
      label: `firefox for ${options.target.id}:${options.mode}`,
      command,
      args,
      env: process.env,
      // Own process group, so close() can take the content processes down with the browser.
      group: true,
      display: options.headed === true,
      output: 'stderr' as const,
    };
    return launchBrowser(start, async (proc, undo) => {
      let ws = await proc.endpoint({
        pattern: /WebDriver BiDi listening on (ws:\/\/\S+)/,
        logPath: join(options.workDir, 'firefox.log'),
        timeoutMs: 60_000,
        browser: 'Firefox',
        endpoint: 'WebDriver BiDi',
      });
      const headers: Record<string, string> = {};
      if (options.seal) {
        ws = ws.replace(`:${SEALED_BIDI_PORT}`, `:${options.seal.hostPort(SEALED_BIDI_PORT)}`);
        // Firefox's server answers 400 unless the Host header names the port it listens on.
        headers.Host = `127.0.0.1:${SEALED_BIDI_PORT}`;
      }
      proc.ready();
      const browser = await withTimeout(
        puppeteer.connect({
          browserWSEndpoint: `${ws}/session`,
          protocol: 'webDriverBiDi',
          headers,
          // Certificate errors stay errors: the CA is trusted in the profile, nothing else is.
          acceptInsecureCerts: false,
          defaultViewport: null,
          protocolTimeout: 120_000,
        }),
        // Firefox answers the session request only once its startup is done: 30 s ran out with the
        // machine's load around 36 on two cores.
        60_000,
        'connecting to Firefox over WebDriver BiDi took longer than 60s',
      );
      undo(() => browser.disconnect());
      // A tab of our own; the first-run tabs Firefox opens by itself stay as they are.
      const page = await withTimeout(
        browser.newPage(),
        30_000,
        'opening a tab in Firefox took longer than 30s',
      );
      return new FirefoxSession(browser, page, proc, executable, profileDir);
    });
  },
};
