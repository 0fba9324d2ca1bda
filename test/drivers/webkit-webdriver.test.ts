import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEndpoint, TargetConfig } from '../../drivers/driver.ts';
import { webkitWebDriverDriver } from '../../drivers/webkit-webdriver.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import { sealUnavailable } from '../../src/seal/namespace.ts';
import { describeUnless } from '../skip-reason.ts';
import { behindCapture, type Launched, tlsOpaqueSeen, untrustedCa } from './behind-capture.ts';
import { withSealedSession } from './sealed-session.ts';

const target: TargetConfig = {
  id: 'webkitgtk',
  name: 'WebKitGTK',
  engine: 'webkit',
  vendorDomains: ['webkitgtk.org', 'webkit.org', 'gnome.org'],
  modes: ['incognito'],
};

const browsers = behindCapture(webkitWebDriverDriver, target);
afterAll(() => browsers.closeAll());
const launch = (proxy?: (p: ProxyEndpoint) => ProxyEndpoint): Promise<Launched> =>
  browsers.launch('incognito', { proxy });

describe('webkit driver', () => {
  let wk: Launched;
  beforeAll(async () => {
    wk = await launch();
  }, 90_000);

  it('should load a page over intercepted HTTPS with the run CA trusted, not with errors ignored', async () => {
    await wk.session.visit(SEARCH_ENGINE_URL);
    const flow = wk.capture.flows().find((f) => f.request.url === SEARCH_ENGINE_URL);
    expect(flow?.transport).toBe('https');
    expect(flow?.tls?.intercepted).toBe(true);
    expect(wk.capture.gaps().filter((g) => g.host === 'search.phonehome.test')).toEqual([]);
  });

  it('should search by typing into the page and follow a result link', async () => {
    await wk.session.search('phcanarywebkit', { engineUrl: SEARCH_ENGINE_URL, via: 'page' });
    const urls = wk.capture.flows().map((f) => f.request.url);
    expect(urls).toContain('https://search.phonehome.test/search?q=phcanarywebkit');
    const landed = await wk.session.follow('a.result');
    expect(landed).toMatch(/^https:\/\/news\.site-a\.test\/article\//);
  });

  it('should refuse an address-bar search with a clear message', async () => {
    await expect(
      wk.session.search('x', { engineUrl: SEARCH_ENGINE_URL, via: 'address-bar' }),
    ).rejects.toThrow(/not supported by the webkit-webdriver driver/);
  });

  it("should run in MiniBrowser's own private mode, keeping no website data", async () => {
    const evidence = await wk.session.mode();
    expect(evidence.incognito).toBe(true);
    expect(evidence.how).toContain('ephemeral');
  });

  it('should run MiniBrowser with its own flags only: proxy, private, automation, no TLS-error switch', async () => {
    const line = await wk.session.commandLine();
    expect(line[0]).toMatch(/MiniBrowser$/);
    expect(line).toContain('--private');
    expect(line).toContain('--automation');
    expect(line.some((a) => a.startsWith('--proxy=http://127.0.0.1:'))).toBe(true);
    expect(line).not.toContain('--ignore-tls-errors');
    expect(line.length).toBe(4);
  });

  it('should name its version the way WebKitWebDriver reports it', async () => {
    expect(await wk.session.version()).toMatch(/^WebKitGTK \d+\.\d+\.\d+$/);
  });

  it('should refuse normal mode with the reason', async () => {
    await expect(
      webkitWebDriverDriver.launch({
        target,
        mode: 'normal',
        proxy: wk.capture.endpoint,
        workDir: join(wk.dir, 'n'),
      }),
    ).rejects.toThrow(/always uses an ephemeral session/);
  });
});

describe('webkit driver, certificate checks', () => {
  it('should fail the handshake, not ignore the error, when the proxy signs with a CA the browser does not trust', async () => {
    const ca = await untrustedCa();
    const { session, capture } = await launch(ca.proxy);
    // WebKit shows its own error page rather than failing the navigation command.
    await session.visit(SEARCH_ENGINE_URL).catch(() => {});
    expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(false);
    expect(await tlsOpaqueSeen(capture, 5000)).toBe(true);
    ca.remove();
  }, 120_000);
});

describeUnless(sealUnavailable())('webkit driver, sealed network', () => {
  it('should run inside a sealed namespace and reach the proxy through its bridge', async () => {
    await withSealedSession(webkitWebDriverDriver, target, 'incognito', async (session, capture) => {
      await session.visit(SEARCH_ENGINE_URL);
      expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(true);
    });
  }, 120_000);
});
