import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../drivers/driver.ts';
import { epiphanyDriver, epiphanyWebsiteData } from '../../drivers/epiphany.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import { defaultTarget } from '../targets.ts';
import {
  describeEachMode,
  expectOwnMode,
  expectOwnRequestsRead,
  itNamesItsVersion,
  itSearchesAndFollows,
  tlsOpaqueSeen,
  untrustedCa,
} from './behind-capture.ts';
import { describeSealedVisit } from './sealed-session.ts';

const target: TargetConfig = defaultTarget('gnome-web');

const browsers = describeEachMode(
  epiphanyDriver,
  target,
  'epiphany driver (keyboard), %s mode',
  (ep, mode) => {
    // Real keys on a busy machine are sometimes lost; the step is tried again, each time for real.
    itSearchesAndFollows(ep, mode, { canary: 'phcanaryep', retry: 2, timeout: 120_000 });

    it('should send its own filter-list download through the proxy, read over the trusted CA', async () => {
      // GNOME Web fetches its content filter by itself at start.
      await expectOwnRequestsRead(ep, 'easylist');
    }, 40_000);

    it("should be in GNOME Web's own mode, as its profiles show", async () => {
      const stored = await expectOwnMode(ep, mode, () => epiphanyWebsiteData(join(ep.workDir, 'profile')), {
        incognito: ['made its own throw-away profile', 'where it stored no website data'],
      });
      // A normal session keeps what the pages it loaded left (cookies, HSTS, storage).
      if (mode === 'normal') expect(stored.length).toBeGreaterThan(0);
    });

    it('should run GNOME Web with its own defaults: the proxy, no TLS-error or silencing switch', async () => {
      const line = await ep.session.commandLine();
      // epiphany-browser is Debian's link to epiphany, which names itself so.
      expect(line[0]).toMatch(/(^|\/)epiphany$/);
      const args = line.slice(1).filter((a) => !a.includes('='));
      expect(args).toEqual(
        mode === 'incognito' ? ['--incognito-mode'] : ['--profile', join(ep.workDir, 'profile')],
      );
      const env = line.filter((a) => a.includes('=')).map((a) => a.replace(/:\d+$/, ':PORT'));
      expect(env.sort()).toEqual(
        [
          'http_proxy=http://127.0.0.1:PORT',
          'https_proxy=http://127.0.0.1:PORT',
          'WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1',
          `TMPDIR=${join(ep.workDir, 'tmp')}`,
        ].sort(),
      );
    });

    itNamesItsVersion(ep, /^GNOME Web \d+\.\d+$/);
  },
);

describe('epiphany driver (keyboard), certificates', () => {
  it('should refuse the handshake and say so, not load the page, when the proxy signs with a CA the browser does not trust', {
    retry: 2,
    timeout: 150_000,
  }, async () => {
    const ca = await untrustedCa();
    try {
      const { session, capture } = await browsers.launch('normal', { proxy: ca.proxy });
      // GNOME Web aborts the handshake (the capture records it as tls-opaque) and shows its own
      // "Security Violation" page instead: the visit itself never sees the page load.
      session.visit(SEARCH_ENGINE_URL).catch(() => {});
      expect(await tlsOpaqueSeen(capture, 40_000)).toBe(true);
      expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(false);
      // The window title is what the user sees: GNOME Web's error page, not the page.
      const title = () => (session as unknown as { title(): Promise<string> }).title();
      let shown = await title();
      for (let waited = 0; !/Security Violation/.test(shown) && waited < 30_000; waited += 1000) {
        await new Promise((r) => setTimeout(r, 1000));
        shown = await title();
      }
      expect(shown).toMatch(/Security Violation/);
    } finally {
      ca.remove();
    }
  });
});

describeSealedVisit('epiphany driver (keyboard)', epiphanyDriver, target, { retry: 2, timeout: 150_000 });
