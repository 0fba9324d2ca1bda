import { remote } from 'webdriverio';
import type { Mode } from '../../src/model/flow.ts';
import { type BrowserPromise, normalisePromise } from '../../src/promise/promise.ts';
import type {
  AppDataCopy,
  Driver,
  LaunchOptions,
  ModeEvidence,
  SearchOptions,
  Session,
  TargetConfig,
} from '../driver.ts';
import { Adb } from './adb.ts';
import { type AndroidOptions, parseAndroidOptions } from './android-target.ts';
import { copyAppData } from './app-data.ts';
import {
  defaultStateDir,
  probeProxy,
  recoverDevice,
  restoreDevice,
  type WiredDevice,
  wireDevice,
} from './device-setup.ts';
import { AndroidError, androidErrors, oneLine } from './errors.ts';
import { type DeviceIdentity, firmwareOf, identityTokens, readIdentity } from './identifiers.ts';
import { textsAt } from './page-text.ts';
import { getRecipe, type Recipe } from './recipe.ts';
import { RecipeRunner, type StepTarget } from './recipe-runner.ts';

/**
 * The Android driver, split as WebdriverIO services are:
 * - the launcher part runs once per device per process: checks the device, cleans up after a run
 *   that crashed, reads the device's identifiers;
 * - the worker part runs per session: wires the device to this scenario's proxy and CA, starts an
 *   Appium (UiAutomator2) session on the app, answers first-run and consent screens from the
 *   recipe, and puts the device back on close.
 */

export const DEFAULT_APPIUM_URL = 'http://127.0.0.1:4723';

type Browser = Awaited<ReturnType<typeof remote>>;

/** Once per device per process: checks, crash recovery and identity, shared by its sessions. */
export class AndroidLauncher {
  private readonly prepared = new Map<string, Promise<DeviceIdentity>>();
  constructor(private readonly adb: Adb) {}

  /**
   * @throws AndroidError `no-device`, `unauthorized-device`, `offline-device`, `device-in-use`, `adb-missing`.
   */
  prepare(serial: string, stateDir: string): Promise<DeviceIdentity> {
    let ready = this.prepared.get(serial);
    if (!ready) {
      ready = (async () => {
        await this.adb.requireDevice(serial);
        await recoverDevice(this.adb, serial, stateDir);
        return readIdentity(this.adb, serial);
      })();
      // A failed check is not cached: the next launch asks the device again.
      ready.catch(() => this.prepared.delete(serial));
      this.prepared.set(serial, ready);
    }
    return ready;
  }
}

/** Capabilities for the Appium session: UiAutomator2 on the device, the app as it is installed. */
export function appiumCapabilities(options: AndroidOptions): Record<string, unknown> {
  return {
    platformName: 'Android',
    'appium:automationName': 'UiAutomator2',
    'appium:udid': options.serial,
    'appium:appPackage': options.appPackage,
    'appium:appActivity': options.appActivity,
    // phonehome decides about app data itself (clearAppData); Appium must not reset anything.
    'appium:noReset': true,
    'appium:newCommandTimeout': 600,
    ...options.capabilities,
  };
}

/**
 * Check that an Appium server answers `GET /status`.
 * @throws AndroidError `appium-unreachable` with the fix.
 */
export async function checkAppium(url: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('status', url.endsWith('/') ? url : `${url}/`), {
      signal: AbortSignal.timeout(5_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw androidErrors.appiumUnreachable(url, cause ?? (e as Error).message);
  }
  if (!response.ok) throw androidErrors.appiumUnreachable(url, `GET /status answered ${response.status}`);
}

async function startAppiumSession(url: string, capabilities: Record<string, unknown>): Promise<Browser> {
  const u = new URL(url);
  try {
    return await remote({
      protocol: u.protocol.replace(':', ''),
      hostname: u.hostname,
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      path: u.pathname,
      capabilities: capabilities as WebdriverIO.Capabilities,
      logLevel: 'silent',
      connectionRetryCount: 0,
    });
  } catch (e) {
    throw new AndroidError(
      'appium-unreachable',
      `android: Appium could not start a session at ${url}: ${oneLine((e as Error).message)}`,
    );
  }
}

/** Adds the device's identifiers to the target, so detection looks for them (add-only, no duplicates). */
function addIdentifiers(target: TargetConfig, identity: DeviceIdentity): void {
  target.identifiers ??= [];
  const list = target.identifiers;
  for (const token of identityTokens(identity)) {
    if (!list.some((i) => i.kind === token.label && i.value === token.value)) {
      list.push({ kind: token.label, value: token.value });
    }
  }
}

export class AndroidSession implements Session {
  private closed = false;

  constructor(
    private readonly adb: Adb,
    private readonly browser: Browser,
    private readonly runner: RecipeRunner,
    private readonly recipe: Recipe,
    private readonly options: AndroidOptions,
    readonly identity: DeviceIdentity,
    readonly wired: WiredDevice,
    private readonly stateDir: string,
    private readonly launchMode: Mode = 'normal',
  ) {}

  async version(): Promise<string> {
    const dump = await this.adb.shell(this.options.serial, `dumpsys package ${this.options.appPackage}`);
    const version = /versionName=(\S+)/.exec(dump)?.[1] ?? 'unknown';
    return `${this.recipe.name} ${version} (Android ${this.identity.androidVersion})`;
  }

  /** Device model and build fingerprint: the firmware column. */
  async firmware(): Promise<string> {
    return firmwareOf(this.identity);
  }

  async visit(url: string): Promise<void> {
    await this.runner.run(this.recipe.navigate, { url }, 'navigate');
    await this.runner.run(this.recipe.loaded, {}, 'loaded');
  }

  /** The app's private data, copied from the phone through run-as or root (drivers/android/app-data.ts). */
  appData(dest: string): Promise<AppDataCopy> {
    return copyAppData(this.adb, this.options.serial, this.options.appPackage, dest);
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') {
      // The address bar sends the query to the app's own default search engine.
      await this.runner.run(this.recipe.navigate, { url: query }, 'navigate');
    } else {
      await this.visit(options.engineUrl);
      await this.runner.run(this.recipe.pageSearch, { query }, 'pageSearch');
    }
    await this.runner.run(this.recipe.loaded, {}, 'loaded');
  }

  /**
   * Click a link by CSS selector. Native automation cannot see CSS, so this needs the page's web
   * context (Chrome: Appium's chromedriver); without one it throws, and the scenario is interrupted.
   */
  async follow(selector: string): Promise<string> {
    const contexts = (await this.browser.getContexts()) as Array<string | { id: string }>;
    const web = contexts
      .map((c) => (typeof c === 'string' ? c : c.id))
      .find((c) => c !== 'NATIVE_APP' && c !== 'PROXY');
    if (!web) {
      throw new Error(
        `follow("${selector}") needs a web context and ${this.recipe.name} exposes none; for Chrome start Appium with --allow-insecure=uiautomator2:chromedriver_autodownload`,
      );
    }
    await this.browser.switchContext(web);
    try {
      const found = await this.browser.findElements('css selector', selector);
      const id = found[0]?.['element-6066-11e4-a52e-4f735466cecf'];
      if (!id) throw new Error(`no element matches ${selector}`);
      const href = await this.browser.getElementAttribute(id, 'href');
      await this.browser.elementClick(id);
      const url = (await this.browser.getUrl().catch(() => '')) || href || '';
      return url;
    } finally {
      await this.browser.switchContext('NATIVE_APP');
    }
  }

  async idle(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  async mode(): Promise<ModeEvidence> {
    const incognito = await this.runner.present(this.recipe.incognitoIndicator);
    const sel = this.recipe.incognitoIndicator;
    return {
      incognito,
      how: `${this.recipe.name}'s incognito indicator (${sel.by} "${sel.value}"${sel.verified ? '' : ', unverified'}) is ${incognito ? '' : 'not '}on screen`,
    };
  }

  /**
   * What the app's incognito page says the mode does, read from the page source right after the
   * recipe opened the incognito tab (the recipe's `promise` XPath). Undefined in normal mode and for
   * an app whose recipe names no such page.
   * @throws Error when the page shows none of the texts the recipe names (run.json's `promiseUnread`).
   */
  async promise(): Promise<BrowserPromise | undefined> {
    const where = this.recipe.promise;
    if (this.launchMode !== 'incognito' || !where) return undefined;
    const texts = textsAt(await this.browser.getPageSource(), where.xpath);
    const text = normalisePromise(texts.join('\n'));
    const selector = `XPath ${where.xpath}${where.verified ? '' : ', unverified'}`;
    if (text === '') throw new Error(`${this.recipe.name}'s ${where.page} showed no text at ${selector}`);
    // The device's own language: the app shows its page in it (a phone's locale is not the run's to set).
    const locale =
      (await this.adb.shell(this.options.serial, 'getprop persist.sys.locale')).trim() ||
      (await this.adb.shell(this.options.serial, 'getprop ro.product.locale')).trim() ||
      'unknown';
    return {
      text,
      source: `app UI: ${this.recipe.name}'s ${where.page} (${selector})`,
      version: await this.version(),
      locale,
    };
  }

  async commandLine(): Promise<string[]> {
    const line = [
      `${this.options.appPackage}/${this.options.appActivity}`,
      `http_proxy=127.0.0.1:${this.wired.state.reversePorts[0]}`,
    ];
    if (this.options.appPackage === 'com.android.chrome') {
      // Chrome reads extra flags from this file (on debuggable builds); silencing flags would show here.
      const flags = await this.adb.shell(
        this.options.serial,
        'cat /data/local/tmp/chrome-command-line 2>/dev/null; true',
      );
      line.push(...flags.trim().split(/\s+/).filter(Boolean));
    }
    return line;
  }

  /** Home, as the system button does: the app goes to the background (its onStop runs). */
  async toBackground(): Promise<void> {
    await this.adb.shell(this.options.serial, 'input keyevent KEYCODE_HOME');
  }

  /** Back to the foreground as a tap on its launcher icon does (the existing task is resumed). */
  async toForeground(): Promise<void> {
    await this.launchApp();
  }

  /**
   * What the system does to a backgrounded app it needs the memory of: stop it (force-stop), then
   * start it again from its launcher icon. The app comes back on its own saved state, so whatever it
   * queued is sent now, in this scenario's capture.
   */
  async restartApp(): Promise<void> {
    await this.adb.shell(this.options.serial, `am force-stop ${this.options.appPackage}`);
    await this.launchApp();
  }

  private async launchApp(): Promise<void> {
    await this.adb.shell(
      this.options.serial,
      `monkey -p ${this.options.appPackage} -c android.intent.category.LAUNCHER 1`,
    );
  }

  /**
   * End the Appium session and put the device back.
   * @throws Error naming what could not be restored (after trying everything).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser.deleteSession().catch(() => {});
    const failures = await restoreDevice(this.adb, this.wired.state, this.stateDir);
    if (failures.length) {
      throw new Error(
        `android: could not restore "${this.options.serial}" fully: ${failures.map(oneLine).join('; ')}`,
      );
    }
  }
}

/** Builds the Android driver around an adb client (tests pass one pointing at the fake adb). */
export function createAndroidDriver(adb: Adb = new Adb()): Driver {
  const launcher = new AndroidLauncher(adb);
  return {
    id: 'android',
    explain: () =>
      'Drives a browser app on an Android device or emulator through Appium (UiAutomator2) and WebdriverIO, following a per-app recipe, with the device pointed at the capture proxy over adb.',
    async launch({ target, mode, proxy }: LaunchOptions): Promise<Session> {
      const options = parseAndroidOptions(target);
      const recipe = getRecipe(options.recipe);
      const stateDir = options.stateDir ?? defaultStateDir();
      const appiumUrl = options.appiumUrl ?? DEFAULT_APPIUM_URL;
      const { serial } = options;

      const identity = await launcher.prepare(serial, stateDir);
      addIdentifiers(target, identity);
      const installed = await adb.shell(serial, `pm path ${options.appPackage}`).catch(() => '');
      if (!installed.includes('package:')) throw androidErrors.appNotInstalled(serial, options.appPackage);
      await checkAppium(appiumUrl);

      const wired = await wireDevice(adb, serial, proxy, stateDir);
      let browser: Browser | undefined;
      try {
        await probeProxy(adb, serial, proxy.port);
        if (options.clearAppData) await adb.shell(serial, `pm clear ${options.appPackage}`);
        const capabilities = appiumCapabilities(options);
        browser = await startAppiumSession(appiumUrl, capabilities);
        const automation = String(
          browser.capabilities['appium:automationName' as keyof typeof browser.capabilities] ??
            capabilities['appium:automationName'] ??
            '',
        );
        const runner = new RecipeRunner(browser as unknown as StepTarget, {
          androidKeys: automation.toLowerCase() === 'uiautomator2',
        });
        await runner.run(recipe.firstRun, {}, 'firstRun');
        await runner.run(recipe.consent[options.consent], {}, `consent.${options.consent}`);
        if (mode === 'incognito') await runner.run(recipe.openIncognito, {}, 'openIncognito');
        return new AndroidSession(adb, browser, runner, recipe, options, identity, wired, stateDir, mode);
      } catch (e) {
        await browser?.deleteSession().catch(() => {});
        await restoreDevice(adb, wired.state, stateDir);
        throw e;
      }
    },
  };
}

/** The registered driver (adb from PHONEHOME_ADB or PATH). */
export const androidDriver: Driver = createAndroidDriver();
