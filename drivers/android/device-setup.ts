import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from '@peculiar/x509';
import { z } from 'zod';
import type { Adb } from './adb.ts';
import { androidErrors } from './errors.ts';

/**
 * Device wiring: point the device at the capture proxy, install the run's CA, and put everything
 * back afterwards. Before the first change a state file records what was there, so a run that
 * crashed half-way is cleaned up by the next one (`recoverDevice`).
 */

/** Where the system CA store lives on Android ≤ 13 (14 moved it into the Conscrypt APEX). */
const SYSTEM_CACERTS = '/system/etc/security/cacerts';
const USER_CACERTS = '/data/misc/user/0/cacerts-added';
const DEVICE_TMP = '/data/local/tmp';

const deviceStateSchema = z.object({
  version: z.literal(1),
  serial: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  /** `settings get global http_proxy` before the run; null when it was unset. */
  httpProxyBefore: z.string().nullable(),
  /** Ports reversed with `adb reverse` (device → host). */
  reversePorts: z.array(z.number().int()),
  /** Files phonehome put on the device. */
  deviceFiles: z.array(z.string()),
  /** True when a tmpfs was mounted over the system CA folder. */
  systemCaOverlay: z.boolean(),
});
export type DeviceState = z.infer<typeof deviceStateSchema>;

export type CaStore = 'user+system' | 'user' | 'pushed-for-manual-install';

export interface WiredDevice {
  state: DeviceState;
  caStore: CaStore;
  /** One sentence each for what could not be set up fully. */
  notes: string[];
}

/** Default folder for state files: `.phonehome/android-state` under the working directory. */
export function defaultStateDir(cwd: string = process.cwd()): string {
  return join(cwd, '.phonehome', 'android-state');
}

export function stateFilePath(stateDir: string, serial: string): string {
  return join(stateDir, `${serial.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

/**
 * Read a state file; null when there is none.
 * @throws Error naming the file and field when it exists but is malformed.
 */
export function readState(stateDir: string, serial: string): DeviceState | null {
  const file = stateFilePath(stateDir, serial);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${file}: not JSON (${(e as Error).message}); delete it after checking the device by hand`,
    );
  }
  const parsed = deviceStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

function writeState(stateDir: string, state: DeviceState): void {
  mkdirSync(stateDir, { recursive: true });
  const file = stateFilePath(stateDir, state.serial);
  // Write then rename, so a crash mid-write never leaves half a state file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * If an earlier run left the device changed (state file present, its process gone), restore it now.
 * Resolves with the state that was restored, or null when there was nothing to do.
 * @throws AndroidError `device-in-use` when another live phonehome process owns the device.
 */
export async function recoverDevice(adb: Adb, serial: string, stateDir: string): Promise<DeviceState | null> {
  const state = readState(stateDir, serial);
  if (!state) return null;
  if (state.pid !== process.pid && processAlive(state.pid)) throw androidErrors.inUse(serial, state.pid);
  await restoreDevice(adb, state, stateDir);
  return state;
}

/**
 * Android's old-style subject hash (`openssl x509 -subject_hash_old`): the first four bytes of the
 * MD5 of the DER subject, read little-endian. CA files in the Android stores are named `<hash>.0`.
 */
export function subjectHashOld(pem: string): string {
  const subject = Buffer.from(new X509Certificate(pem).subjectName.toArrayBuffer());
  const md5 = createHash('md5').update(subject).digest();
  return md5.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** Normalise `settings get` output: `null`/empty mean unset. */
export function settingValue(output: string): string | null {
  const value = output.trim();
  return value === '' || value === 'null' ? null : value;
}

/**
 * Wire the device to the proxy on 127.0.0.1:port and install the CA. Records the state file before
 * the first change and after each one.
 * @throws AndroidError when adb fails; the state file then says what to undo.
 */
export async function wireDevice(
  adb: Adb,
  serial: string,
  proxy: { port: number; caCertPem: string },
  stateDir: string,
): Promise<WiredDevice> {
  await recoverDevice(adb, serial, stateDir);
  const state: DeviceState = {
    version: 1,
    serial,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpProxyBefore: settingValue(await adb.shell(serial, 'settings get global http_proxy')),
    reversePorts: [],
    deviceFiles: [],
    systemCaOverlay: false,
  };
  writeState(stateDir, state);

  state.reversePorts.push(proxy.port);
  writeState(stateDir, state);
  await adb.on(serial, ['reverse', `tcp:${proxy.port}`, `tcp:${proxy.port}`]);
  await adb.shell(serial, `settings put global http_proxy 127.0.0.1:${proxy.port}`);

  const { caStore, notes } = await installCa(adb, serial, proxy.caCertPem, state, stateDir);
  return { state, caStore, notes };
}

async function installCa(
  adb: Adb,
  serial: string,
  pem: string,
  state: DeviceState,
  stateDir: string,
): Promise<{ caStore: CaStore; notes: string[] }> {
  const notes: string[] = [];
  const hash = subjectHashOld(pem);
  const local = join(tmpdir(), `phonehome-ca-${process.pid}-${hash}.pem`);
  writeFileSync(local, pem);
  try {
    const rooted = (await adb.shell(serial, 'id -u')).trim() === '0';
    if (!rooted) {
      // Without root the user store can only be filled through Settings, by hand.
      const pushed = `/sdcard/Download/phonehome-ca-${hash}.crt`;
      state.deviceFiles.push(pushed);
      writeState(stateDir, state);
      await adb.on(serial, ['push', local, pushed]);
      notes.push(
        `CA pushed to ${pushed}; without root it must be installed by hand (Settings → Security → Install a certificate → CA certificate), else TLS stays opaque and verdicts inconclusive`,
      );
      return { caStore: 'pushed-for-manual-install', notes };
    }
    const staged = `${DEVICE_TMP}/phonehome-ca-${hash}.pem`;
    const userFile = `${USER_CACERTS}/${hash}.0`;
    state.deviceFiles.push(staged, userFile);
    writeState(stateDir, state);
    await adb.on(serial, ['push', local, staged]);
    await adb.shell(serial, `mkdir -p ${USER_CACERTS} && cp ${staged} ${userFile} && chmod 644 ${userFile}`);

    const sdk = Number.parseInt((await adb.shell(serial, 'getprop ro.build.version.sdk')).trim(), 10);
    if (sdk >= 34) {
      notes.push(
        'Android 14+ reads system CAs from the Conscrypt APEX; the CA is in the user store only (apps that ignore user CAs stay opaque)',
      );
      return { caStore: 'user', notes };
    }
    // A tmpfs over the system folder: copy the stock CAs in, add ours, and umount to undo. Nothing
    // on the system partition changes, and a reboot also undoes it.
    const copy = `${DEVICE_TMP}/phonehome-cacerts`;
    state.deviceFiles.push(copy);
    state.systemCaOverlay = true;
    writeState(stateDir, state);
    await adb.shell(
      serial,
      [
        `rm -rf ${copy} && mkdir -p ${copy} && cp ${SYSTEM_CACERTS}/* ${copy}/`,
        `mount -t tmpfs tmpfs ${SYSTEM_CACERTS}`,
        `cp ${copy}/* ${SYSTEM_CACERTS}/ && cp ${staged} ${SYSTEM_CACERTS}/${hash}.0`,
        `chmod 644 ${SYSTEM_CACERTS}/* && chcon u:object_r:system_file:s0 ${SYSTEM_CACERTS}/*`,
      ].join(' && '),
    );
    return { caStore: 'user+system', notes };
  } finally {
    rmSync(local, { force: true });
  }
}

/**
 * Undo everything a state file records, best effort: every step is tried even when one fails,
 * then the state file is removed. Resolves with the steps that failed (empty when all went back).
 */
export async function restoreDevice(adb: Adb, state: DeviceState, stateDir: string): Promise<string[]> {
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message}`);
    }
  };
  const { serial } = state;
  await attempt('http_proxy', async () => {
    if (state.httpProxyBefore) {
      await adb.shell(serial, `settings put global http_proxy ${state.httpProxyBefore}`);
    } else {
      // `:0` clears the proxy at once on every version; deleting alone may wait for a reboot.
      await adb.shell(serial, 'settings put global http_proxy :0');
      await adb.shell(serial, 'settings delete global http_proxy');
    }
  });
  for (const port of state.reversePorts) {
    await attempt(`reverse tcp:${port}`, () => adb.on(serial, ['reverse', '--remove', `tcp:${port}`]));
  }
  if (state.systemCaOverlay) {
    await attempt('system CA overlay', () => adb.shell(serial, `umount ${SYSTEM_CACERTS}`));
  }
  if (state.deviceFiles.length) {
    await attempt('device files', () => adb.shell(serial, `rm -rf ${state.deviceFiles.join(' ')}`));
  }
  rmSync(stateFilePath(stateDir, serial), { force: true });
  return failures;
}

/**
 * Check, from the device, that the proxy port answers: the reverse must be listed, and a TCP
 * connect from the device (toybox nc) must succeed.
 * @throws AndroidError `proxy-unreachable` with the fix.
 */
export async function probeProxy(adb: Adb, serial: string, port: number): Promise<void> {
  const reverses = await adb.on(serial, ['reverse', '--list']);
  if (!new RegExp(`tcp:${port}\\s+tcp:${port}\\b`).test(reverses)) {
    throw androidErrors.proxyUnreachable(serial, port, `adb reverse does not list tcp:${port}`);
  }
  const out = await adb.shell(
    serial,
    `toybox nc -q 0 -w 3 127.0.0.1 ${port} </dev/null; echo phonehome-rc=$?`,
  );
  const rc = /phonehome-rc=(\d+)/.exec(out)?.[1];
  // 127: no toybox nc on this build; the reverse listing is then the only check there is.
  if (rc !== '0' && rc !== '127') {
    throw androidErrors.proxyUnreachable(
      serial,
      port,
      `connect from the device failed (nc exit ${rc ?? '?'})`,
    );
  }
}
