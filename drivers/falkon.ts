import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver, ModeEvidence } from './driver.ts';
import { qtDriver } from './qtwebengine.ts';

/**
 * Falkon's arguments, each with why. Nothing else: its settings stay its own defaults (ad block with
 * its filter-list downloads, start page, search engine).
 */
export function falkonArgs(incognito: boolean, extra: string[] = []): string[] {
  return [
    // A browser instance of its own, never a message to another running Falkon.
    '--no-remote',
    // Falkon's own private browsing (QtWebEngine's off-the-record profile).
    ...(incognito ? ['--private-browsing'] : []),
    ...extra,
  ];
}

/** Falkon marks the title of a private window so. */
const PRIVATE_MARK = ' - Falkon (Private Browsing)';

/** Files Falkon's web engine keeps for websites in the profile (cookies, cache, storage). */
export function falkonWebsiteData(homeDir: string): string[] {
  const profile = join(homeDir, '.config/falkon/profiles/default');
  if (!existsSync(profile)) return [];
  return readdirSync(profile).filter((n) => /^(Cookies|Local Storage|IndexedDB|Session Storage)$/.test(n));
}

/** Mode evidence: Falkon's own window mark, its command line, and what it stored for websites. */
export function falkonMode(title: string, argv: string[], homeDir: string): ModeEvidence {
  const marked = title.endsWith(PRIVATE_MARK);
  const flag = argv.includes('--private-browsing');
  const stored = falkonWebsiteData(homeDir);
  return {
    incognito: marked && flag,
    how: marked
      ? `Falkon titles its window "…${PRIVATE_MARK}", as it does for a private window, and runs with --private-browsing${
          stored.length === 0 ? '; it has stored no website data in its profile' : ''
        }`
      : `Falkon's window ("${title}") has no "(Private Browsing)" mark${
          stored.length > 0 ? `; its profile keeps website data (${stored.join(', ')})` : ''
        }`,
  };
}

/**
 * Drives Falkon (QtWebEngine) on a virtual display, its page over DevTools, in normal and private mode, behind the
 * capture proxy; its Chromium trusts the run's CA through the NSS db in its home, Qt's own network
 * stack through the system folder seen from its mount namespace.
 */
export const falkonDriver: Driver = qtDriver({
  id: 'falkon',
  name: 'Falkon',
  explain: () =>
    "launches Falkon (QtWebEngine; normal or --private-browsing) behind the capture proxy on a virtual display and drives its page over DevTools, trusting the run's CA through its NSS db and the system certificate folder in its own mount namespace",
  argv: (options) => falkonArgs(options.mode === 'incognito', options.target.args),
  chromiumFlags: (options, port) => [
    // All of Chromium's traffic goes to the capture proxy, which answers it itself.
    `--proxy-server=${options.proxy.url}`,
    // How the driver reaches the page (QtWebEngine serves DevTools only when asked).
    `--remote-debugging-port=${port}`,
  ],
  version: falkonVersion,
  mode: falkonMode,
});

/** Falkon's version from its installed plug-in folder's library name, else from `falkon --version`. */
function falkonVersion(): string {
  try {
    const lib = readdirSync('/usr/lib/x86_64-linux-gnu').find((n) =>
      /^libFalkonPrivate\.so\.\d+\.\d+\.\d+$/.test(n),
    );
    return lib?.match(/\.so\.(\d+\.\d+\.\d+)$/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
