import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { z } from 'zod';
import { type BrowserPromise, normalisePromise } from '../src/promise/promise.ts';
import { type BrowserProcess, LaunchedSession, launchBrowser } from './browser-process.ts';
import type { Driver, LaunchOptions, ModeEvidence, SearchOptions, Session } from './driver.ts';
import { browserExecutable } from './process.ts';

/** DevTools port inside a sealed namespace (its loopback is its own, so a fixed port is free). */
const SEALED_DEVTOOLS_PORT = 9222;
const INCOGNITO_NTP = 'chrome://newtab/';
/** The UI language every run shows (and reads its promise in): Chromium on Linux takes it from LANGUAGE. */
export const CHROMIUM_UI_LOCALE = 'en-US';

/**
 * Flags phonehome itself passes to a Chromium-family target, and why each is there. Nothing here
 * changes what the browser sends by itself: no --disable-background-networking,
 * --disable-component-update, --disable-sync, --metrics-recording-only or the like (the flags
 * playwright-core adds by default — we never let it launch the browser, so none of them is set).
 * The browser's certificate checks stay on: the run's CA is trusted by its SPKI hash only, so a
 * pinned host still fails its handshake and shows up as a gap.
 */
export function chromiumArgs(options: LaunchOptions, profileDir: string): string[] {
  const { target, mode, proxy } = options;
  const args = [
    // New headless mode is the full browser without a window; headed (on a virtual display) when
    // the scenario types into the address bar.
    ...(options.headed ? [] : ['--headless']),
    // phonehome runs as root in CI; Chromium refuses to start as root with its sandbox.
    '--no-sandbox',
    // A fresh profile per launch, so runs cannot leak into each other.
    `--user-data-dir=${profileDir}`,
    // How the driver talks to the browser (CDP on a random loopback port; sealed: a fixed port
    // inside the namespace, bridged out to the host's loopback).
    `--remote-debugging-port=${options.seal ? SEALED_DEVTOOLS_PORT : 0}`,
    // All traffic goes to the capture proxy; it answers everything itself.
    `--proxy-server=${proxy.url}`,
    // Trust exactly the run's CA (not "ignore all certificate errors").
    `--ignore-certificate-errors-spki-list=${proxy.caSpki}`,
  ];
  for (const dir of target.extensions ?? []) args.push(`--load-extension=${resolve(dir)}`);
  if (mode === 'incognito') args.push('--incognito');
  args.push(...(target.args ?? []));
  return args;
}

/** Chromium's id for an unpacked extension loaded from `path`: sha256 of the path, a–p encoded. */
export function unpackedExtensionId(path: string): string {
  const hex = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

/**
 * Prepares the profile: unpacked extensions of the target are allowed in incognito, as a user
 * would tick "Allow in Incognito" (the reference target's telemetry runs there too).
 */
function seedProfile(profileDir: string, extensions: string[]): void {
  mkdirSync(join(profileDir, 'Default'), { recursive: true });
  // A profile that has run before keeps its own preferences (the restart scenario).
  if (extensions.length === 0 || existsSync(join(profileDir, 'Default', 'Preferences'))) return;
  const settings = Object.fromEntries(
    extensions.map((dir) => [unpackedExtensionId(dir), { incognito: true }]),
  );
  writeFileSync(join(profileDir, 'Default', 'Preferences'), JSON.stringify({ extensions: { settings } }));
}

/** A native messaging host's manifest as an extension ships it (Chromium's own fields). */
const nativeHostSchema = z.looseObject({ name: z.string(), path: z.string() });

/** @throws with the file and the reason when it is not a host manifest. */
function readNativeHost(file: string): z.infer<typeof nativeHostSchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  const host = nativeHostSchema.safeParse(parsed);
  if (!host.success) {
    const [issue] = host.error.issues;
    throw new Error(
      `${file}: ${issue?.path.join('.') || 'the file'} ${issue?.message ?? 'is not a host manifest'}`,
    );
  }
  return host.data;
}

/**
 * Native messaging hosts an unpacked extension ships (a `native-host.json` beside its manifest, whose
 * `path` is relative to the extension): installed in the profile's own NativeMessagingHosts folder,
 * where Chromium looks for a user's hosts, and allowed for that extension only. Nothing system-wide.
 * @throws when a `native-host.json` is not JSON with a string `name` and `path` (file and reason).
 */
export function installNativeHosts(profileDir: string, extensions: string[]): void {
  for (const dir of extensions) {
    const template = join(dir, 'native-host.json');
    if (!existsSync(template)) continue;
    const host = readNativeHost(template);
    const folder = join(profileDir, 'NativeMessagingHosts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, `${host.name}.json`),
      JSON.stringify({
        ...host,
        path: resolve(dir, host.path),
        allowed_origins: [`chrome-extension://${unpackedExtensionId(dir)}/`],
      }),
    );
  }
}

class ChromiumSession extends LaunchedSession implements Session {
  constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    running: BrowserProcess,
  ) {
    super(running);
  }

  async version(): Promise<string> {
    return `Chromium ${this.browser.version()}`;
  }

  async visit(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  async pasteIntoAddressBar(url: string): Promise<void> {
    await this.pasteFromAddressBar('chromium', url);
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') return this.searchFromAddressBar('chromium', query);
    await this.visit(options.engineUrl);
    const box = this.page.locator(options.field ?? 'input[name=q]');
    await box.click();
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    await box.pressSequentially(query, { delay: 25 });
    await Promise.all([this.page.waitForURL((url) => url.href !== options.engineUrl), box.press('Enter')]);
    await this.page.waitForLoadState('load');
  }

  async follow(selector: string): Promise<string> {
    const before = this.page.url();
    await Promise.all([
      this.page.waitForURL((url) => url.href !== before),
      this.page.locator(selector).first().click(),
    ]);
    await this.page.waitForLoadState('load');
    return this.page.url();
  }

  async mode(): Promise<ModeEvidence> {
    const cdp = await this.browser.newBrowserCDPSession();
    try {
      const { defaultBrowserContextId, browserContextIds } = await cdp.send('Target.getBrowserContexts');
      const { targetInfos } = await cdp.send('Target.getTargets');
      const info = targetInfos.find((t) => t.type === 'page' && t.url === this.page.url());
      const contextId = info?.browserContextId;
      // The --incognito window lives in the browser's own off-the-record profile: a context that is
      // neither the default one nor one created over CDP (those are listed in browserContextIds).
      const incognito =
        contextId !== undefined &&
        contextId !== defaultBrowserContextId &&
        !browserContextIds.includes(contextId);
      return {
        incognito,
        how: incognito
          ? `the page runs in browser context ${contextId}, the browser's own off-the-record profile (not the default context ${defaultBrowserContextId}, not created over CDP)`
          : `the page runs in the default browser context ${defaultBrowserContextId}`,
      };
    } finally {
      await cdp.detach().catch(() => {});
    }
  }

  async promise(): Promise<BrowserPromise | undefined> {
    // An --incognito launch opens with the incognito new-tab page, which says what the mode does.
    if (this.page.url() !== INCOGNITO_NTP) return undefined;
    await this.page.waitForLoadState('load');
    const { text, locale } = await this.page.evaluate(() => ({
      // biome-ignore lint/performance/useDomNodeTextContent: the text as the page shows it (hidden parts left out), which is what the user reads.
      text: document.body.innerText,
      locale: navigator.language,
    }));
    const normalised = normalisePromise(text);
    if (normalised === '') return undefined;
    return {
      text: normalised,
      source: `browser UI: ${INCOGNITO_NTP} (the incognito new tab page)`,
      version: await this.version(),
      locale,
    };
  }

  async close(): Promise<void> {
    await this.running.close({
      // Browser.close quits Chromium the way a user does (it may send what it sends at shutdown);
      // playwright's browser.close() on a CDP connection only disconnects.
      quit: () => this.browser.newBrowserCDPSession().then((cdp) => cdp.send('Browser.close')),
      quitMs: 5000,
      disconnect: () => this.browser.close(),
      exitMs: 5000,
      escalation: [['SIGKILL', 2000]],
    });
  }
}

/**
 * Connects playwright-core over CDP. Seen once in about twenty matrix runs: a relaunched Chromium
 * was up and sending, yet the restart scenario ran out of time, most likely in this connection
 * (its timeout was 60 s). A new connection to the same browser is tried instead of waiting out one
 * long timeout, and a failure names this step. The browser is not restarted: its traffic is unchanged.
 */
async function connectWithRetry(ws: string): Promise<Browser> {
  let last: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await chromium.connectOverCDP(ws, { timeout: 15_000 });
    } catch (error) {
      last = error;
    }
  }
  const reason = last instanceof Error ? last.message.split('\n')[0] : String(last);
  throw new Error(`Chromium did not accept a DevTools connection (3 tries of 15 s): ${reason}`);
}

/** Drives Chromium-family browsers: spawns the binary with phonehome's own flags, then CDP. */
export const chromiumDriver: Driver = {
  id: 'chromium',
  sealing: { outbound: [SEALED_DEVTOOLS_PORT] },
  supports: { addressBar: true, paste: true },
  explain: () =>
    'launches a Chromium-family browser with its own defaults behind the capture proxy (trusting only the run CA by SPKI) and drives it over CDP with playwright-core',
  async launch(options: LaunchOptions): Promise<Session> {
    const executable = browserExecutable(options.target, '/usr/bin/chromium');
    const profileDir = join(options.workDir, 'profile');
    seedProfile(profileDir, options.target.extensions ?? []);
    installNativeHosts(profileDir, options.target.extensions ?? []);
    // Sealed: `ip netns exec` replaces itself with the browser, so proc.pid is the browser's.
    const argv = chromiumArgs(options, profileDir);
    const { command, args } = options.seal?.wrap(executable, argv) ?? { command: executable, args: argv };
    const start = {
      label: `chromium for ${options.target.id}:${options.mode}`,
      command,
      args,
      env: { ...process.env, LANGUAGE: CHROMIUM_UI_LOCALE.replace('-', '_') },
      group: false,
      display: options.headed === true,
      output: 'stderr' as const,
    };
    return launchBrowser(start, async (proc, undo) => {
      let ws = await proc.endpoint({
        pattern: /DevTools listening on (ws:\/\/\S+)/,
        logPath: join(options.workDir, 'chromium.log'),
        timeoutMs: 30_000,
        browser: 'Chromium',
        endpoint: 'DevTools',
      });
      if (options.seal) {
        ws = ws.replace(`:${SEALED_DEVTOOLS_PORT}/`, `:${options.seal.hostPort(SEALED_DEVTOOLS_PORT)}/`);
      }
      proc.ready();
      const browser = await connectWithRetry(ws);
      undo(() => browser.close());
      const context = browser.contexts()[0];
      if (!context) throw new Error('Chromium exposed no browser context');
      // A headed Chromium on a loaded machine took over 10 s to open its first tab.
      const page = context.pages()[0] ?? (await context.waitForEvent('page', { timeout: 30_000 }));
      return new ChromiumSession(browser, page, proc);
    });
  },
};
