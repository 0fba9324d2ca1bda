import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Adb, adbBinary, parseDevices } from '../../drivers/android/adb.ts';
import {
  probeProxy,
  readState,
  recoverDevice,
  stateFilePath,
  subjectHashOld,
  wireDevice,
} from '../../drivers/android/device-setup.ts';
import { AndroidError } from '../../drivers/android/errors.ts';
import { deadPid, type FakeDevice, fakeDevice, makeCaPem } from './fake-device.ts';

const SERIAL = 'emulator-5554';
const PORT = 18123;

function expectAndroidError(e: unknown, code: string): AndroidError {
  expect(e).toBeInstanceOf(AndroidError);
  const error = e as AndroidError;
  expect(error.code).toBe(code);
  expect(error.message).not.toContain('\n');
  expect(error.message).toMatch(/fix: |known recipes/);
  return error;
}

describe('adb client against the fake adb on PATH', () => {
  it('should parse adb devices output, including unauthorized and offline devices', () => {
    const out =
      'List of devices attached\nemulator-5554\tdevice\nR58M\tunauthorized\n192.168.1.5:5555\toffline\n\n';
    expect(parseDevices(out)).toEqual([
      { serial: 'emulator-5554', state: 'device' },
      { serial: 'R58M', state: 'unauthorized' },
      { serial: '192.168.1.5:5555', state: 'offline' },
    ]);
  });

  it('should use PHONEHOME_ADB when set and adb from PATH otherwise', () => {
    expect(adbBinary({ PHONEHOME_ADB: '/opt/sdk/adb' })).toBe('/opt/sdk/adb');
    expect(adbBinary({})).toBe('adb');
  });

  it('should accept an attached, authorised device', async () => {
    const device = fakeDevice();
    await new Adb().requireDevice(SERIAL);
    expect(device.calls()).toEqual([['devices']]);
  });

  it('should say how to fix a missing, unauthorized or offline device in one line', async () => {
    fakeDevice();
    const adb = new Adb();
    const missing = await adb.requireDevice('nope').catch((e: unknown) => e);
    expect(expectAndroidError(missing, 'no-device').message).toContain(
      'adb sees emulator-5554, R58M12ABCDE, 0123456789',
    );
    expectAndroidError(
      await adb.requireDevice('R58M12ABCDE').catch((e: unknown) => e),
      'unauthorized-device',
    );
    expectAndroidError(await adb.requireDevice('0123456789').catch((e: unknown) => e), 'offline-device');
  });

  it('should say how to fix a missing adb binary', async () => {
    const error = await new Adb({ bin: '/nonexistent/adb' }).devices().catch((e: unknown) => e);
    expect(expectAndroidError(error, 'adb-missing').message).toContain('PHONEHOME_ADB');
  });
});

describe('device wiring', () => {
  let device: FakeDevice;
  afterEach(() => {
    delete process.env.FAKE_ADB_WORLD;
  });

  it('should compute the subject hash Android names CA files by, as openssl does', () => {
    device = fakeDevice();
    const pem = makeCaPem(device.dir);
    const expected = execFileSync('openssl', [
      'x509',
      '-noout',
      '-subject_hash_old',
      '-in',
      join(device.dir, 'ca.pem'),
    ])
      .toString()
      .trim();
    expect(subjectHashOld(pem)).toBe(expected);
  });

  it('should point a rooted device at the proxy, install the CA in both stores and put everything back', async () => {
    device = fakeDevice((w) => {
      w.settings.global = { http_proxy: '10.0.0.1:3128' };
    });
    const before = device.world();
    const pem = makeCaPem(device.dir);
    const hash = subjectHashOld(pem);
    const adb = new Adb();
    const wired = await wireDevice(adb, SERIAL, { port: PORT, caCertPem: pem }, device.stateDir);

    expect(wired.caStore).toBe('user+system');
    const during = device.world();
    expect(during.settings.global?.http_proxy).toBe(`127.0.0.1:${PORT}`);
    expect(during.reverse).toEqual([PORT]);
    expect(during.files?.[`/data/misc/user/0/cacerts-added/${hash}.0`]).toBe(pem);
    expect(during.mounts).toEqual(['/system/etc/security/cacerts']);
    expect(readState(device.stateDir, SERIAL)?.httpProxyBefore).toBe('10.0.0.1:3128');
    await probeProxy(adb, SERIAL, PORT);

    // A later run finds the state file of a process that is gone: it restores the device.
    const file = stateFilePath(device.stateDir, SERIAL);
    writeFileSync(file, JSON.stringify({ ...readState(device.stateDir, SERIAL), pid: deadPid() }));
    const recovered = await recoverDevice(adb, SERIAL, device.stateDir);
    expect(recovered?.reversePorts).toEqual([PORT]);
    const after = device.world();
    expect(after.settings).toEqual(before.settings);
    expect(after.reverse).toEqual([]);
    expect(after.mounts).toEqual([]);
    expect(after.files).toEqual({});
    expect(existsSync(file)).toBe(false);
  });

  it('should clear the proxy setting it added when there was none before', async () => {
    device = fakeDevice();
    const adb = new Adb();
    await wireDevice(adb, SERIAL, { port: PORT, caCertPem: makeCaPem(device.dir) }, device.stateDir);
    const state = readState(device.stateDir, SERIAL);
    expect(state?.httpProxyBefore).toBeNull();
    writeFileSync(stateFilePath(device.stateDir, SERIAL), JSON.stringify({ ...state, pid: deadPid() }));
    await recoverDevice(adb, SERIAL, device.stateDir);
    expect(device.world().settings.global).toEqual({});
    const shell = device
      .calls()
      .filter((c) => c[2] === 'shell')
      .map((c) => c[3]);
    expect(shell).toContain('settings put global http_proxy :0');
  });

  it('should refuse a device another live phonehome process is wiring', async () => {
    device = fakeDevice();
    const adb = new Adb();
    await wireDevice(adb, SERIAL, { port: PORT, caCertPem: makeCaPem(device.dir) }, device.stateDir);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const file = stateFilePath(device.stateDir, SERIAL);
      writeFileSync(file, JSON.stringify({ ...readState(device.stateDir, SERIAL), pid: other.pid }));
      const error = await recoverDevice(adb, SERIAL, device.stateDir).catch((e: unknown) => e);
      expect((error as AndroidError).code).toBe('device-in-use');
      expect(device.world().reverse).toEqual([PORT]);
    } finally {
      other.kill();
    }
  });

  it('should push the CA for a manual install on a device without root, and only use user store on Android 14', async () => {
    device = fakeDevice((w) => {
      w.root = false;
    });
    const pem = makeCaPem(device.dir);
    const wired = await wireDevice(new Adb(), SERIAL, { port: PORT, caCertPem: pem }, device.stateDir);
    expect(wired.caStore).toBe('pushed-for-manual-install');
    expect(wired.notes[0]).toContain('must be installed by hand');
    expect(Object.keys(device.world().files ?? {})).toEqual([
      `/sdcard/Download/phonehome-ca-${subjectHashOld(pem)}.crt`,
    ]);

    const device14 = fakeDevice((w) => {
      w.props['ro.build.version.sdk'] = '34';
    });
    const wired14 = await wireDevice(new Adb(), SERIAL, { port: PORT, caCertPem: pem }, device14.stateDir);
    expect(wired14.caStore).toBe('user');
    expect(device14.world().mounts).toEqual([]);
  });

  it('should keep the state file when wiring fails half-way, so the next run can undo it', async () => {
    device = fakeDevice((w) => {
      w.failOn = ['^mount '];
      w.failOn.push('mount -t tmpfs');
    });
    const adb = new Adb();
    const error = await wireDevice(
      adb,
      SERIAL,
      { port: PORT, caCertPem: makeCaPem(device.dir) },
      device.stateDir,
    ).catch((e: unknown) => e);
    expect((error as AndroidError).code).toBe('adb-failed');
    const state = JSON.parse(readFileSync(stateFilePath(device.stateDir, SERIAL), 'utf8'));
    expect(state.systemCaOverlay).toBe(true);
    expect(device.world().settings.global?.http_proxy).toBe(`127.0.0.1:${PORT}`);
    writeFileSync(stateFilePath(device.stateDir, SERIAL), JSON.stringify({ ...state, pid: deadPid() }));
    await recoverDevice(adb, SERIAL, device.stateDir);
    expect(device.world().settings.global).toEqual({});
    expect(device.world().reverse).toEqual([]);
  });

  it('should say the proxy is not reachable from the device, with the fix', async () => {
    device = fakeDevice((w) => {
      w.ncRc = 1;
    });
    const adb = new Adb();
    const missing = await probeProxy(adb, SERIAL, PORT).catch((e: unknown) => e);
    expect(expectAndroidError(missing, 'proxy-unreachable').message).toContain('does not list tcp:18123');
    await adb.on(SERIAL, ['reverse', `tcp:${PORT}`, `tcp:${PORT}`]);
    const refused = await probeProxy(adb, SERIAL, PORT).catch((e: unknown) => e);
    expect(expectAndroidError(refused, 'proxy-unreachable').message).toContain('nc exit 1');
  });
});
