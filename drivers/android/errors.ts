/**
 * Everything that can stop an Android launch before a scenario runs. Each message is one line that
 * says what went wrong and how to fix it; the scenario fixture records it as an interrupted scenario,
 * so the cell becomes `error`/`inconclusive`, never `pass`.
 */

export type AndroidErrorCode =
  | 'no-device'
  | 'unauthorized-device'
  | 'offline-device'
  | 'device-in-use'
  | 'adb-missing'
  | 'adb-failed'
  | 'appium-unreachable'
  | 'app-not-installed'
  | 'proxy-unreachable'
  | 'unknown-recipe'
  | 'bad-target'
  | 'recipe-step-failed';

export class AndroidError extends Error {
  readonly code: AndroidErrorCode;
  constructor(code: AndroidErrorCode, message: string) {
    super(message);
    this.name = 'AndroidError';
    this.code = code;
  }
}

/** The one-line message for each failure, with the fix. Kept together so wording stays consistent. */
export const androidErrors = {
  noDevice: (serial: string, seen: string[]) =>
    new AndroidError(
      'no-device',
      `android: no device "${serial}" (adb sees ${seen.length ? seen.join(', ') : 'none'}); fix: connect it with USB debugging on or boot the emulator, then check \`adb devices\``,
    ),
  unauthorized: (serial: string) =>
    new AndroidError(
      'unauthorized-device',
      `android: device "${serial}" is unauthorized; fix: unlock it and accept the "Allow USB debugging" prompt, then rerun`,
    ),
  offline: (serial: string) =>
    new AndroidError(
      'offline-device',
      `android: device "${serial}" is offline; fix: reconnect it or run \`adb reconnect\`, then rerun`,
    ),
  inUse: (serial: string, pid: number) =>
    new AndroidError(
      'device-in-use',
      `android: device "${serial}" is being set up by phonehome process ${pid}; fix: wait for it to finish or stop it, then rerun`,
    ),
  adbMissing: (adb: string) =>
    new AndroidError(
      'adb-missing',
      `android: cannot run adb ("${adb}"); fix: install Android platform-tools or set PHONEHOME_ADB to the adb binary`,
    ),
  adbFailed: (args: string[], detail: string) =>
    new AndroidError('adb-failed', `android: \`adb ${args.join(' ')}\` failed: ${oneLine(detail)}`),
  appiumUnreachable: (url: string, detail: string) =>
    new AndroidError(
      'appium-unreachable',
      `android: Appium is not reachable at ${url} (${oneLine(detail)}); fix: start it with \`npx appium --use-drivers=uiautomator2\` or pass appiumUrl`,
    ),
  appNotInstalled: (serial: string, appPackage: string) =>
    new AndroidError(
      'app-not-installed',
      `android: ${appPackage} is not installed on "${serial}"; fix: install it (Play Store or \`adb -s ${serial} install app.apk\`), or pick another recipe`,
    ),
  proxyUnreachable: (serial: string, port: number, detail: string) =>
    new AndroidError(
      'proxy-unreachable',
      `android: the capture proxy 127.0.0.1:${port} is not reachable from "${serial}" (${oneLine(detail)}); fix: check \`adb -s ${serial} reverse --list\` and that no VPN or private DNS app is active on the device`,
    ),
};

/** First line of a message, trimmed, so wrapped tool output never breaks the one-line rule. */
export function oneLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 300) || 'no output';
}
