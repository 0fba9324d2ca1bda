import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The worker's entry through tsx: every TypeScript module compiled and loaded one by one. */
export const TSX_WORKER_ENTRY = new URL('./pool-worker.mjs', import.meta.url);

const BODY = fileURLToPath(new URL('./pool-worker-body.ts', import.meta.url));
/** Where bundles are kept: under node_modules, so the bundle's package imports resolve from it. */
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/phonehome/', import.meta.url));

let built: URL | undefined;

/**
 * The worker thread's script, as one JavaScript file bundled from its TypeScript sources with
 * esbuild (packages stay imports). A worker loading its sources through tsx spent ~1.9 s of CPU
 * before its first batch (profile of `phonehome scan`, bench/scan.ts), each worker again; the
 * bundle loads as plain JavaScript. Bundling takes ~0.2 s once per process; the file is named by
 * its content's hash, so a changed source gives a new file and an unchanged one is reused. When
 * esbuild cannot run, the tsx entry is used: slower, the same results.
 */
export function bundledWorkerEntry(): URL {
  if (built) return built;
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({
      entryPoints: [BODY],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]?.contents;
    if (!code) throw new Error('esbuild wrote nothing');
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    const file = join(CACHE_DIR, `pool-worker-${hash}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(CACHE_DIR, { recursive: true });
      // Written beside, then renamed: another process never loads a half-written bundle.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    }
    built = pathToFileURL(file);
  } catch {
    built = TSX_WORKER_ENTRY;
  }
  return built;
}
