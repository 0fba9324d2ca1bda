import { afterAll, describe, expect, it } from 'vitest';
import { firefoxDriver } from '../../drivers/firefox.ts';
import { linesNotInResources } from '../../src/promise/promise.ts';
import { omniFtlMessages } from '../../src/promise/resources.ts';
import { behindCapture } from '../drivers/behind-capture.ts';
import { defaultTarget } from '../targets.ts';

const target = defaultTarget('firefox-esr');
const browsers = behindCapture(firefoxDriver, target);
afterAll(() => browsers.closeAll());

describe("the promise, read from Firefox's own private-browsing page", () => {
  it('should read about:privatebrowsing’s info block, in the words of the installed omni.ja', async () => {
    const { session } = await browsers.launch('incognito');
    await session.mode(); // waits until Firefox has saved its prefs
    const promise = await session.promise?.();
    expect(promise).toBeDefined();
    expect(promise!.source).toBe('browser UI: about:privatebrowsing (a new tab of a private window)');
    expect(promise!.locale).toBe('en-US');
    expect(promise!.version).toMatch(/^Firefox/);
    expect(promise!.text).toMatch(/when you close all your private windows/);
    // The rotating promotion above it (Focus, VPN, …) is not part of the promise.
    expect(promise!.text).not.toMatch(/Focus|VPN|Download/);
    const messages = omniFtlMessages('/usr/lib/firefox-esr/browser/omni.ja', /aboutPrivateBrowsing\.ftl$/);
    expect(messages.length).toBeGreaterThan(10);
    // Firefox's brand term is a placeholder in its resources ({ -brand-short-name }).
    expect(linesNotInResources(promise!.text, messages)).toEqual([]);
    const reworded = promise!.text.replace('deletes your cookies', 'keeps your cookies');
    expect(linesNotInResources(reworded, messages)).toHaveLength(1);
  }, 150_000);

  it('should read no promise in a normal window', async () => {
    const { session } = await browsers.launch('normal');
    await session.mode();
    expect(await session.promise?.()).toBeUndefined();
  }, 150_000);
});
