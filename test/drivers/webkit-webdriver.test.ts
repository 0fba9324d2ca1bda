import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProxyEndpoint, TargetConfig } from '../../drivers/driver.ts';
import { webkitWebDriverDriver } from '../../drivers/webkit-webdriver.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import { defaultTarget } from '../targets.ts';
import {
  behindCapture,
  expectInterceptedVisit,
  expectMode,
  expectUntrustedCaRefused,
  itNamesItsVersion,
  itSearchesAndFollows,
  type Launched,
} from './behind-capture.ts';
import { describeSealedVisit } from './sealed-session.ts';

const target: TargetConfig = { ...defaultTarget('webkitgtk'), modes: ['incognito'] };

const browsers = behindCapture(webkitWebDriverDriver, target);
afterAll(() => browsers.closeAll());
const launch = (proxy?: (p: ProxyEndpoint) => ProxyEndpoint): Promise<Launched> =>
  browsers.launch('incognito', { proxy });

describe('webkit driver', () => {
  const wk = browsers.launchBeforeAll('incognito');

  it('should load a page over intercepted HTTPS with the run CA trusted, not with errors ignored', async () => {
    await expectInterceptedVisit(wk);
  });

  itSearchesAndFollows(wk, 'incognito', { canary: 'phcanarywebkit', timeout: 60_000 });

  it('should refuse an address-bar search with a clear message', async () => {
    await expect(
      wk.session.search('x', { engineUrl: SEARCH_ENGINE_URL, via: 'address-bar' }),
    ).rejects.toThrow(/not supported by the webkit-webdriver driver/);
  });

  it("should run in MiniBrowser's own private mode, keeping no website data", async () => {
    const evidence = await expectMode(wk, 'incognito');
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

  itNamesItsVersion(wk, /^WebKitGTK \d+\.\d+\.\d+$/);

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
    // WebKit shows its own error page rather than failing the navigation command.
    await expectUntrustedCaRefused(launch, false);
  }, 120_000);
});

describeSealedVisit('webkit driver', webkitWebDriverDriver, target, { mode: 'incognito', timeout: 120_000 });
