import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LaunchOptions, ProxyEndpoint, TargetConfig } from './driver.ts';

/** What both WebKitGTK drivers share: MiniBrowser, its CA trust and its folders. */

/** Debian's WebKitGTK MiniBrowser (package webkit2gtk-driver pulls it in). */
export const DEFAULT_MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** The system CA bundle GnuTLS (and so WebKitGTK's glib-networking) reads; compiled into libgnutls. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Throws a one-line fix for the first of `paths` (path → Debian package) that is missing. */
export function requirePaths(target: TargetConfig, paths: readonly (readonly [string, string])[]): void {
  for (const [path, pkg] of paths) {
    if (!existsSync(path)) {
      throw new Error(
        `${target.id}: ${path} is missing (Debian package ${pkg}); run "npm start" (scripts/setup.sh)`,
      );
    }
  }
}

/**
 * Writes a copy of the system bundle with the run's CA added (the browser sees it in place of the
 * system bundle, in a mount namespace of its own) and returns its path.
 */
export function writeCaBundle(workDir: string, proxy: ProxyEndpoint): string {
  mkdirSync(workDir, { recursive: true });
  const bundle = join(workDir, 'ca-bundle.pem');
  writeFileSync(bundle, `${readFileSync(SYSTEM_CA_BUNDLE, 'utf8')}\n${proxy.caCertPem.trim()}\n`);
  return bundle;
}

/**
 * `unshare` arguments for a mount namespace of the browser's own, where the bundle can be
 * bind-mounted over the system one: root unshares it directly; anyone else needs a user namespace.
 */
export function mountNamespaceArgs(): string[] {
  return process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
}

/**
 * The command that runs `script` (`sh -c`, its arguments after it) in a mount namespace of the
 * browser's own, where the script bind-mounts the run's trust over the system's before it starts the
 * browser; wrapped for the seal when there is one.
 */
export function inOwnMountNamespace(
  seal: LaunchOptions['seal'],
  script: string,
  scriptArgs: string[],
): { command: string; args: string[] } {
  const argv = [...mountNamespaceArgs(), '--', 'sh', '-c', script, 'sh', ...scriptArgs];
  return seal?.wrap('unshare', argv) ?? { command: 'unshare', args: argv };
}

/**
 * The browser's own home and XDG folders under `workDir`, so nothing of the host user's profile is
 * read or written; the same folder on a relaunch is the same profile.
 */
export function browserHome(workDir: string): { homeDir: string; env: NodeJS.ProcessEnv } {
  const homeDir = join(workDir, 'home');
  mkdirSync(homeDir, { recursive: true });
  return {
    homeDir,
    env: {
      ...process.env,
      HOME: homeDir,
      XDG_DATA_HOME: join(homeDir, '.local/share'),
      XDG_CACHE_HOME: join(homeDir, '.cache'),
      XDG_CONFIG_HOME: join(homeDir, '.config'),
    },
  };
}

/**
 * Everything a MiniBrowser launch does before its spawn: checks MiniBrowser (the target's, else
 * Debian's), `tools` and the system bundle (a one-line fix for the first missing), writes the run's
 * CA into a bundle of the launch's own, makes the browser's home, and returns the command that runs
 * `script` in the browser's own mount namespace with the bundle as `$1` and `scriptArgs` after it.
 */
export function prepareMiniBrowser(
  options: LaunchOptions,
  tools: readonly (readonly [string, string])[],
  script: string,
  scriptArgs: (binary: string) => string[],
): { binary: string; homeDir: string; env: NodeJS.ProcessEnv; command: string; args: string[] } {
  const { target, proxy, workDir, seal } = options;
  const binary = target.executablePath ?? DEFAULT_MINIBROWSER;
  requirePaths(target, [[binary, 'webkit2gtk-driver'], ...tools, [SYSTEM_CA_BUNDLE, 'ca-certificates']]);
  const bundle = writeCaBundle(workDir, proxy);
  const { homeDir, env } = browserHome(workDir);
  const { command, args } = inOwnMountNamespace(seal, script, [bundle, ...scriptArgs(binary)]);
  return { binary, homeDir, env, command, args };
}

/** Files under `dir`, recursively, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Paths in the browser's data and cache folders that hold website data (not GL or GStreamer caches). */
export function websiteDataPaths(homeDir: string): string[] {
  return filesUnder(homeDir).filter((p) => /(^|\/)(webkitgtk|MiniBrowser)(\/|$)/i.test(p));
}
