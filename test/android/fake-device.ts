import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers shared by the Android tests: a fake adb world in a temp folder, with fake adb on PATH. */

export const FAKE_ADB_DIR = fileURLToPath(new URL('../../fixtures/android/fake-adb/', import.meta.url));
const BASE_WORLD = join(FAKE_ADB_DIR, 'world.json');

export interface FakeWorld {
  devices: { serial: string; state: string }[];
  root: boolean;
  props: Record<string, string>;
  settings: Record<string, Record<string, string>>;
  packages: Record<string, string>;
  reverse?: number[];
  files?: Record<string, string>;
  mounts?: string[];
  failOn?: string[];
  ncRc?: number;
  /** Files under /data/data/PACKAGE, by package: path → text. */
  appData?: Record<string, Record<string, string>>;
  /** Packages `run-as` may enter (debuggable builds). */
  debuggable?: string[];
  adid?: string;
  imeiParcel?: string;
}

export interface FakeDevice {
  dir: string;
  stateDir: string;
  world(): FakeWorld;
  /** Every adb call so far, as argument lists. */
  calls(): string[][];
}

/**
 * A fresh fake device world (fixtures/android/fake-adb/world.json, changed by `edit`), with fake
 * adb first on PATH and PHONEHOME_ADB unset, so code under test finds it as it would find adb.
 */
export function fakeDevice(edit: (world: FakeWorld) => void = () => {}): FakeDevice {
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-fake-adb-'));
  const world = JSON.parse(readFileSync(BASE_WORLD, 'utf8')) as FakeWorld;
  edit(world);
  const worldFile = join(dir, 'world.json');
  const logFile = join(dir, 'calls.ndjson');
  writeFileSync(worldFile, JSON.stringify(world));
  writeFileSync(logFile, '');
  process.env.FAKE_ADB_WORLD = worldFile;
  process.env.FAKE_ADB_LOG = logFile;
  delete process.env.PHONEHOME_ADB;
  if (!process.env.PATH?.startsWith(FAKE_ADB_DIR))
    process.env.PATH = `${FAKE_ADB_DIR}${delimiter}${process.env.PATH}`;
  return {
    dir,
    stateDir: join(dir, 'android-state'),
    world: () => JSON.parse(readFileSync(worldFile, 'utf8')) as FakeWorld,
    calls: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { args: string[] }).args),
  };
}

/** A pid that surely belongs to no process: one that has just exited. */
export function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString(),
  );
}

/** A self-signed CA like the capture's, made with openssl (a real certificate, not a fixture). */
export function makeCaPem(dir: string): string {
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=phonehome test CA/O=phonehome',
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(cert, 'utf8');
}
