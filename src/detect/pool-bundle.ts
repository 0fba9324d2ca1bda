import { fileURLToPath, pathToFileURL } from 'node:url';
import { cachedBundleSync } from '../build/cached-bundle.mjs';

/** The worker's entry through tsx: every TypeScript module compiled and loaded one by one. */
export const TSX_WORKER_ENTRY = new URL('./pool-worker.mjs', import.meta.url);

const BODY = fileURLToPath(new URL('./pool-worker-body.ts', import.meta.url));

let built: URL | undefined;

/**
 * The worker thread's script, as one JavaScript file bundled from its TypeScript sources with
 * esbuild (src/build/cached-bundle.mjs; packages stay imports). A worker loading its sources
 * through tsx spent ~1.9 s of CPU before its first batch (profile of `phonehome scan`,
 * bench/scan.ts), each worker again; the bundle loads as plain JavaScript. It is made once and
 * reused while its sources are unchanged. When esbuild cannot run, the tsx entry is used: slower,
 * the same results.
 */
export function bundledWorkerEntry(): URL {
  if (built) return built;
  const bundle = cachedBundleSync(BODY, 'pool-worker');
  built = bundle ? pathToFileURL(bundle.file) : TSX_WORKER_ENTRY;
  return built;
}
