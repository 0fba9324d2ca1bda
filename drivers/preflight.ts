import { accessSync, constants } from 'node:fs';
import { getDriver, type TargetConfig } from './driver.ts';
import './registry.ts';
import { DEFAULT_MINIBROWSER, SYSTEM_CA_BUNDLE } from './webkitgtk.ts';
import { startXDisplay, type XDisplay } from './x-display.ts';

/** A target of the run, and whether any of its scenarios needs a window (a virtual display). */
export interface PreflightItem {
  target: TargetConfig;
  headed: boolean;
}

export interface PreflightDeps {
  /** Starts a virtual display (the real Xvfb by default); the check stops it at once. */
  startDisplay?: () => Promise<XDisplay>;
  /** The Android check (adb, device, app, Appium); tests point it at a fake adb. */
  android?: (target: TargetConfig) => Promise<string[]>;
}

const XVFB: Need = ['/usr/bin/Xvfb', 'xvfb'];
const XDOTOOL: Need = ['/usr/bin/xdotool', 'xdotool'];
/** A path a driver runs or reads, and the Debian package that provides it. */
type Need = readonly [path: string, debianPackage: string];

/** What each desktop driver runs, by driver id: the browser first, then its tools. */
function desktopNeeds(driver: string, target: TargetConfig, headed: boolean): Need[] | undefined {
  const window = headed ? [XVFB, XDOTOOL] : [];
  switch (driver) {
    case 'chromium':
      return [[target.executablePath ?? '/usr/bin/chromium', 'chromium'], ...window];
    case 'firefox':
      return [[target.executablePath ?? '/usr/bin/firefox-esr', 'firefox-esr'], ...window];
    case 'webkit':
      // MiniBrowser always runs in a window here, read back through the clipboard.
      return [
        [target.executablePath ?? DEFAULT_MINIBROWSER, 'webkit2gtk-driver'],
        XVFB,
        XDOTOOL,
        ['/usr/bin/xclip', 'xclip'],
        [SYSTEM_CA_BUNDLE, 'ca-certificates'],
      ];
    case 'webkit-webdriver':
      return [
        [target.executablePath ?? DEFAULT_MINIBROWSER, 'webkit2gtk-driver'],
        ['/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'],
        XVFB,
        [SYSTEM_CA_BUNDLE, 'ca-certificates'],
      ];
    case 'falkon':
    case 'qutebrowser':
      // QtWebEngine browsers always run in a window; their CA trust needs certutil and openssl.
      return [
        [target.executablePath ?? `/usr/bin/${driver}`, driver],
        XVFB,
        XDOTOOL,
        ['/usr/bin/certutil', 'libnss3-tools'],
        ['/usr/bin/openssl', 'openssl'],
      ];
    case 'epiphany':
      return [
        [target.executablePath ?? '/usr/bin/epiphany-browser', 'epiphany-browser'],
        XVFB,
        XDOTOOL,
        ['/usr/bin/xclip', 'xclip'],
        ['/usr/bin/dbus-run-session', 'dbus-daemon'],
        ['/usr/bin/openssl', 'openssl'],
      ];
    default:
      return undefined;
  }
}

function missing(target: TargetConfig, [path, pkg]: Need, isBrowser: boolean): string | undefined {
  try {
    accessSync(path, isBrowser || path.startsWith('/usr/bin/') ? constants.X_OK : constants.R_OK);
    return undefined;
  } catch {
    const fix =
      isBrowser && target.executablePath
        ? 'install the browser there, or correct executablePath in the targets file'
        : `bash scripts/setup.sh (as root) installs Debian's ${pkg}`;
    return `${target.id}: ${path} is missing; fix: ${fix}`;
  }
}

/**
 * Checks, before any scenario starts, that every selected target can run: its browser binary and
 * tools are there, an Android device answers over adb with its app installed and Appium up, and a
 * virtual display starts when a scenario needs a window. Resolves with one line per problem (the
 * target, what is wrong, and the fix), without duplicates; none when everything can run.
 */
export async function preflight(items: PreflightItem[], deps: PreflightDeps = {}): Promise<string[]> {
  const problems: string[] = [];
  let display = false;
  for (const { target, headed } of items) {
    const driver = target.driver ?? target.engine;
    try {
      await getDriver(driver);
    } catch (error) {
      problems.push(`${target.id}: ${(error as Error).message}`);
      continue;
    }
    if (driver === 'android') {
      const check = deps.android ?? (await import('./android/preflight.ts')).androidPreflight;
      problems.push(
        ...(await check(target)).map((line) => `${target.id}: ${line.replace(/^android: /, '')}`),
      );
      continue;
    }
    const needs = desktopNeeds(driver, target, headed) ?? [];
    problems.push(...needs.flatMap((need, i) => missing(target, need, i === 0) ?? []));
    display ||= needs.includes(XVFB);
  }
  const unique = [...new Set(problems)];
  // Only a display that really starts proves one is available (Xvfb can be present and still fail).
  if (display && !unique.some((line) => line.includes(XVFB[0]))) {
    const problem = await displayProblem(deps.startDisplay ?? startXDisplay);
    if (problem) unique.push(problem);
  }
  return unique;
}

async function displayProblem(start: () => Promise<XDisplay>): Promise<string | undefined> {
  try {
    (await start()).stop();
    return undefined;
  } catch (error) {
    return `display: ${(error as Error).message}; fix: check that Xvfb runs here (\`Xvfb -displayfd 1\`), bash scripts/setup.sh installs it`;
  }
}
