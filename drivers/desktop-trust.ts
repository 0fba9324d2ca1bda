import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxyEndpoint } from './driver.ts';
import { trustCaInProfile } from './firefox.ts';

/**
 * How the desktop browsers that are not driven over a DevTools protocol trust the run's CA, the way
 * the machine's own store would if its owner had added it: only the browser's processes see it.
 */

/** The system's certificate folder: OpenSSL (Qt's network stack) looks certificates up here by subject hash. */
export const SYSTEM_CERT_DIR = '/etc/ssl/certs';

/**
 * Writes a copy of the system certificate folder with the run's CA added, both as a file with its
 * OpenSSL subject-hash link (what Qt's on-demand lookup reads) and appended to the bundle GnuTLS
 * reads (ca-certificates.crt: WebKitGTK's glib-networking). Returns the folder's path; the browser
 * sees it in place of the system folder (LAUNCH_WITH_TRUST_DIR).
 * @throws when `openssl` cannot hash the CA.
 */
export function writeTrustDir(workDir: string, proxy: ProxyEndpoint): string {
  const dir = join(workDir, 'certs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  // Symlinks are copied as they are: they point into /usr/share/ca-certificates, which stays in place.
  cpSync(SYSTEM_CERT_DIR, dir, { recursive: true, verbatimSymlinks: true });
  const file = 'phonehome-run-ca.pem';
  writeFileSync(join(dir, file), `${proxy.caCertPem.trim()}\n`);
  const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', join(dir, file)], {
    encoding: 'utf8',
  }).trim();
  symlinkSync(file, join(dir, `${hash}.0`));
  const bundle = join(dir, 'ca-certificates.crt');
  rmSync(bundle, { force: true });
  writeFileSync(
    bundle,
    `${readFileSync(join(SYSTEM_CERT_DIR, 'ca-certificates.crt'), 'utf8')}\n${proxy.caCertPem.trim()}\n`,
  );
  return dir;
}

/**
 * The shell script a browser runs under: the trust folder is bind-mounted over the system one in a
 * mount namespace of the browser's own (started by `unshare`, see mountNamespaceArgs), so only this
 * browser trusts the CA and every other certificate check stays as it is. `$1` folder, then the command.
 */
export const LAUNCH_WITH_TRUST_DIR = `mount --bind "$1" ${SYSTEM_CERT_DIR} && shift && exec "$@"`;

/**
 * Adds the run's CA to the NSS database in `$HOME/.pki/nssdb`, which QtWebEngine's Chromium reads
 * for certificate checks, as a CA trusted to identify websites (certutil, as for Firefox's profile).
 */
export async function trustCaInNssHome(homeDir: string, proxy: ProxyEndpoint): Promise<void> {
  const db = join(homeDir, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  await trustCaInProfile(db, proxy);
}
