import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remote } from 'webdriverio';
import { Adb } from '../../drivers/android/adb.ts';
import { type AndroidSession, createAndroidDriver } from '../../drivers/android/android-driver.ts';
import { androidTargetFromSpec } from '../../drivers/android/android-target.ts';
import { readState } from '../../drivers/android/device-setup.ts';
import type { AndroidError } from '../../drivers/android/errors.ts';
import { getRecipe, loadRecipes, recipeSelectors } from '../../drivers/android/recipe.ts';
import { RecipeRunner, type StepTarget, toLocator } from '../../drivers/android/recipe-runner.ts';
import type { ProxyEndpoint, Session, TargetConfig } from '../../drivers/driver.ts';
import { ActivityTracker } from '../../src/capture/activity.ts';
import { watchThroughFlushPoints } from '../../src/harness/run-scenario.ts';
import { searchScenario } from '../../src/harness/scenarios.ts';
import type { Mode } from '../../src/model/flow.ts';
import type { FlushPointRecord, WatchWindow } from '../../src/model/run-record.ts';
import { type FakeDevice, type FakeWorld, fakeDevice, makeCaPem } from './fake-device.ts';

/**
 * The Android driver against a real Appium 3 server on 127.0.0.1 with Appium's fake driver (its
 * screens are static XML), and the fake adb on PATH. What this cannot show: that the recipes'
 * selectors match the real apps (they are all marked unverified) and UiAutomator2 key codes.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROME_XML = join(ROOT, 'fixtures/android/fake-apps/chrome.xml');
// The incognito page: its container (the recipe's indicator) and, under it, the texts of its promise
// (made-up words: this is a fake screen), with resource-id as UiAutomator2's page source writes it.
const INCOGNITO_ID = 'com.android.chrome:id/new_tab_incognito_container';
const INDICATOR = `<android.widget.FrameLayout id="${INCOGNITO_ID}" resource-id="${INCOGNITO_ID}">
    <android.widget.TextView text="Fake screen: you went   incognito"/>
    <android.widget.LinearLayout><android.widget.TextView text="This app will not keep: your history"/></android.widget.LinearLayout>
  </android.widget.FrameLayout>`;
const W3C = 'element-6066-11e4-a52e-4f735466cecf';

let appium: ChildProcess;
let appiumUrl = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  appiumUrl = `http://127.0.0.1:${port}`;
  // Appium 3 finds drivers in the project's own node_modules (package.json lists @appium/fake-driver).
  appium = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/appium/index.js'),
      'server',
      '--address',
      '127.0.0.1',
      '--port',
      String(port),
      '--use-drivers',
      'fake',
      '--log-level',
      'error',
    ],
    { cwd: ROOT, stdio: 'ignore' },
  );
  const deadline = Date.now() + 45_000;
  for (;;) {
    const ok = await fetch(`${appiumUrl}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('Appium did not start within 45 s');
    await new Promise((r) => setTimeout(r, 300));
  }
}, 60_000);

afterAll(() => {
  appium?.kill();
});

/**
 * The fake Chrome screens, with or without the incognito indicator. The fake driver answers no
 * attribute a screen file sets (only what its commands set: clicks, value), so a toggle's state
 * cannot be read there: the usage-and-crash-reports box is left out unless a test shows what
 * happens with a box that cannot be read (test/android/recipe-toggle.test.ts reads real states).
 */
function chromeApp(device: FakeDevice, incognito: boolean, metricsBox = false): string {
  const file = join(device.dir, `chrome-${incognito ? 'incognito' : 'normal'}-${metricsBox}.xml`);
  writeFileSync(
    file,
    readFileSync(CHROME_XML, 'utf8')
      .replace('<INDICATOR/>', incognito ? INDICATOR : '')
      .replace(/ *<android\.widget\.CheckBox [^>]*send_report_checkbox[^>]*\/>\n/, metricsBox ? '$&' : ''),
  );
  return file;
}

function fakeTarget(
  device: FakeDevice,
  app: string,
  consent: 'granted' | 'declined',
  url = appiumUrl,
): TargetConfig {
  const target = androidTargetFromSpec('android:emulator-5554:chrome');
  target.options = {
    ...target.options,
    consent,
    appiumUrl: url,
    stateDir: device.stateDir,
    capabilities: {
      platformName: 'Fake',
      'appium:automationName': 'Fake',
      'appium:deviceName': 'Fake',
      'appium:app': app,
    },
  };
  return target;
}

function proxyFor(device: FakeDevice): ProxyEndpoint {
  return {
    host: '127.0.0.1',
    port: 18200,
    url: 'http://127.0.0.1:18200',
    caCertPem: makeCaPem(device.dir),
    caCertPath: join(device.dir, 'ca.pem'),
    caSpki: 'unused-by-android',
  };
}

/** Launches the Android driver on the fake device behind its proxy endpoint (the launch's promise). */
function launchOn(device: FakeDevice, target: TargetConfig, mode: Mode = 'normal'): Promise<Session> {
  return createAndroidDriver(new Adb()).launch({
    target,
    mode,
    proxy: proxyFor(device),
    workDir: device.dir,
  });
}

type Browser = Awaited<ReturnType<typeof remote>>;
function browserOf(session: AndroidSession): Browser {
  return (session as unknown as { browser: Browser }).browser;
}
async function attr(browser: Browser, using: string, value: string, name: string): Promise<string> {
  const [el] = await browser.findElements(using, value);
  return (await browser.getElementAttribute(el?.[W3C] ?? '', name)) ?? '';
}

// Each launch here is a real Appium session with its optional first-run waits: 6-15 s alone, and
// past the suite's 60 s default with the whole suite beside it (three timed out in one full run).
describe('android driver against Appium fake driver and fake adb', { timeout: 180_000 }, () => {
  it('should launch incognito, decline consent, browse and search, then restore the device', async () => {
    const device = fakeDevice();
    const before = device.world();
    const target = fakeTarget(device, chromeApp(device, true), 'declined');
    const session = (await launchOn(device, target, 'incognito')) as AndroidSession;
    const browser = browserOf(session);
    try {
      // Wired while the session runs.
      expect(device.world().settings.global?.http_proxy).toBe('127.0.0.1:18200');
      expect(readState(device.stateDir, 'emulator-5554')?.reversePorts).toEqual([18200]);

      // Declined: the terms accepted, nothing else tapped (the metrics box: see the next tests).
      expect(await attr(browser, 'id', 'com.android.chrome:id/terms_accept', 'clicks')).toBe('1');
      expect(await attr(browser, 'id', 'com.android.chrome:id/signin_fre_dismiss_button', 'clicks')).toBe(
        '1',
      );
      expect(await attr(browser, 'xpath', '//*[@text="New Incognito tab"]', 'clicks')).toBe('1');

      expect(await session.mode()).toMatchObject({ incognito: true });
      expect(await session.version()).toBe('Chrome 120.0.6099.43 (Android 13)');
      expect(await session.firmware()).toContain('sdk_gphone64_x86_64 · google/sdk_gphone64_x86_64');
      expect(target.identifiers?.map((i) => i.kind)).toContain('android-id');

      await session.visit('https://news.site-a.test/article/abc123');
      expect(await attr(browser, 'id', 'com.android.chrome:id/url_bar', 'value')).toBe(
        'https://news.site-a.test/article/abc123',
      );
      await session.search('canary7q3k', { engineUrl: 'https://search.phonehome.test/', via: 'page' });
      expect(await attr(browser, 'id', 'q', 'value')).toBe('canary7q3k');
      // Enter went out as W3C key actions (the fake driver logs them).
      const actions = JSON.stringify(await browser.getLogs('actions'));
      expect(actions).toContain('{"type":"keyDown","value":"\uE007"}');

      const error = await session.follow('a.result').catch((e: unknown) => e);
      expect(String(error)).toContain('needs a web context');
    } finally {
      await session.close();
    }
    const after = device.world();
    expect(after.settings).toEqual(before.settings);
    expect(after.reverse).toEqual([]);
    expect(after.files).toEqual({});
    expect(readState(device.stateDir, 'emulator-5554')).toBeNull();
  });

  it('should grant consent without unticking metrics, and report normal mode without the indicator', async () => {
    const device = fakeDevice();
    const target = fakeTarget(device, chromeApp(device, false), 'granted');
    const session = (await launchOn(device, target)) as AndroidSession;
    try {
      const browser = browserOf(session);
      expect(await attr(browser, 'id', 'com.android.chrome:id/terms_accept', 'clicks')).toBe('1');
      expect(await attr(browser, 'xpath', '//*[@text="New Incognito tab"]', 'clicks')).toBe('');
      expect(await session.mode()).toMatchObject({ incognito: false });
    } finally {
      await session.close();
    }
  });

  it("should read the incognito page's promise from the page source, in the device's locale, and none in normal mode", async () => {
    const device = fakeDevice((w) => {
      w.props['persist.sys.locale'] = 'de-DE';
    });
    const incognito = (await launchOn(
      device,
      fakeTarget(device, chromeApp(device, true), 'declined'),
      'incognito',
    )) as AndroidSession;
    try {
      expect(await incognito.promise()).toEqual({
        text: 'Fake screen: you went incognito\nThis app will not keep: your history',
        source: `app UI: Chrome's Incognito new tab page (XPath //*[@resource-id="${INCOGNITO_ID}"]//@text, unverified)`,
        version: 'Chrome 120.0.6099.43 (Android 13)',
        locale: 'de-DE',
      });
    } finally {
      await incognito.close();
    }
    const normal = (await launchOn(
      device,
      fakeTarget(device, chromeApp(device, false), 'declined'),
    )) as AndroidSession;
    try {
      expect(await normal.promise()).toBeUndefined();
    } finally {
      await normal.close();
    }
  });

  it("should say the promise could not be read, not make one up, when the incognito page shows none of the recipe's texts", async () => {
    const device = fakeDevice();
    // The indicator is there (so the mode is proven), but the page has no text under it.
    const app = chromeApp(device, true);
    writeFileSync(app, readFileSync(app, 'utf8').replace(/ *<.*(Fake screen|will not keep).*\n/g, ''));
    const session = (await launchOn(
      device,
      fakeTarget(device, app, 'declined'),
      'incognito',
    )) as AndroidSession;
    try {
      expect(await session.mode()).toMatchObject({ incognito: true });
      await expect(session.promise()).rejects.toThrow(
        `Chrome's Incognito new tab page showed no text at XPath //*[@resource-id="${INCOGNITO_ID}"]//@text, unverified`,
      );
    } finally {
      await session.close();
    }
  });

  it('should stop, never tap blindly, when the metrics box is there but its state cannot be read', async () => {
    for (const consent of ['declined', 'granted'] as const) {
      const device = fakeDevice();
      const before = device.world();
      const target = fakeTarget(device, chromeApp(device, false, true), consent);
      const error = (await launchOn(device, target).catch((e: unknown) => e)) as AndroidError;
      expect(error.code, consent).toBe('recipe-step-failed');
      expect(error.message).toContain(
        `set id "com.android.chrome:id/send_report_checkbox" (unverified) ${consent === 'declined' ? 'off' : 'on'}) failed: cannot read whether it is checkable (checkable="")`,
      );
      expect(device.world().settings).toEqual(before.settings);
    }
  });

  it('should go through the flush points: Home and back, then force-stop and relaunch, each watched', async () => {
    const device = fakeDevice((w) => {
      (w as FakeWorld & { apps?: Record<string, string> }).apps = { 'com.android.chrome': 'foreground' };
    });
    const target = fakeTarget(device, chromeApp(device, false), 'declined');
    const session = (await launchOn(device, target)) as AndroidSession;
    const states: string[] = [];
    const app = () =>
      (device.world() as FakeWorld & { apps: Record<string, string> }).apps['com.android.chrome'] ?? '';
    const tracker = new ActivityTracker();
    const watched: { watch?: WatchWindow; flushPoints: FlushPointRecord[] } = { flushPoints: [] };
    try {
      await watchThroughFlushPoints({
        scenario: { ...searchScenario },
        session: () => session,
        relaunch: () => Promise.reject(new Error('a device app is restarted by the system, not relaunched')),
        probe: {
          activity: () => {
            const state = app();
            if (states.at(-1) !== state) states.push(state);
            return tracker.snapshot();
          },
        },
        settings: { quietMs: 300, minMs: 300, maxMs: 2_000 },
        watched,
      });
    } finally {
      await session.close();
    }
    // Watched while the app was in the foreground, in the background, and after its restart.
    expect(states).toEqual(['foreground', 'background', 'foreground']);
    expect(watched.watch?.ended).toBe('quiet');
    expect(watched.flushPoints.map((f) => [f.point, f.watch.ended])).toEqual([
      ['background', 'quiet'],
      ['force-stop-and-relaunch', 'quiet'],
    ]);
    const lifecycle = device
      .calls()
      .map((c) => c.slice(3).join(' '))
      .filter((c) => /KEYCODE_HOME|force-stop|monkey/.test(c));
    expect(lifecycle).toEqual([
      'input keyevent KEYCODE_HOME',
      'monkey -p com.android.chrome -c android.intent.category.LAUNCHER 1',
      'am force-stop com.android.chrome',
      'monkey -p com.android.chrome -c android.intent.category.LAUNCHER 1',
    ]);
    expect((device.world() as FakeWorld & { launches: Record<string, number> }).launches).toEqual({
      'com.android.chrome': 2,
    });
  });

  it('should fail with one-line errors and leave the device as it was', async () => {
    const device = fakeDevice((w) => {
      w.packages = {};
    });
    const launch = (target: TargetConfig) => launchOn(device, target).catch((e: unknown) => e);

    const notInstalled = (await launch(
      fakeTarget(device, chromeApp(device, false), 'declined'),
    )) as AndroidError;
    expect(notInstalled.code).toBe('app-not-installed');
    expect(notInstalled.message).toContain('com.android.chrome is not installed on "emulator-5554"; fix:');

    const device2 = fakeDevice();
    const closedPort = await freePort();
    const noAppium = (await launch(
      fakeTarget(device2, chromeApp(device2, false), 'declined', `http://127.0.0.1:${closedPort}`),
    )) as AndroidError;
    expect(noAppium.code).toBe('appium-unreachable');
    expect(noAppium.message).toMatch(
      /^android: Appium is not reachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); fix: /,
    );

    const device3 = fakeDevice((w) => {
      w.ncRc = 1;
    });
    const before = device3.world();
    const unreachable = (await launch(
      fakeTarget(device3, chromeApp(device3, false), 'declined'),
    )) as AndroidError;
    expect(unreachable.code).toBe('proxy-unreachable');
    expect(device3.world().settings).toEqual(before.settings);
    expect(device3.world().reverse).toEqual([]);

    const unknownDevice = androidTargetFromSpec('android:emulator-5556');
    unknownDevice.options = { ...unknownDevice.options, stateDir: device3.stateDir };
    expect(((await launch(unknownDevice)) as AndroidError).code).toBe('no-device');
  });
});

/**
 * The address-bar selectors a public runner uses on the real apps (privacytests.org's Android
 * runner; fixtures/android/public-sources). No public UI dump of these apps was found, so this is
 * the independent evidence the recipes are checked against: never the recipe's own selectors.
 */
interface PublicSource {
  repository: string;
  path: string;
  commit: string;
  sha256: string;
  apps: Record<string, { key: string; urlBarClick: string; urlBarClick2?: string; urlBarKeys: string }>;
}
const PUBLIC = JSON.parse(
  readFileSync(join(ROOT, 'fixtures/android/public-sources/privacytests-android.json'), 'utf8'),
) as PublicSource;
const PUBLIC_FIELDS = ['urlBarClick', 'urlBarClick2', 'urlBarKeys'] as const;

/** A public selector as a recipe would write it: an XPath as it is, a bare id in the app's package. */
function publicSelector(pkg: string, value: string): { by: 'id' | 'xpath'; value: string } {
  return value.startsWith('/') ? { by: 'xpath', value } : { by: 'id', value: `${pkg}:id/${value}` };
}

/** Screens holding one input per selector the public source names for the app, and nothing else. */
function publicScreens(pkg: string): string {
  const app = PUBLIC.apps[pkg];
  if (!app) throw new Error(`no public source for ${pkg}`);
  const elements = PUBLIC_FIELDS.flatMap((field) => (app[field] ? [app[field]] : [])).map((value) => {
    const sel = publicSelector(pkg, value);
    if (sel.by === 'id') return `<MockInputField id="${sel.value}" class="android.widget.EditText"/>`;
    const byResourceId = /^\/\/\*\[@resource-id="([^"]+)"\]$/.exec(sel.value);
    if (!byResourceId) throw new Error(`a public XPath this test cannot lay out: ${sel.value}`);
    return `<MockInputField resource-id="${byResourceId[1]}" class="android.widget.EditText"/>`;
  });
  return `<app width="1080" height="2400"><title>${pkg}</title>${[...new Set(elements)].join('')}</app>`;
}

async function fakeSession(app: string) {
  return remote({
    hostname: '127.0.0.1',
    port: Number(new URL(appiumUrl).port),
    logLevel: 'silent',
    capabilities: {
      platformName: 'Fake',
      'appium:automationName': 'Fake',
      'appium:deviceName': 'Fake',
      'appium:app': app,
    } as WebdriverIO.Capabilities,
  });
}

describe('recipes against what public sources say the real apps have', () => {
  it('should give every selector a source and keep it unverified; a sourced one is what the public file says', () => {
    const sourcePrefix = `${PUBLIC.repository} ${PUBLIC.path}@${PUBLIC.commit.slice(0, 12)} (`;
    let sourced = 0;
    for (const recipe of loadRecipes().values()) {
      for (const selector of recipeSelectors(recipe)) {
        expect(selector.verified, `${recipe.id}: ${selector.value}`).toBe(false);
        expect(selector.source, `${recipe.id}: ${selector.value}`).toMatch(
          /^(unsourced: .+|\S+\/\S+ \S+@[0-9a-f]{12} \(.+\))$/,
        );
        if (!selector.source.startsWith(sourcePrefix)) continue;
        const [key, field] = selector.source.slice(sourcePrefix.length, -1).split('.') as [string, string];
        const app = PUBLIC.apps[recipe.appPackage];
        expect(app?.key, `${recipe.id} cites ${key}`).toBe(key);
        const value = (app as Record<string, string> | undefined)?.[field] ?? '';
        expect(publicSelector(recipe.appPackage, value)).toEqual({ by: selector.by, value: selector.value });
        sourced += 1;
      }
    }
    // Chrome, Firefox, Samsung Internet and Mi Browser each have their address bar from the source.
    expect(sourced).toBeGreaterThanOrEqual(8);
  });

  it("should know Chrome's incognito page by the container Chromium's own page controller names", () => {
    const ntp = JSON.parse(
      readFileSync(join(ROOT, 'fixtures/android/public-sources/chromium-incognito-ntp.json'), 'utf8'),
    ) as { repository: string; path: string; commit: string; apps: Record<string, Record<string, string>> };
    const entry = ntp.apps['com.android.chrome']?.LOCATOR_INCOGNITO_PAGE;
    const chrome = loadRecipes().get('chrome');
    const cite = `${ntp.repository} ${ntp.path}@${ntp.commit.slice(0, 12)} (chromium-ntp.LOCATOR_INCOGNITO_PAGE)`;
    expect(chrome?.incognitoIndicator).toMatchObject({
      by: 'id',
      value: `com.android.chrome:id/${entry}`,
      verified: false,
      source: cite,
    });
    expect(chrome?.promise?.xpath).toBe(`//*[@resource-id="com.android.chrome:id/${entry}"]//@text`);
    expect(chrome?.promise?.source.startsWith(cite)).toBe(true);
  });

  for (const recipe of [...loadRecipes().values()].filter((r) => PUBLIC.apps[r.appPackage])) {
    it(`should reach and type into ${recipe.name}'s address bar as the public source lays it out`, async () => {
      const device = fakeDevice();
      const app = join(device.dir, `${recipe.id}-public.xml`);
      writeFileSync(app, publicScreens(recipe.appPackage));
      const browser = await fakeSession(app);
      try {
        const runner = new RecipeRunner(browser as unknown as StepTarget, {
          androidKeys: false,
          optionalTimeoutMs: 200,
        });
        const outcomes = await runner.run(recipe.navigate, { url: 'https://a.test/' }, 'navigate');
        // Every step the source backs was done, none skipped.
        recipe.navigate.forEach((step, i) => {
          const sel = 'tap' in step ? step.tap : 'type' in step ? step.type : undefined;
          if (sel && !sel.source.startsWith('unsourced'))
            expect(outcomes[i]?.outcome, sel.value).toBe('done');
        });
        const keys = publicSelector(recipe.appPackage, PUBLIC.apps[recipe.appPackage]?.urlBarKeys ?? '');
        const [input] = await browser.findElements(keys.by, keys.value);
        expect(await browser.getElementAttribute(input?.[W3C] ?? '', 'value')).toBe('https://a.test/');
        // Every selector of the recipe is a locator WebDriver accepts (syntax; most find nothing here).
        for (const selector of recipeSelectors(recipe)) {
          const { using, value } = toLocator(selector);
          await browser.findElements(using, value);
        }
      } finally {
        await browser.deleteSession();
      }
    });
  }

  it('should fail a recipe whose address-bar selector is not the one the public source names', async () => {
    const device = fakeDevice();
    const wrong = {
      chrome: { by: 'id', value: 'com.android.chrome:id/url_bar_text' },
      // What the Firefox recipe typed into before: the toolbar the source says recent Firefox replaced.
      firefox: { by: 'id', value: 'org.mozilla.firefox:id/mozac_browser_toolbar_edit_url_view' },
    } as const;
    for (const [id, selector] of Object.entries(wrong)) {
      const recipe = getRecipe(id);
      const app = join(device.dir, `${id}-public.xml`);
      writeFileSync(app, publicScreens(recipe.appPackage));
      const navigate = recipe.navigate.map((step) =>
        'type' in step ? { ...step, type: { ...step.type, ...selector } } : step,
      );
      const browser = await fakeSession(app);
      try {
        const runner = new RecipeRunner(browser as unknown as StepTarget, {
          androidKeys: false,
          optionalTimeoutMs: 200,
          requiredTimeoutMs: 500,
        });
        const error = (await runner
          .run(navigate, { url: 'https://a.test/' }, 'navigate')
          .catch((e) => e)) as AndroidError;
        expect(error.code, id).toBe('recipe-step-failed');
        expect(error.message).toContain(
          `type "{url}" into id "${selector.value}" (unverified)) failed: no element after 500 ms`,
        );
      } finally {
        await browser.deleteSession();
      }
    }
  });
});
