#!/usr/bin/env node
// The phonehome CLI. `scan` runs from one JavaScript file bundled from its TypeScript sources
// (src/build/cached-bundle.mjs: made once, reused while the sources are unchanged), because it is
// run on its own on large captures, where loading every module through tsx cost ~1.1 s of CPU.
// The other commands, and scan when esbuild cannot run, load the sources through tsx.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cachedBundle } from '../src/build/cached-bundle.mjs';

const argv = process.argv.slice(2);
const scanBundle =
  argv[0] === 'scan'
    ? await cachedBundle(fileURLToPath(new URL('../src/commands/scan-main.ts', import.meta.url)), 'scan')
    : undefined;
if (scanBundle) {
  const { scanMain } = await import(pathToFileURL(scanBundle.file).href);
  process.exitCode = await scanMain(argv.slice(1));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(argv);
}
