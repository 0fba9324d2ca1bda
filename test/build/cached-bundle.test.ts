import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedBundle, cachedBundleSync } from '../../src/build/cached-bundle.mjs';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A two-module project: main.ts re-exports what b.ts says, and b.ts's own URL. */
function project(word: string): { entry: string; b: string; cache: string } {
  dir = mkdtempSync(join(tmpdir(), 'phonehome-bundle-'));
  mkdirSync(join(dir, 'lib'));
  const b = join(dir, 'lib', 'b.ts');
  writeFileSync(b, `export const word: string = '${word}';\nexport const url: string = import.meta.url;\n`);
  const entry = join(dir, 'main.ts');
  writeFileSync(entry, `export { url, word } from './lib/b.ts';\n`);
  return { entry, b, cache: join(dir, 'cache') };
}

describe('cachedBundle', () => {
  it('should reuse the bundle while its sources are unchanged and make a new one when one changes', async () => {
    const { entry, b, cache } = project('first');
    const one = await cachedBundle(entry, 'main', cache);
    expect(one).toMatchObject({ built: true, file: expect.stringMatching(/main-[0-9a-f]{16}\.mjs$/) });
    const again = await cachedBundle(entry, 'main', cache);
    expect(again).toEqual({ file: one!.file, built: false });
    writeFileSync(b, `export const word: string = 'second';\nexport const url: string = import.meta.url;\n`);
    const changed = await cachedBundle(entry, 'main', cache);
    expect(changed?.built).toBe(true);
    expect(changed?.file).not.toBe(one!.file);
    const mod = (await import(pathToFileURL(changed!.file).href)) as { word: string; url: string };
    expect(mod.word).toBe('second');
    // Each module keeps its own import.meta, not the bundle's.
    expect(mod.url).toBe(pathToFileURL(b).href);
  });

  it('should reuse, synchronously, a bundle made by either call, and make one when there is none', async () => {
    const { entry, cache } = project('sync');
    const made = cachedBundleSync(entry, 'main', cache);
    expect(made?.built).toBe(true);
    expect(cachedBundleSync(entry, 'main', cache)).toEqual({ file: made!.file, built: false });
    const mod = (await import(pathToFileURL(made!.file).href)) as { word: string };
    expect(mod.word).toBe('sync');
  });
});
