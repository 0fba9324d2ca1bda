import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG, defaultClaims, vendorCatalogFiles } from '../../src/claims/catalog/index.ts';
import { loadClaims } from '../../src/claims/load.ts';
import { quoteNotInResources } from '../../src/promise/promise.ts';
import { binaryStrings, omniFtlMessages, pakStrings } from '../../src/promise/resources.ts';

/**
 * Where each vendor file's words are installed on this machine. A vendor file with quotes and no
 * entry here fails the test: a quote nobody can check is not written.
 */
const RESOURCES: Record<string, () => string[]> = {
  'chromium.yaml': () => pakStrings('/usr/lib/chromium/locales/en-US.pak'),
  'firefox.yaml': () => omniFtlMessages('/usr/lib/firefox-esr/browser/omni.ja', /aboutPrivateBrowsing\.ftl$/),
  'gnome-web.yaml': () => binaryStrings('/usr/lib/x86_64-linux-gnu/epiphany-browser/libephymain.so'),
};

describe('vendor claim files', () => {
  it.each(vendorCatalogFiles().map((f) => [basename(f), f]))(
    'should quote %s verbatim from the installed browser, or quote nothing and say why',
    async (name, file) => {
      const claims = await loadClaims(file);
      expect(claims.length).toBeGreaterThan(0);
      for (const claim of claims) {
        // Every vendor claim says which targets it is about; the rest of the matrix reads not applicable.
        expect(claim.appliesTo, claim.id).toBeDefined();
        if (claim.quote === undefined) {
          expect(claim.generic, `${claim.id}: a claim without the vendor's words is generic`).toBe(true);
          continue;
        }
        expect(claim.source, claim.id).toMatch(/^(browser UI: |https:\/\/)/);
        const resources = RESOURCES[name];
        expect(resources, `${name}: no installed resource to check its quotes against`).toBeDefined();
        const strings = resources!();
        expect(strings.length, name).toBeGreaterThan(10);
        expect(quoteNotInResources(claim.quote, strings), claim.id).toEqual([]);
        // A reworded quote is caught: the last long word of its longest part changed.
        const longest = claim.quote.split(' / ').sort((a, b) => b.length - a.length)[0]!;
        const reworded = longest.replace(/\b(\w{4,})\b(?!.*\b\w{4,}\b)/, '$1s');
        expect(reworded).not.toBe(longest);
        expect(quoteNotInResources(reworded, strings), `${claim.id}: reworded`).toEqual([reworded]);
      }
      // A file that quotes nothing says in words why the vendor's own could not be quoted.
      if (claims.every((c) => c.quote === undefined)) {
        expect(readFileSync(file, 'utf8')).toMatch(/could NOT be found\s+(?:#\s*)?verbatim/);
      }
    },
  );

  it('should keep the generic catalog generic: no paraphrase passed off as a source, every claim marked', async () => {
    const text = readFileSync(DEFAULT_CATALOG, 'utf8');
    expect(text).not.toMatch(/paraphrase/i);
    for (const claim of await loadClaims(DEFAULT_CATALOG)) {
      expect(claim.generic, claim.id).toBe(true);
      expect(claim.quote, claim.id).toBeUndefined();
      expect(claim.appliesTo, claim.id).toBeUndefined();
    }
  });

  it('should load the generic catalog and every vendor file as the default claims, ids unique', async () => {
    const claims = await defaultClaims();
    const ids = claims.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const file of vendorCatalogFiles()) {
      for (const c of await loadClaims(file)) expect(ids).toContain(c.id);
    }
    expect(claims.filter((c) => c.quote).map((c) => c.id)).toEqual([
      'chromium-incognito-saves-no-browsing-data',
      'chromium-incognito-no-search-suggestions',
      'firefox-private-leaves-no-traces',
      'gnome-web-incognito-keeps-nothing',
    ]);
  });

  it('should find the Chromium and Firefox quotes in the promise those browsers show (the texts run.json keeps)', () => {
    // The lines tests read from the running browsers (test/promise/), as normalised there.
    const chromiumPage = [
      'Chromium won’t save:',
      'Your browsing history',
      'Cookies and site data',
      'Information entered in forms',
    ];
    const firefoxPage = [
      'Leave no traces on this device',
      'Firefox deletes your cookies, history, and site data when you close all your private windows.',
    ];
    expect(
      quoteNotInResources(
        'Chromium won’t save: / Your browsing history / Cookies and site data / Information entered in forms',
        chromiumPage,
      ),
    ).toEqual([]);
    expect(
      quoteNotInResources(
        'Leave no traces on this device / Firefox deletes your cookies, history, and site data when you close all your private windows.',
        firefoxPage,
      ),
    ).toEqual([]);
  });
});
