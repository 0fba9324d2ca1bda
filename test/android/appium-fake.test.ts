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
import { getRecipe, loadRecipes, type Recipe, recipeSelectors } from '../../drivers/android/recipe.ts';
import { RecipeRunner, type StepTarget, toLocator } from '../../drivers/android/recipe-runner.ts';
import type { ProxyEndpoint, TargetConfig } from '../../drivers/driver.ts';
import { watchThroughFlushPoints } from '../../fixtures/run-scenario.ts';
import { searchScenario } from '../../fixtures/scenarios.ts';
import { ActivityTracker } from '../../src/capture/activity.ts';
import type { FlushPointRecord, WatchWindow } from '../../src/model/run-record.ts';
import { type FakeDevice, type FakeWorld, fakeDevice, makeCaPem } from './fake-device.ts';

/**
 * The Android driver against a real Appium 3 server on 127.0.0.1 with Appium's fake driver (its
 * screens are static XML), and the fake adb on PATH. What this cannot show: that the recipes'
 * selectors match the real apps (they are all marked unverified) and UiAutomator2 key codes.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROME_XML = join(ROOT, 'fixtures/android/fake-apps/chrome.xml');
const INDICATOR = '<android.widget.FrameLayout id="com.android.chrome:id/new_tab_incognito_container"/>';
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

/** The fake Chrome screens, with or without the incognito indicator. */
function chromeApp(device: FakeDevice, incognito: boolean): string {
  const file = join(device.dir, `chrome-${incognito ? 'incognito' : 'normal'}.xml`);
  writeFileSync(file, readFileSync(CHROME_XML, 'utf8').replace('<INDICATOR/>', incognito ? INDICATOR : ''));
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

type Browser = Awaited<ReturnType<typeof remote>>;
function browserOf(session: AndroidSession): Browser {
  return (session as unknown as { browser: Browser }).browser;
}
async function attr(browser: Browser, using: string, value: string, name: string): Promise<string> {
  const [el] = await browser.findElements(using, value);
  return (await browser.getElementAttribute(el?.[W3C] ?? '', name)) ?? '';
}

describe('android driver against Appium fake driver and fake adb', () => {
  it('should launch incognito, decline consent, browse and search, then restore the device', async () => {
    const device = fakeDevice();
    const before = device.world();
    const target = fakeTarget(device, chromeApp(device, true), 'declined');
    const driver = createAndroidDriver(new Adb());
    const session = (await driver.launch({
      target,
      mode: 'incognito',
      proxy: proxyFor(device),
      workDir: device.dir,
    })) as AndroidSession;
    const browser = browserOf(session);
    try {
      // Wired while the session runs.
      expect(device.world().settings.global?.http_proxy).toBe('127.0.0.1:18200');
      expect(readState(device.stateDir, 'emulator-5554')?.reversePorts).toEqual([18200]);

      // Declined: the metrics box was unticked, the terms accepted, nothing else tapped.
      expect(await attr(browser, 'id', 'com.android.chrome:id/send_report_checkbox', 'clicks')).toBe('1');
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
    const session = (await createAndroidDriver(new Adb()).launch({
      target,
      mode: 'normal',
      proxy: proxyFor(device),
      workDir: device.dir,
    })) as AndroidSession;
    try {
      const browser = browserOf(session);
      expect(await attr(browser, 'id', 'com.android.chrome:id/send_report_checkbox', 'clicks')).toBe('');
      expect(await attr(browser, 'id', 'com.android.chrome:id/terms_accept', 'clicks')).toBe('1');
      expect(await attr(browser, 'xpath', '//*[@text="New Incognito tab"]', 'clicks')).toBe('');
      expect(await session.mode()).toMatchObject({ incognito: false });
    } finally {
      await session.close();
    }
  });

  it('should go through the flush points: Home and back, then force-stop and relaunch, each watched', async () => {
    const device = fakeDevice((w) => {
      (w as FakeWorld & { apps?: Record<string, string> }).apps = { 'com.android.chrome': 'foreground' };
    });
    const target = fakeTarget(device, chromeApp(device, false), 'declined');
    const session = (await createAndroidDriver(new Adb()).launch({
      target,
      mode: 'normal',
      proxy: proxyFor(device),
      workDir: device.dir,
    })) as AndroidSession;
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
    const driver = createAndroidDriver(new Adb());
    const launch = (target: TargetConfig) =>
      driver
        .launch({ target, mode: 'normal', proxy: proxyFor(device), workDir: device.dir })
        .catch((e: unknown) => e);

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

/** Fake screens holding every element a recipe names, so each step can run. */
function screensFor(recipe: Recipe): string {
  const elements = recipeSelectors(recipe).map((s, i) => {
    const { using, value } = toLocator(s);
    if (using === 'xpath' && value.includes('android.webkit.WebView')) {
      return `<android.webkit.WebView class="android.webkit.WebView"><MockInputField class="android.widget.EditText"/></android.webkit.WebView>`;
    }
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    if (s.by === 'text') return `<android.widget.TextView text="${esc(s.value)}"/>`;
    if (s.by === 'class name') return `<${s.value}/>`;
    return `<MockInputField id="${esc(s.value)}" n="${i}"/>`;
  });
  return `<app width="1080" height="2400"><title>${recipe.name}</title>${elements.join('')}</app>`;
}

describe('every shipped recipe against Appium fake driver', () => {
  for (const recipe of loadRecipes().values()) {
    it(`should run every ${recipe.id} step through WebDriver`, async () => {
      const device = fakeDevice();
      const app = join(device.dir, `${recipe.id}.xml`);
      writeFileSync(app, screensFor(recipe));
      const browser = await remote({
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
      try {
        const runner = new RecipeRunner(browser as unknown as StepTarget, {
          androidKeys: false,
          optionalTimeoutMs: 200,
        });
        const r = getRecipe(recipe.id);
        const phases = [
          r.firstRun,
          r.consent.granted,
          r.consent.declined,
          r.openIncognito,
          r.navigate,
          r.pageSearch,
        ];
        for (const steps of phases) {
          const outcomes = await runner.run(steps, { url: 'https://a.test/', query: 'q' });
          expect(outcomes.every((o) => o.outcome === 'done')).toBe(true);
        }
        expect(await runner.present(r.incognitoIndicator)).toBe(true);
      } finally {
        await browser.deleteSession();
      }
    });
  }
});
