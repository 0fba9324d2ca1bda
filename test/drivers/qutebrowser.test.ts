import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../drivers/driver.ts';
import { qutebrowserDriver } from '../../drivers/qutebrowser.ts';
import { startCapture } from '../../src/capture/proxy.ts';
import { createWebSink } from '../../src/harness/web/web-sink.ts';
import { defaultTarget } from '../targets.ts';
import {
  describeEachMode,
  expectMode,
  expectOwnRequestsRead,
  itNamesItsVersion,
  itSearchesAndFollows,
  untrustedCa,
} from './behind-capture.ts';
import { describeSealedVisit } from './sealed-session.ts';

const target: TargetConfig = defaultTarget('qutebrowser');

describeEachMode(qutebrowserDriver, target, 'qutebrowser driver, %s mode', (qb, mode) => {
  it('should load its own start page by itself through the proxy, read over the trusted CA', async () => {
    // qutebrowser opens its default start page (DuckDuckGo's) at launch; checked before any step
    // navigates, since a step's navigation can supersede a start page not yet requested.
    await expectOwnRequestsRead(qb, 'https://start.duckduckgo.com/');
  });

  itSearchesAndFollows(qb, mode, { canary: 'phcanaryqb', timeout: 120_000 });

  it("should be in qutebrowser's own mode, as its window title shows", async () => {
    const evidence = await expectMode(qb, mode);
    expect(evidence.how).toContain(mode === 'incognito' ? '[Private Mode]"' : 'no "[Private Mode]" mark');
  });

  it('should run qutebrowser with its own defaults: the proxy and no TLS-error or silencing switch', async () => {
    const line = await qb.session.commandLine();
    expect(line[1]).toMatch(/qutebrowser$/);
    const own = line.slice(2).filter((a) => !a.startsWith('http_proxy=') && !a.startsWith('https_proxy='));
    expect(
      own.map((a) => a.replace(/(:|port=)\d+/g, '$1PORT').replace(/^\/.*\/work\/qutebrowser$/, 'BASEDIR')),
    ).toEqual([
      '--basedir',
      'BASEDIR',
      '--qt-flag',
      'proxy-server=http://127.0.0.1:PORT',
      '--qt-flag',
      'remote-debugging-port=PORT',
      '--set',
      'window.title_format',
      '{perc}{current_title}{title_sep}qutebrowser{private}',
      ...(mode === 'incognito' ? ['--set', 'content.private_browsing', 'true'] : []),
      ...(process.getuid?.() === 0 ? ['QTWEBENGINE_DISABLE_SANDBOX=1'] : []),
    ]);
  });

  itNamesItsVersion(qb, /^qutebrowser \d+\.\d+\.\d+ \(QtWebEngine \d+\.\d+\.\d+\)$/);
});

describe('qutebrowser driver, certificates', () => {
  // Tried twice: a full CI run on a fresh clone (4baf57d) had the launch come up with no refused
  // handshake of the start page within 90 s, cause unknown; alone it passed 2 of 2 just after. A
  // failure says which gaps and flows the capture held.
  it('should refuse the handshake of its start page, not load it, when the proxy signs with a CA the browser does not trust', {
    timeout: 180_000,
    retry: 1,
  }, async () => {
    const ca = await untrustedCa();
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-qutebrowser-ca-'));
    const capture = await startCapture({
      provenance: { runId: 'test', target: 'qutebrowser:normal', scenario: 'driver', mode: 'normal' },
      dir: join(dir, 'capture'),
      sink: createWebSink(),
    });
    // qutebrowser refuses the certificate with an alert the capture sees (tls-opaque) and asks its
    // user whether to go on (content.tls.certificate_errors: ask, its default).
    const launching = qutebrowserDriver.launch({
      target,
      mode: 'normal',
      proxy: ca.proxy(capture.endpoint),
      workDir: join(dir, 'work'),
    });
    const closed = launching.then(
      (s) => s.close().then(() => 'launched, then closed'),
      (e: Error) => `launch failed: ${e.message}`,
    );
    try {
      const deadline = Date.now() + 90_000;
      const refused = () =>
        capture.gaps().some((g) => g.kind === 'tls-opaque' && g.host === 'start.duckduckgo.com');
      while (!refused() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const seen = () =>
        JSON.stringify({
          gaps: capture.gaps().map((g) => `${g.kind} ${g.host ?? ''}`),
          flows: capture.flows().map((f) => f.request.url),
        });
      expect(refused(), seen()).toBe(true);
      expect(capture.flows().some((f) => f.request.url.startsWith('https://start.duckduckgo.com'))).toBe(
        false,
      );
    } finally {
      console.log(await closed);
      await capture.stop();
      rmSync(dir, { recursive: true, force: true });
      ca.remove();
    }
  });
});

describeSealedVisit('qutebrowser driver', qutebrowserDriver, target, { timeout: 150_000 });
