import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adb } from '../../drivers/android/adb.ts';
import { copyAppData } from '../../drivers/android/app-data.ts';
import { scanWhatStaysOnDevice } from '../../src/harness/device-evidence.ts';
import { fakeDevice } from './fake-device.ts';

const PKG = 'com.mi.globalbrowser';
const CANARY = 'phq7k2m9xw4tz8';
const data = {
  'databases/history.db': `visited https://news.site-a.test/?q=${CANARY}`,
  'shared_prefs/a.xml': '<map/>',
};
const dest = () => join(mkdtempSync(join(tmpdir(), 'phonehome-app-data-')), 'app-data');

describe("the app's data on the phone (fake adb)", () => {
  it('should copy it through run-as on a debuggable build, without asking for root', async () => {
    const device = fakeDevice((w) => {
      w.root = false;
      w.debuggable = [PKG];
      w.appData = { [PKG]: data };
    });
    const copy = await copyAppData(new Adb(), 'emulator-5554', PKG, dest());
    expect(copy).toMatchObject({ via: 'run-as' });
    if (!('dir' in copy)) throw new Error(copy.notScanned);
    expect(readFileSync(join(copy.dir, 'databases/history.db'), 'utf8')).toContain(CANARY);
    expect(device.calls()).toEqual([
      ['-s', 'emulator-5554', 'shell', `run-as ${PKG} id -u`],
      ['-s', 'emulator-5554', 'exec-out', `run-as ${PKG} tar -cf - .`],
    ]);
  });

  it('should copy it as root on an emulator where adbd is root, when run-as is refused', async () => {
    const device = fakeDevice((w) => {
      w.root = true;
      w.appData = { [PKG]: data };
    });
    const copy = await copyAppData(new Adb(), 'emulator-5554', PKG, dest());
    expect(copy).toMatchObject({ via: 'root' });
    expect(device.calls().map((c) => c.slice(2).join(' '))).toEqual([
      `shell run-as ${PKG} id -u`,
      'shell id -u',
      `exec-out tar -cf - -C /data/data/${PKG} .`,
    ]);
  });

  it('should give the reason, never a copy, on a release build of a device without root', async () => {
    fakeDevice((w) => {
      w.root = false;
      w.appData = { [PKG]: data };
    });
    const copy = await copyAppData(new Adb(), 'emulator-5554', PKG, dest());
    expect('notScanned' in copy && copy.notScanned).toMatch(
      /^the app's data on the phone could not be read: not through run-as \(.*package not debuggable: com\.mi\.globalbrowser.*\), not as root \(adb's shell runs as uid 2000, not root/,
    );
  });

  it('should count an empty archive, a bad package name and a missing device as no copy', async () => {
    fakeDevice((w) => {
      w.root = true;
      w.appData = {};
    });
    const empty = await copyAppData(new Adb(), 'emulator-5554', PKG, dest());
    expect('notScanned' in empty && empty.notScanned).toMatch(/empty archive/);
    const bad = await copyAppData(new Adb(), 'emulator-5554', 'x; rm -rf /', dest());
    expect(bad).toEqual({ notScanned: '"x; rm -rf /" is not an Android package name' });
    const gone = await copyAppData(new Adb(), 'no-such-serial', PKG, dest());
    expect('notScanned' in gone && gone.notScanned).toMatch(/not found/);
  });

  it('should find a canary in the copied data with the device scan, and say why when there is no copy', async () => {
    fakeDevice((w) => {
      w.debuggable = [PKG];
      w.appData = { [PKG]: data };
    });
    const copy = await copyAppData(new Adb(), 'emulator-5554', PKG, dest());
    if (!('dir' in copy)) throw new Error(copy.notScanned);
    const token = {
      value: CANARY,
      kind: 'canary' as const,
      dataClass: 'search-terms' as const,
      label: 'search term',
    };
    const provenance = {
      target: 'android-mi-browser-emulator-5554:incognito',
      scenario: 'search',
      mode: 'incognito' as const,
    };
    const scan = await scanWhatStaysOnDevice({ workDir: copy.dir, canaries: [token], provenance, since: 0 });
    expect(scan.device.findings.map((f) => f.where)).toEqual(['file:databases/history.db']);
    const none = await scanWhatStaysOnDevice({
      workDir: copy.dir,
      canaries: [token],
      provenance,
      since: 0,
      elsewhere: 'not through run-as, not as root',
    });
    expect(none.device).toMatchObject({ notScanned: 'not through run-as, not as root', findings: [] });
  });
});
