import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { loadRun } from './load.ts';

// The browser is only the report's viewer here, not a target under test.
// A folder of its own: test-results/ is emptied by every Playwright run another test file starts.
let OUT: string;
let browser: Browser;

beforeAll(async () => {
  OUT = mkdtempSync(join(tmpdir(), 'phonehome-html-report-'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless'],
  });
});
afterAll(async () => {
  await browser?.close();
  // The screenshots go where CI uploads test results from.
  const kept = join(process.cwd(), 'test-results', 'report');
  mkdirSync(kept, { recursive: true });
  for (const name of readdirSync(OUT))
    if (name.endsWith('.png')) copyFileSync(join(OUT, name), join(kept, name));
  rmSync(OUT, { recursive: true, force: true });
});

/** Opens a rendered page from a file and records everything the page tries to do. */
async function open(name: string, html: string, viewport = { width: 1280, height: 900 }) {
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const events = {
    dialogs: [] as string[],
    console: [] as string[],
    requests: [] as string[],
    completed: [] as string[],
    errors: [] as string[],
  };
  page.on('dialog', (d) => {
    events.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => events.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => events.errors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) events.requests.push(r.url());
  });
  page.on('requestfinished', (r) => {
    if (r.url() !== url) events.completed.push(r.url());
  });
  await page.goto(url);
  return { page, context, events };
}

describe('HTML report in a real browser', () => {
  it('should show hostile payloads as text and run nothing of them', async () => {
    const run = loadRun('hostile');
    const { page, context, events } = await open('hostile', renderHtml(run, [loadRun('sample')]));
    // Open every cell's evidence, so every payload is on screen, and hover over all of it.
    const buttons = page.locator('.cell button');
    const n = await buttons.count();
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) {
      await buttons.nth(i).click();
      const pop = page.locator('[popover]:popover-open');
      await expect.poll(() => pop.count()).toBe(1);
      await pop.hover();
      await pop.locator('button.close').click();
    }
    const failId = await page.locator('.cell.fail button').first().getAttribute('popovertarget');
    await page.locator(`#${failId}`).evaluate((el) => (el as HTMLElement).showPopover());
    const popText = await page.locator(`#${failId}`).textContent();
    expect(popText).toContain('<script>window.__pwned=1;alert(1)</script>');
    expect(popText).toContain('<img src=x onerror="window.__pwned=1;alert(2)">');
    expect(popText).toContain('javascript:window.__pwned=1;alert(3)');
    const bodyText = await page.locator('body').textContent();
    expect(bodyText).toContain('<img src=x onerror="window.__pwned=1">Chromium');

    // Nothing captured became markup, a link or a script.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('script, img, svg, iframe, object, embed, b, i').count()).toBe(0);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((h) => !h?.startsWith('#'))).toEqual([]);
    expect(await page.locator('[onerror], [onload], [onmouseover]').count()).toBe(0);

    expect(events.dialogs).toEqual([]);
    expect(events.errors).toEqual([]);
    // A CSP violation would mean something tried to run or load: the console must stay silent.
    expect(events.console).toEqual([]);
    expect(events.requests).toEqual([]);
    await context.close();
  });

  it('should enforce its CSP even against markup that slipped into the page', async () => {
    // Proves the second line of defence: inject live markup into the rendered page on purpose.
    const html = renderHtml(loadRun('sample')).replace(
      '<main>',
      '<main><script>window.__pwned=1</script><img src="x" onerror="window.__pwned=2"><div style="color:red" id="styled">x</div>',
    );
    const { page, context, events } = await open('csp', html);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('#styled').evaluate((el) => getComputedStyle(el).color)).not.toBe(
      'rgb(255, 0, 0)',
    );
    expect(events.console.some((c) => c.includes('Content Security Policy'))).toBe(true);
    // The injected image may be announced, but CSP stops it before it loads.
    expect(events.completed).toEqual([]);
    await context.close();
  });

  it('should show the matrix and open a cell evidence, and keep a screenshot', async () => {
    const run = loadRun('extra-leak');
    const { page, context, events } = await open('report', renderHtml(run, [loadRun('sample')]));
    const rows = page.locator('table.matrix tbody tr');
    expect(await rows.count()).toBe(run.claims.length);
    expect(await page.locator('table.matrix thead th[scope=col]').count()).toBe(run.targets.length);
    expect(await page.locator('.cell.fail button').count()).toBe(
      run.cells.filter((c) => c.status === 'fail').length,
    );
    // The stylesheet applied (CSP allowed its hash): failing cells are red.
    const bg = await page
      .locator('.cell.fail button')
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(207, 34, 46)');
    await expect.poll(() => page.locator('#history tbody tr').count()).toBe(2);
    expect(await page.locator('#history').textContent()).toContain('3 regressions');

    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
    // Open the new leak's evidence: the chain and the highlighted token are there.
    const row = rows.filter({ hasText: 'search-terms-stay-with-engine' });
    await row.locator('.cell.fail button').first().click();
    const pop = page.locator('[popover]:popover-open');
    expect(await pop.locator('mark').first().textContent()).toBe('phc-99ee42-search');
    expect(await pop.locator('ol.chain li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(OUT, 'report-evidence.png') });
    expect(events.console).toEqual([]);
    await context.close();
  });

  it('should render a real run (from `phonehome run`) with its evidence, and keep screenshots for the README', async () => {
    const run = loadRun('real');
    const { page, context, events } = await open('real', renderHtml(run));
    expect(await page.locator('table.matrix tbody tr').count()).toBe(run.claims.length);
    expect(await page.locator('.cell button').count()).toBe(run.cells.length);
    await page.screenshot({ path: join(OUT, 'real.png'), fullPage: true });
    const fail = run.cells.find((c) => c.status === 'fail' && c.evidence.length > 0)!;
    const row = run.claims.findIndex((c) => c.id === fail.claim);
    const col = run.targets.findIndex((t) => t.id === fail.target);
    await page.locator('table.matrix tbody tr').nth(row).locator('td').nth(col).locator('button').click();
    const pop = page.locator('[popover]:popover-open');
    expect(await pop.locator('dl.ev mark').first().textContent()).toBe(fail.evidence[0]!.token);
    expect(await pop.locator('ol.chain').first().locator('li').count()).toBe(
      fail.evidence[0]!.chain.length + 1,
    );
    await page.screenshot({ path: join(OUT, 'real-evidence.png') });
    if (process.env.UPDATE_DOCS === '1') {
      copyFileSync(join(OUT, 'real.png'), join(process.cwd(), 'docs', 'report.png'));
      copyFileSync(join(OUT, 'real-evidence.png'), join(process.cwd(), 'docs', 'report-evidence.png'));
    }
    expect(events.console).toEqual([]);
    expect(events.requests).toEqual([]);
    await context.close();
  });

  it('should fit a phone screen: the page does not scroll sideways, the matrix scrolls in its box', async () => {
    const { page, context } = await open('phone', renderHtml(loadRun('sample')), { width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.locator('.cell.fail button').first().click();
    const box = await page.locator('[popover]:popover-open').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(OUT, 'report-phone.png') });
    await context.close();
  });
});
