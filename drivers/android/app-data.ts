import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import type { AppDataCopy } from '../driver.ts';
import type { Adb } from './adb.ts';

// Package names are Java identifiers joined by dots: nothing else reaches a device shell.
const PACKAGE = /^[A-Za-z][\w]*(?:\.[A-Za-z][\w]*)+$/;

/**
 * Copies an app's private data (`/data/data/PACKAGE`: its databases, shared prefs, caches, WebView
 * profile) from the device into `dest`, the way the device allows: through `run-as PACKAGE` on a
 * debuggable build of the app, else as root where adbd runs as root (an emulator's userdebug image,
 * `adb root`). Neither: nothing is copied and the reason says what was tried, so the device claim
 * reads inconclusive, never pass. A copy that cannot be unpacked, or that holds no file, is no copy.
 * Never throws.
 */
export async function copyAppData(
  adb: Adb,
  serial: string,
  appPackage: string,
  dest: string,
): Promise<AppDataCopy> {
  if (!PACKAGE.test(appPackage)) return { notScanned: `"${appPackage}" is not an Android package name` };
  let runAs: string;
  try {
    // run-as switches to the app's own user; Android allows it only for a debuggable build.
    const uid = (await adb.shell(serial, `run-as ${appPackage} id -u`)).trim();
    if (!/^\d+$/.test(uid)) throw new Error(`run-as answered "${uid.slice(0, 120)}"`);
    return await unpack(adb, serial, `run-as ${appPackage} tar -cf - .`, dest, 'run-as');
  } catch (e) {
    runAs = oneLine(e);
  }
  let root: string;
  try {
    const uid = (await adb.shell(serial, 'id -u')).trim();
    if (uid !== '0')
      throw new Error(
        `adb's shell runs as uid ${uid}, not root (an emulator's userdebug image after \`adb root\` has root)`,
      );
    return await unpack(adb, serial, `tar -cf - -C /data/data/${appPackage} .`, dest, 'root');
  } catch (e) {
    root = oneLine(e);
  }
  return {
    notScanned: `the app's data on the phone could not be read: not through run-as (${runAs}), not as root (${root})`,
  };
}

async function unpack(
  adb: Adb,
  serial: string,
  command: string,
  dest: string,
  via: 'run-as' | 'root',
): Promise<AppDataCopy> {
  const tar = await adb.execOut(serial, command);
  mkdirSync(dest, { recursive: true });
  // Debian's tar reads the stream; entries stay inside dest (no absolute paths, no `..`).
  execFileSync('tar', ['-xf', '-', '-C', dest, '--no-same-owner', '--no-same-permissions'], {
    input: tar,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  if (readdirSync(dest, { recursive: true }).length === 0) {
    throw new Error(`${command} gave an empty archive (${tar.length} bytes)`);
  }
  return { dir: dest, via };
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}
