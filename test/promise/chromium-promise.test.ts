import { afterAll, describe, expect, it } from 'vitest';
import { chromiumDriver } from '../../drivers/chromium.ts';
import type { TargetConfig } from '../../drivers/driver.ts';
import { linesNotInResources } from '../../src/promise/promise.ts';
import { pakStrings } from '../../src/promise/resources.ts';
import { behindCapture } from '../drivers/behind-capture.ts';

const target: TargetConfig = {
  id: 'chromium',
  name: 'Chromium',
  engine: 'chromium',
  vendorDomains: ['chromium.org', 'google.com'],
};
const browsers = behindCapture(chromiumDriver, target);
afterAll(() => browsers.closeAll());

describe("the promise, read from Chromium's own incognito page", () => {
  it('should read the incognito new-tab text, in the browser’s own words from its en-US.pak', async () => {
    const { session } = await browsers.launch('incognito');
    const promise = await session.promise?.();
    expect(promise).toBeDefined();
    expect(promise!.source).toBe('browser UI: chrome://newtab/ (the incognito new tab page)');
    expect(promise!.locale).toBe('en-US');
    expect(promise!.version).toMatch(/^Chromium \d+\./);
    expect(promise!.text.split('\n')).toContain('You’ve gone Incognito');
    expect(promise!.text).toMatch(/Information entered in forms/);
    // Every line is a string of the installed browser (placeholders and markup aside).
    const strings = pakStrings('/usr/lib/chromium/locales/en-US.pak');
    expect(strings.length).toBeGreaterThan(1000);
    expect(linesNotInResources(promise!.text, strings)).toEqual([]);
    // A reworded line is caught.
    const reworded = promise!.text.replace('Cookies and site data', 'Cookies and some site data');
    expect(linesNotInResources(reworded, strings)).toEqual(['Cookies and some site data']);
  }, 120_000);

  it('should read no promise in a normal window, which opens with no such page', async () => {
    const { session } = await browsers.launch('normal');
    expect(await session.promise?.()).toBeUndefined();
  }, 120_000);
});
