import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver, ModeEvidence } from './driver.ts';
import { qtDriver } from './qtwebengine.ts';

/** qutebrowser marks the title of a private window so (its `{private}` title field). */
const PRIVATE_MARK = '[Private Mode]';

/**
 * qutebrowser's arguments, each with why. Its settings stay its own defaults (start page, search
 * engine, content blocking) except the two named here, neither of which sends or holds back data.
 */
export function qutebrowserArgs(
  basedir: string,
  proxyUrl: string,
  port: number,
  incognito: boolean,
  extra: string[] = [],
): string[] {
  return [
    // Config, data and cache in the launch's own folder (and its own IPC socket: never another instance).
    '--basedir',
    basedir,
    // All of Chromium's traffic goes to the capture proxy (qutebrowser's own way to pass a Chromium switch).
    '--qt-flag',
    `proxy-server=${proxyUrl}`,
    // How the driver reaches the page (QtWebEngine serves DevTools only when asked).
    '--qt-flag',
    `remote-debugging-port=${port}`,
    // Its default window title plus its `{private}` field: the mode, as the browser itself knows it.
    '--set',
    'window.title_format',
    '{perc}{current_title}{title_sep}qutebrowser{private}',
    // qutebrowser's own private browsing (every window private, QtWebEngine's off-the-record profile).
    ...(incognito ? ['--set', 'content.private_browsing', 'true'] : []),
    ...extra,
  ];
}

/** Mode evidence: qutebrowser's own window mark and the setting it runs with. */
export function qutebrowserMode(title: string, argv: string[]): ModeEvidence {
  const marked = title.includes(PRIVATE_MARK);
  const at = argv.indexOf('content.private_browsing');
  const set = at > 0 && argv[at - 1] === '--set' && argv[at + 1] === 'true';
  return {
    incognito: marked && set,
    how: marked
      ? `qutebrowser titles its window "…${PRIVATE_MARK}", as it does for a private window, and runs with content.private_browsing set`
      : `qutebrowser's window ("${title}") has no "${PRIVATE_MARK}" mark`,
  };
}

/** qutebrowser's version from the package it runs from. */
function qutebrowserVersion(): string {
  try {
    const init = readFileSync('/usr/lib/python3/dist-packages/qutebrowser/__init__.py', 'utf8');
    return init.match(/__version__ = "([^"]+)"/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Drives qutebrowser (QtWebEngine) on a virtual display, its page over DevTools, in normal and
 * private mode, behind the capture proxy; trust as for Falkon (NSS db in its home, the system
 * certificate folder in its own mount namespace).
 */
export const qutebrowserDriver: Driver = qtDriver({
  id: 'qutebrowser',
  name: 'qutebrowser',
  explain: () =>
    "launches qutebrowser (QtWebEngine; normal or content.private_browsing) behind the capture proxy on a virtual display and drives its page over DevTools, trusting the run's CA through its NSS db and the system certificate folder in its own mount namespace",
  argv: (options, port) =>
    qutebrowserArgs(
      join(options.workDir, 'qutebrowser'),
      options.proxy.url,
      port,
      options.mode === 'incognito',
      options.target.args,
    ),
  version: qutebrowserVersion,
  mode: qutebrowserMode,
});
