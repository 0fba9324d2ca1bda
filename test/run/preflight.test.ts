import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adb } from '../../drivers/android/adb.ts';
import { androidTargetFromSpec } from '../../drivers/android/android-target.ts';
import { androidPreflight } from '../../drivers/android/preflight.ts';
import type { TargetConfig } from '../../drivers/driver.ts';
import { preflight } from '../../drivers/preflight.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { runExitCode } from '../../src/commands/run.ts';
import { fakeDevice } from '../android/fake-device.ts';

const ROOT = process.cwd();
const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium') as TargetConfig;

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function android(serial: string, appiumUrl?: string): TargetConfig {
  const target = androidTargetFromSpec(`android:${serial}`);
  if (appiumUrl) target.options = { ...target.options, appiumUrl };
  return target;
}

describe('preflight', () => {
  it('should name adb, with its fix, in one line when adb cannot be run', async () => {
    const lines = await androidPreflight(android('emulator-5554'), new Adb({ bin: '/nonexistent/adb' }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot run adb \("\/nonexistent\/adb"\); fix: install Android platform-tools/);
  });

  it('should name the device and what adb sees when it is not attached', async () => {
    fakeDevice((w) => {
      w.devices = [{ serial: 'emulator-5556', state: 'device' }];
    });
    const lines = await androidPreflight(android('emulator-5554'));
    expect(lines).toEqual([
      expect.stringMatching(/no device "emulator-5554" \(adb sees emulator-5556\); fix:/),
    ]);
  });

  it('should say the app is missing before asking Appium', async () => {
    fakeDevice((w) => {
      w.packages = {};
    });
    const lines = await androidPreflight(android('emulator-5554'));
    expect(lines).toEqual([
      expect.stringMatching(/com\.android\.chrome is not installed on "emulator-5554"; fix:/),
    ]);
  });

  it('should say Appium is not reachable when the device is ready and nothing answers', async () => {
    fakeDevice();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const lines = await androidPreflight(android('emulator-5554', url));
    expect(lines).toEqual([expect.stringContaining(`Appium is not reachable at ${url}`)]);
    expect(lines[0]).toContain('fix: start it');
  });

  it('should pass a device that is attached, has the app, and an Appium that answers', async () => {
    fakeDevice();
    const { createServer: http } = await import('node:http');
    const appium = http((_req, res) => res.end('{"value":{"ready":true}}'));
    await new Promise<void>((r) => appium.listen(0, '127.0.0.1', r));
    const { port } = appium.address() as { port: number };
    try {
      expect(await androidPreflight(android('emulator-5554', `http://127.0.0.1:${port}`))).toEqual([]);
    } finally {
      appium.close();
    }
  });

  it('should name a missing browser binary with the targets-file fix, once per target', async () => {
    const broken = { ...chromium, id: 'my-chrome', executablePath: '/nonexistent/chrome' };
    const lines = await preflight([
      { target: broken, headed: false },
      { target: broken, headed: false },
    ]);
    expect(lines).toEqual([
      'my-chrome: /nonexistent/chrome is missing; fix: install the browser there, or correct executablePath in the targets file',
    ]);
  });

  it('should report a display that does not start, only when a scenario needs a window', async () => {
    const startDisplay = async () => {
      throw new Error('Xvfb did not report a display within 10 s');
    };
    expect(await preflight([{ target: chromium, headed: false }], { startDisplay })).toEqual([]);
    expect(await preflight([{ target: chromium, headed: true }], { startDisplay })).toEqual([
      expect.stringMatching(/^display: Xvfb did not report a display within 10 s; fix:/),
    ]);
  });

  it('should pass the Debian browsers and a real virtual display here', async () => {
    const items = DEFAULT_TARGETS.map((target) => ({ target, headed: true }));
    expect(await preflight(items)).toEqual([]);
  });

  it('should stop `phonehome run` with one line naming adb and exit 2 when adb is missing', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/phonehome.js'), 'run', '--target', 'android:emulator-5554'],
      {
        encoding: 'utf8',
        env: { ...process.env, PHONEHOME_ADB: '/nonexistent/adb', PHONEHOME_SEAL: 'off' },
        timeout: 120_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^phonehome run: android-chrome-emulator-5554: cannot run adb .*; fix: /),
    ]);
  });

  it('should stop the nightly path (npx playwright test on the matrix) the same way, before any scenario', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/@playwright/test/cli.js'),
        'test',
        '--config',
        'playwright.config.ts',
        '--reporter=blob',
      ],
      {
        encoding: 'utf8',
        cwd: ROOT,
        env: {
          ...process.env,
          PHONEHOME_SUITE: 'matrix',
          PHONEHOME_TARGETS: JSON.stringify([android('emulator-5554')]),
          PHONEHOME_SCENARIOS: 'idle',
          PHONEHOME_ADB: '/nonexistent/adb',
          PLAYWRIGHT_BLOB_OUTPUT_DIR: join(ROOT, 'test-results', 'preflight-blob'),
        },
        timeout: 180_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^phonehome preflight: android-chrome-emulator-5554: cannot run adb .*; fix: /m);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Running \d+ test/);
  });
});

describe('run exit code', () => {
  const targets = [{ id: 'chromium:normal' }, { id: 'reference:normal', reference: true }];
  const cell = (target: string, status: string) => ({ claim: 'c', target, status, reason: '', evidence: [] });
  const run = (...cells: ReturnType<typeof cell>[]) =>
    ({ targets, cells }) as unknown as Parameters<typeof runExitCode>[0];

  it('should be 0 for a finished run, and with leaks only on the reference under --fail-on-leak', () => {
    expect(runExitCode(run(cell('chromium:normal', 'pass')), false)).toBe(0);
    expect(runExitCode(run(cell('reference:normal', 'fail')), true)).toBe(0);
    expect(runExitCode(run(cell('chromium:normal', 'fail')), false)).toBe(0);
  });

  it('should be 1 under --fail-on-leak when a target other than the reference failed a claim', () => {
    expect(runExitCode(run(cell('chromium:normal', 'fail')), true)).toBe(1);
  });

  it('should be 3 when a cell is error, even when a target also leaked under --fail-on-leak', () => {
    expect(runExitCode(run(cell('chromium:normal', 'error')), false)).toBe(3);
    expect(runExitCode(run(cell('chromium:normal', 'fail'), cell('reference:normal', 'error')), true)).toBe(
      3,
    );
  });
});
