import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAUNCH_WITH_TRUST_DIR, writeTrustDir } from './desktop-trust.ts';
import type { Driver, LaunchOptions, ModeEvidence, Session } from './driver.ts';
import { commandLineWithEnv, type KeyboardUi, launchKeyboardBrowser } from './keyboard-browser.ts';
import { browserExecutable, commandLineOf } from './process.ts';
import { browserHome, inOwnMountNamespace, requirePaths } from './webkitgtk.ts';

const run = promisify(execFile);

/**
 * GNOME Web's arguments, each with why. Its settings stay its own defaults (content filters with
 * their downloads, search engine, start page).
 */
export function epiphanyArgs(profileDir: string, incognito: boolean, extra: string[] = []): string[] {
  return [
    // GNOME Web's own private browsing: an instance with a throw-away profile it makes itself.
    // Otherwise a profile folder of the launch's own (kept across the restart scenario's relaunch).
    ...(incognito ? ['--incognito-mode'] : ['--profile', profileDir]),
    ...extra,
  ];
}

/** The environment variables GNOME Web is told things through (shown in commandLine()). */
export const EPIPHANY_ENV_NAMES = [
  'http_proxy',
  'https_proxy',
  'WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS',
  'TMPDIR',
] as const;

/** GNOME Web's environment, each variable with why. Nothing here changes what it sends by itself. */
export function epiphanyEnv(base: NodeJS.ProcessEnv, proxyUrl: string, tmpDir: string): NodeJS.ProcessEnv {
  return {
    ...base,
    // GLib's proxy resolver (all of WebKitGTK's and GNOME Web's own traffic) reads the proxy from here.
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    // WebKitGTK's web-process sandbox (bubblewrap) cannot start in a container without user
    // namespaces for it: every web process crashes at once. The sandbox only confines the process.
    WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1',
    // Where the private instance makes its throw-away profile (inside the launch's folder).
    TMPDIR: tmpDir,
  };
}

export const EPIPHANY_UI: KeyboardUi = {
  name: 'GNOME Web',
  windowClass: 'epiphany',
  openLocation: [['ctrl+l']],
  copyLocation: [['ctrl+l'], ['ctrl+c']],
  copyTyped: [['ctrl+a'], ['ctrl+c']],
  focusFirst: 'click-tab',
  tabKey: 'Tab',
  quit: [['ctrl+q']],
  // While a page loads, GNOME Web titles its window with the host being loaded.
  loading: (title) => /^[^\s/]+\.[a-z]+$/.test(title),
};

/** Files under `dir` (recursively, relative), or none. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** Website data GNOME Web keeps in a profile folder (cookies, storage, HSTS, cache). */
export function epiphanyWebsiteData(profileDir: string): string[] {
  return filesUnder(profileDir).filter((p) => /cookies|storage|hsts|WebsiteData|CacheStorage/i.test(p));
}

/** The throw-away profiles a private instance made under `tmpDir`. */
export function privateProfiles(tmpDir: string): string[] {
  if (!existsSync(tmpDir)) return [];
  return readdirSync(tmpDir).filter((n) => n.startsWith('epiphany-'));
}

/** What a launch found in its folders before GNOME Web started: website data files (with their
 * modification times) and throw-away profiles, so that a relaunch on a used profile is judged on what
 * this launch wrote, not on what an earlier one left. */
export interface EpiphanyFolders {
  websiteData: Map<string, number>;
  privateProfiles: Set<string>;
}

/** Reads `profileDir`'s website data and `tmpDir`'s throw-away profiles as they are now. */
export function epiphanyFolders(profileDir: string, tmpDir: string): EpiphanyFolders {
  return {
    websiteData: new Map(
      epiphanyWebsiteData(profileDir).flatMap((p) => {
        const at = mtimeOf(join(profileDir, p));
        return at === undefined ? [] : [[p, at] as const];
      }),
    ),
    privateProfiles: new Set(privateProfiles(tmpDir)),
  };
}

/** A file's modification time, or undefined when it is gone (a file gone in between counts as written). */
function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const NOTHING_BEFORE: EpiphanyFolders = { websiteData: new Map(), privateProfiles: new Set() };

/**
 * Mode evidence: the private instance runs with --incognito-mode, has made its own throw-away
 * profile, and has written no website data in the launch's profile since `before` (a relaunch in
 * private mode on a profile a normal launch used finds that launch's data there, untouched); a
 * normal one keeps website data there.
 */
export function epiphanyMode(
  argv: string[],
  profileDir: string,
  tmpDir: string,
  before: EpiphanyFolders = NOTHING_BEFORE,
): ModeEvidence {
  const flag = argv.includes('--incognito-mode');
  const stored = epiphanyWebsiteData(profileDir);
  if (flag) {
    const made = privateProfiles(tmpDir).filter((dir) => !before.privateProfiles.has(dir));
    const kept = made.flatMap((dir) => epiphanyWebsiteData(join(tmpDir, dir)));
    const written = stored.filter((p) => {
      const at = mtimeOf(join(profileDir, p));
      return at === undefined || before.websiteData.get(p) !== at;
    });
    const left = stored.length - written.length;
    const earlier =
      left > 0
        ? `; the ${left} website data file(s) an earlier launch left in its profile are untouched`
        : '';
    const where =
      kept.length === 0
        ? 'where it stored no website data'
        : `where it stored website data (${kept.join(', ')})`;
    return {
      incognito: made.length > 0 && written.length === 0 && kept.length === 0,
      how:
        made.length === 0
          ? 'GNOME Web runs with --incognito-mode but made no throw-away profile'
          : written.length > 0
            ? `GNOME Web runs with --incognito-mode and made its own throw-away profile (${made.join(', ')}), but wrote website data in the launch's profile (${written.slice(0, 3).join(', ')})`
            : `GNOME Web runs with --incognito-mode and made its own throw-away profile (${made.join(', ')}), ${where}${earlier}`,
    };
  }
  return {
    incognito: false,
    how: `GNOME Web runs on the profile ${profileDir}${stored.length > 0 ? `, where it keeps website data (${stored.slice(0, 3).join(', ')})` : ''}`,
  };
}

/** The epiphany process among `pid` and its descendants (dbus-run-session starts it as a child). */
export function epiphanyPid(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    const argv0 = commandLineOf(next)[0] ?? '';
    if (/(^|\/)epiphany(-browser)?$/.test(argv0)) return next;
    try {
      const children = readFileSync(`/proc/${next}/task/${next}/children`, 'utf8').trim();
      if (children) queue.push(...children.split(' ').map(Number));
    } catch {
      // Gone in between.
    }
  }
  return undefined;
}

/**
 * Drives GNOME Web (epiphany-browser, WebKitGTK) by keys on a virtual display of its own, in normal
 * and incognito mode, behind the capture proxy; the run's CA is trusted through the system bundle
 * seen from its own mount namespace (as MiniBrowser's).
 */
export const epiphanyDriver: Driver = {
  id: 'epiphany',
  sealing: { outbound: [] },
  explain: () =>
    "launches GNOME Web (epiphany-browser; --profile or --incognito-mode) behind the capture proxy on a virtual display with a D-Bus session of its own and types into it with xdotool, trusting the run's CA through the system bundle in its own mount namespace",
  async launch(options: LaunchOptions): Promise<Session> {
    const binary = browserExecutable(options.target, '/usr/bin/epiphany-browser');
    requirePaths(options.target, [
      ['/usr/bin/Xvfb', 'xvfb'],
      ['/usr/bin/xdotool', 'xdotool'],
      ['/usr/bin/xclip', 'xclip'],
      ['/usr/bin/dbus-run-session', 'dbus-daemon'],
    ]);
    const { env } = browserHome(options.workDir);
    const profileDir = join(options.workDir, 'profile');
    const tmpDir = join(options.workDir, 'tmp');
    mkdirSync(profileDir, { recursive: true });
    mkdirSync(tmpDir, { recursive: true });
    const before = epiphanyFolders(profileDir, tmpDir);
    const trustDir = writeTrustDir(options.workDir, options.proxy);
    const { command, args } = inOwnMountNamespace(options.seal, LAUNCH_WITH_TRUST_DIR, [
      trustDir,
      // A session bus of its own: GNOME Web is a D-Bus activated application.
      'dbus-run-session',
      '--',
      binary,
      ...epiphanyArgs(profileDir, options.mode === 'incognito', options.target.args),
    ]);
    return launchKeyboardBrowser(options, {
      ui: EPIPHANY_UI,
      command,
      args,
      env: epiphanyEnv(env, options.proxy.url, tmpDir),
      logPath: join(options.workDir, 'epiphany.log'),
      version: async (display) => {
        const { stdout } = await run(binary, ['--version'], { env: { ...env, DISPLAY: display } });
        // It prints "Web 43.1".
        return `GNOME ${stdout.trim().split('\n').pop() ?? 'Web unknown'}`;
      },
      mode: async (_title, argv) => epiphanyMode(argv, profileDir, tmpDir, before),
      commandLine: (pid) => commandLineWithEnv(epiphanyPid(pid), EPIPHANY_ENV_NAMES),
    });
  },
};
