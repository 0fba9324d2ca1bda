import { afterAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../drivers/driver.ts';
import { qutebrowserDriver } from '../../drivers/qutebrowser.ts';
import { defaultTarget } from '../targets.ts';
import { behindCapture, expectMode, expectSearchAndFollow } from './behind-capture.ts';
import { describeSealedVisit } from './sealed-session.ts';

const target: TargetConfig = defaultTarget('qutebrowser');

const browsers = behindCapture(qutebrowserDriver, target);
afterAll(() => browsers.closeAll());

describe.each(['normal', 'incognito'] as const)('qutebrowser driver, %s mode', (mode) => {
  const qb = browsers.launchBeforeAll(mode);

  it('should search by typing into the page and follow the first result, over intercepted HTTPS', {
    timeout: 120_000,
  }, async () => {
    await expectSearchAndFollow(qb, `phcanaryqb${mode}`);
  });

  it('should load its own start page by itself through the proxy, read over the trusted CA', async () => {
    // qutebrowser opens its default start page (DuckDuckGo's) at launch, before any step.
    const start = qb.capture.flows().find((f) => f.request.url.startsWith('https://start.duckduckgo.com/'));
    expect(start?.tls?.intercepted).toBe(true);
    expect(qb.capture.gaps().filter((g) => g.kind === 'tls-opaque')).toEqual([]);
  });

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

  it('should name the qutebrowser and QtWebEngine versions', async () => {
    expect(await qb.session.version()).toMatch(/^qutebrowser \d+\.\d+\.\d+ \(QtWebEngine \d+\.\d+\.\d+\)$/);
  });
});

describeSealedVisit('qutebrowser driver', qutebrowserDriver, target, { timeout: 150_000 });
