import type { Token } from '../../src/model/token.ts';
import { type Adb, parseGetprop } from './adb.ts';

/** What a device says about itself over adb. Optional fields were not readable on this device. */
export interface DeviceIdentity {
  /** The adb serial the device was addressed by. */
  serial: string;
  /** `ro.serialno`, when it differs from the adb serial (network devices) or is readable. */
  hardwareSerial?: string;
  androidId?: string;
  manufacturer?: string;
  model: string;
  androidVersion: string;
  sdk?: number;
  fingerprint: string;
  advertisingId?: string;
  imei?: string;
  /** One sentence per identifier that could not be read, and why. */
  notes: string[];
}

export { maskIdentifier } from '../../src/report/mask.ts';

/** The firmware column: model plus build fingerprint, the key two firmware builds are compared by. */
export function firmwareOf(identity: Pick<DeviceIdentity, 'model' | 'fingerprint'>): string {
  return `${identity.model} · ${identity.fingerprint}`;
}

/**
 * Decode the UTF-16 string a `service call …` answer carries, e.g.
 * `Result: Parcel(0x00000000: 00000000 0000000f 00350033 … '........3.5.')`.
 * The quoted columns hold the characters with dots between them; the hex words are authoritative.
 */
export function parseServiceCallString(output: string): string {
  const words = [...output.matchAll(/0x[0-9a-f]{8}:((?:\s+[0-9a-f]{8}){1,4})/gi)].flatMap((m) =>
    (m[1] ?? '').trim().split(/\s+/),
  );
  // Word 0 is the status, word 1 the length in UTF-16 units; then two units a word, low half first.
  if (words.length < 3 || Number.parseInt(words[0] ?? '1', 16) !== 0) return '';
  const length = Number.parseInt(words[1] ?? '0', 16);
  if (length <= 0 || length > 64) return '';
  const units: number[] = [];
  for (const word of words.slice(2)) {
    const n = Number.parseInt(word, 16);
    units.push(n & 0xffff, n >>> 16);
  }
  return String.fromCharCode(...units.slice(0, length));
}

/** Parse Google Play services' `adid_settings.xml` for the advertising ID. */
export function parseAdvertisingId(xml: string): string | undefined {
  const m = /<string name="adid_key">([0-9a-f-]{36})<\/string>/i.exec(xml);
  return m?.[1]?.toLowerCase();
}

/**
 * Read the device's identifiers over adb. Never throws for one unreadable identifier: that becomes
 * a note; only a failing `getprop` (the device is gone) throws.
 */
export async function readIdentity(adb: Adb, serial: string): Promise<DeviceIdentity> {
  const props = parseGetprop(await adb.shell(serial, 'getprop'));
  const notes: string[] = [];
  const identity: DeviceIdentity = {
    serial,
    model: props.get('ro.product.model') || 'unknown model',
    androidVersion: props.get('ro.build.version.release') || 'unknown',
    fingerprint: props.get('ro.build.fingerprint') || 'unknown',
    notes,
  };
  const manufacturer = props.get('ro.product.manufacturer');
  if (manufacturer) identity.manufacturer = manufacturer;
  const sdk = Number.parseInt(props.get('ro.build.version.sdk') ?? '', 10);
  if (Number.isFinite(sdk)) identity.sdk = sdk;
  const hardwareSerial = props.get('ro.serialno') || props.get('ro.boot.serialno');
  if (hardwareSerial) identity.hardwareSerial = hardwareSerial;
  else notes.push('hardware serial (ro.serialno) is not readable by the shell user on this build');

  const androidId = (await tryShell(adb, serial, 'settings get secure android_id')).trim();
  if (/^[0-9a-f]{8,}$/i.test(androidId)) identity.androidId = androidId;
  else notes.push('Android ID could not be read with `settings get secure android_id`');

  // Readable only when adbd runs as root (emulators, userdebug builds).
  const adid = parseAdvertisingId(
    await tryShell(
      adb,
      serial,
      'cat /data/data/com.google.android.gms/shared_prefs/adid_settings.xml 2>/dev/null',
    ),
  );
  if (adid) identity.advertisingId = adid;
  else notes.push('advertising ID not readable (needs root and Google Play services)');

  // Android 10+ lets only privileged callers read the IMEI; the shell user often may not.
  const imei = parseServiceCallString(
    await tryShell(adb, serial, 'service call iphonesubinfo 1 s16 com.android.shell 2>/dev/null'),
  );
  if (/^\d{14,16}$/.test(imei)) identity.imei = imei;
  else notes.push('IMEI not readable by the shell user (not permitted on this build, or no telephony)');
  return identity;
}

async function tryShell(adb: Adb, serial: string, command: string): Promise<string> {
  try {
    return await adb.shell(serial, command);
  } catch {
    return '';
  }
}

/** Shortest value worth searching traffic for: shorter ones (e.g. Android version `14`) match by chance. */
const MIN_TOKEN_LENGTH = 6;

/**
 * The identity as tokens for detection: unique identifiers as `device-id` (data class device-ids),
 * descriptive ones as `device-info`. Values too short to search for reliably are left out.
 */
export function identityTokens(identity: DeviceIdentity): Token[] {
  const tokens: Token[] = [];
  const add = (value: string | undefined, kind: 'device-id' | 'device-info', label: string) => {
    if (!value || value.length < MIN_TOKEN_LENGTH) return;
    if (tokens.some((t) => t.value === value)) return;
    tokens.push({ value, kind, dataClass: kind === 'device-id' ? 'device-ids' : 'device-info', label });
  };
  add(identity.androidId, 'device-id', 'android-id');
  add(identity.hardwareSerial, 'device-id', 'serial');
  // Emulator serials (`emulator-5554`) are adb's names, not the device's: never sent by the device.
  if (!/^emulator-\d+$/.test(identity.serial) && !identity.serial.includes(':')) {
    add(identity.serial, 'device-id', 'serial');
  }
  add(identity.advertisingId, 'device-id', 'advertising-id');
  add(identity.imei, 'device-id', 'imei');
  if (identity.model !== 'unknown model') add(identity.model, 'device-info', 'model');
  if (identity.fingerprint !== 'unknown') add(identity.fingerprint, 'device-info', 'build-fingerprint');
  return tokens;
}
