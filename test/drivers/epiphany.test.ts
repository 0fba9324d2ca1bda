import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../drivers/driver.ts';
import { epiphanyDriver, epiphanyWebsiteData } from '../../drivers/epiphany.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import { sealUnavailable } from '../../src/seal/namespace.ts';
import { describeUnless } from '../skip-reason.ts';
import { behindCapture, type Launched } from './behind-capture.ts';
import { withSealedSession } from './sealed-session.ts';

const target: TargetConfig = {
  id: 'gnome-web',
  name: 'GNOME Web',
  engine: 'webkit',
  driver: 'epiphany',
  vendorDomains: ['gnome.org'],
};

const browsers = behindCapture(epiphanyDriver, target);
afterAll(() => browsers.closeAll());

describe.each(['normal', 'incognito'] as const)('epiphany driver (keyboard), %s mode', (mode) => {
  let ep: Launched;
  beforeAll(async () => {
    ep = await browsers.launch(mode);
  }, 90_000);

  // Real keys on a busy machine are sometimes lost; the step is tried again, each time for real.
  it('should search by typing into the page and follow the first result, over intercepted HTTPS', {
    retry: 2,
    timeout: 120_000,
  }, async () => {
    await ep.session.search(`phcanaryep${mode}`, { engineUrl: SEARCH_ENGINE_URL, via: 'page' });
    const results = ep.capture
      .flows()
      .find((f) => f.request.url === `https://search.phonehome.test/search?q=phcanaryep${mode}`);
    expect(results?.tls?.intercepted).toBe(true);
    const landed = await ep.session.follow('a.result');
    expect(landed).toMatch(/^https:\/\/news\.site-a\.test\/article\/r[0-9a-f]{12}$/);
    expect(ep.capture.flows().some((f) => f.request.url === landed)).toBe(true);
  });

  it('should send its own filter-list download through the proxy, read over the trusted CA', async () => {
    // GNOME Web fetches its content filter by itself at start.
    const deadline = Date.now() + 30_000;
    const own = () => ep.capture.flows().filter((f) => f.request.url.includes('easylist'));
    while (own().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(own()[0]?.tls?.intercepted).toBe(true);
    expect(ep.capture.gaps().filter((g) => g.kind === 'tls-opaque')).toEqual([]);
  }, 40_000);

  it("should be in GNOME Web's own mode, as its profiles show", async () => {
    const evidence = await ep.session.mode();
    expect(evidence.incognito).toBe(mode === 'incognito');
    const stored = epiphanyWebsiteData(join(ep.workDir, 'profile'));
    if (mode === 'incognito') {
      expect(evidence.how).toContain('made its own throw-away profile');
      expect(evidence.how).toContain('where it stored no website data');
      expect(stored).toEqual([]);
    } else {
      // A normal session keeps what the pages it loaded left (cookies, HSTS, storage).
      expect(stored.length).toBeGreaterThan(0);
    }
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

  it('should name the GNOME Web version', async () => {
    expect(await ep.session.version()).toMatch(/^GNOME Web \d+\.\d+$/);
  });
});

describeUnless(sealUnavailable())('epiphany driver (keyboard), sealed network', () => {
  it('should run inside a sealed namespace and reach the proxy through its bridge', {
    retry: 2,
    timeout: 150_000,
  }, async () => {
    await withSealedSession(epiphanyDriver, target, 'normal', async (session, capture) => {
      await session.visit(SEARCH_ENGINE_URL);
      expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(true);
    });
  });
});
