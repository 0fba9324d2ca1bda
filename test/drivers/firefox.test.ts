import { afterAll, describe, expect, it } from 'vitest';
import type { ProxyEndpoint } from '../../drivers/driver.ts';
import { FIREFOX_SILENCING_PREFS, firefoxDriver } from '../../drivers/firefox.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import type { Mode } from '../../src/model/flow.ts';
import { defaultTarget } from '../targets.ts';
import {
  behindCapture,
  expectInterceptedVisit,
  expectMode,
  expectSearchAndFollow,
  expectUntrustedCaRefused,
  itNamesItsVersion,
  type Launched,
} from './behind-capture.ts';
import { describeSealedVisit } from './sealed-session.ts';

const target = defaultTarget('firefox-esr');

const browsers = behindCapture(firefoxDriver, target);
afterAll(() => browsers.closeAll());
const launch = (mode: Mode, proxy?: (p: ProxyEndpoint) => ProxyEndpoint, headed = false): Promise<Launched> =>
  browsers.launch(mode, { proxy, headed });

describe('firefox driver, normal mode', () => {
  const normal = browsers.launchBeforeAll('normal');

  it('should load a page over intercepted HTTPS with the run CA trusted in the profile', async () => {
    await expectInterceptedVisit(normal);
  });

  it('should search by typing into the page and follow a result link', async () => {
    const urls = await expectSearchAndFollow(normal, 'phcanaryfirefox');
    expect(urls.length).toBeLessThan(normal.capture.flows().length);
  });

  it('should refuse an address-bar search when launched headless, saying why', async () => {
    await expect(
      normal.session.search('x', { engineUrl: SEARCH_ENGINE_URL, via: 'address-bar' }),
    ).rejects.toThrow(/needs a headed launch/);
  });

  it('should refuse to paste into the address bar when launched headless, saying why', async () => {
    await expect(normal.session.pasteIntoAddressBar?.('https://news.site-a.test/')).rejects.toThrow(
      /needs a headed launch/,
    );
  });

  it('should report normal mode from the browser itself', async () => {
    const evidence = await expectMode(normal, 'normal');
    expect(evidence.how).toContain('globalPrivacyControl=false');
  });

  it('should run with none of the automation prefs that silence Firefox and only its own flags', async () => {
    // mode() above waited for the browser to save its prefs.
    const line = await normal.session.commandLine();
    expect(line[0]).toMatch(/firefox/);
    expect(line).toContain('--profile');
    expect(line).toContain('--headless');
    const prefs = line.filter((l) => l.startsWith('user_pref('));
    expect(prefs).toContain('user_pref("remote.prefs.recommended", false);');
    expect(prefs.some((l) => l.includes('"network.proxy.ssl_port"'))).toBe(true);
    const silencing = prefs.filter((l) =>
      FIREFOX_SILENCING_PREFS.some((p) => l.startsWith(`user_pref("${p}"`)),
    );
    expect(silencing).toEqual([]);
  });

  itNamesItsVersion(normal, /^Firefox \d+\.\d+(\.\d+)?(esr)?$/);

  it("should let Firefox's own background requests reach the proxy", async () => {
    // What the browser sends by itself at first start: remote settings, telemetry, location, …
    const deadline = Date.now() + 25_000;
    const own = () =>
      normal.capture
        .flows()
        .map((f) => new URL(f.request.url).hostname)
        .filter((h) => /(^|\.)(mozilla\.(org|com|net)|firefox\.com)$/.test(h));
    while (own().length === 0 && Date.now() < deadline) await normal.session.idle(500);
    expect(own().length).toBeGreaterThan(0);
  }, 40_000);
});

describe.each(['normal', 'incognito'] as const)('firefox driver, address bar (headed), %s mode', (mode) => {
  it("should send a term typed into Firefox's own address bar to its default engine only", async () => {
    const { session, capture } = await launch(mode, undefined, true);
    expect((await session.mode()).incognito).toBe(mode === 'incognito');
    const term = `phffbar${mode}`;
    await session.search(term, { engineUrl: SEARCH_ENGINE_URL, via: 'address-bar' });
    const carrying = capture.flows().filter((f) => f.request.url.includes(term));
    // Debian's Firefox ESR searches Google from the address bar (client=firefox-b-e).
    expect(carrying.map((f) => new URL(f.request.url).hostname)).toEqual(['www.google.com']);
    expect(new URL(carrying[0]!.request.url).searchParams.get('q')).toBe(term);
    expect(await session.commandLine()).not.toContain('--headless');
  }, 90_000);
});

describe('firefox driver, address bar paste (headed)', () => {
  it("should load a URL pasted into Firefox's own address bar from the clipboard", async () => {
    const { session, capture } = await launch('normal', undefined, true);
    const url = 'https://news.site-a.test/article/phffpaste01';
    await session.pasteIntoAddressBar?.(url);
    const deadline = Date.now() + 20_000;
    const loaded = () => capture.flows().some((f) => f.request.url === url);
    while (!loaded() && Date.now() < deadline) await session.idle(500);
    expect(loaded()).toBe(true);
  }, 90_000);
});

describe('firefox driver, private mode', () => {
  it("should run in Firefox's own private browsing mode", async () => {
    const { session, capture } = await launch('incognito');
    const evidence = await expectMode({ session }, 'incognito');
    expect(evidence.how).toContain('browser.privatebrowsing.autostart=true');
    expect(evidence.how).toContain('globalPrivacyControl=true');
    // The browser itself announces private mode on the wire too.
    await session.visit(SEARCH_ENGINE_URL);
    const flow = capture.flows().find((f) => f.request.url === SEARCH_ENGINE_URL);
    expect(flow?.request.headers.find((h) => h.name.toLowerCase() === 'sec-gpc')?.value).toBe('1');
  }, 90_000);
});

describe('firefox driver, certificate checks', () => {
  it('should fail the handshake, not ignore the error, when the proxy signs with a CA the profile does not trust', async () => {
    // The profile trusts another CA than the one the proxy signs with; the navigation fails.
    await expectUntrustedCaRefused((proxy) => launch('normal', proxy), true);
  }, 90_000);
});

describeSealedVisit('firefox driver', firefoxDriver, target, {
  timeout: 90_000,
  also: async (session) => {
    expect((await session.commandLine()).join(' ')).toContain('--remote-debugging-port 9222');
  },
});
