// A build step without a build command: one JavaScript file bundled with esbuild from an entry's
// TypeScript sources, kept under node_modules/.cache/phonehome and reused while its sources are
// unchanged. Plain JavaScript, because bin/phonehome.js loads it before any TypeScript loader.
// Loading `phonehome scan` through tsx cost ~1.1 s of CPU before the first flow (each module
// compiled, and tsx's helpers on every closure made); the bundle loads in ~0.4 s.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's root (this file is src/build/cached-bundle.mjs). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where bundles are kept: under node_modules, so the bundles' package imports resolve from there. */
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'phonehome');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * An esbuild plugin that writes each module's own `import.meta.url`, `.dirname` and `.filename`
 * into it: in one bundle they would all name the bundle's file, and the sources find files beside
 * themselves (the worker's entry, schemas) through them.
 */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[tj]s$/ }, (args) => {
      const url = pathToFileURL(args.path).href;
      const values = { url, dirname: dirname(args.path), filename: args.path };
      const contents = readFileSync(args.path, 'utf8').replace(
        /\bimport\.meta\.(url|dirname|filename)\b/g,
        (_, k) => JSON.stringify(values[k]),
      );
      return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

const OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  write: false,
  metafile: true,
  logLevel: 'silent',
};

/** The bundle made earlier from `entry`, when every source it was made from is unchanged. */
function fresh(entry, name, cacheDir) {
  try {
    const manifest = JSON.parse(readFileSync(join(cacheDir, `${name}.json`), 'utf8'));
    const file = join(cacheDir, manifest.file);
    if (
      manifest.entry === entry &&
      existsSync(file) &&
      Object.entries(manifest.inputs).every(([p, digest]) => sha256(readFileSync(p)) === digest)
    )
      return { file, built: false };
  } catch {
    // No manifest, an unreadable one, or a source gone: build.
  }
  return undefined;
}

/** Writes esbuild's output and the digests of its sources; each written beside, then renamed. */
function keep(out, entry, name, cacheDir) {
  const code = out.outputFiles[0]?.contents;
  if (!code) return undefined;
  const cwd = process.cwd();
  const inputs = {};
  for (const p of Object.keys(out.metafile.inputs)) {
    const abs = resolve(cwd, p);
    inputs[abs] = sha256(readFileSync(abs));
  }
  const file = join(cacheDir, `${name}-${sha256(code).slice(0, 16)}.mjs`);
  mkdirSync(cacheDir, { recursive: true });
  const write = (path, data) => {
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, data);
    renameSync(partial, path);
  };
  if (!existsSync(file)) write(file, code);
  write(join(cacheDir, `${name}.json`), JSON.stringify({ entry, file: relative(cacheDir, file), inputs }));
  return { file, built: true };
}

const esbuild = () => createRequire(import.meta.url)('esbuild');

/**
 * The bundle of `entry` (a TypeScript file), named `name` in the cache: the file made earlier when
 * every source it was made from still has the same content (their digests are kept beside it, so
 * the check reads the sources and runs no esbuild), else a new one. Packages stay imports, and each
 * module keeps its own `import.meta`. Resolves to `{ file, built }`, or undefined when esbuild
 * cannot run (the caller loads the sources another way); never rejects. A bundle is written beside
 * and renamed, so another process never loads a half-written one. `cacheDir` is for tests.
 */
export async function cachedBundle(entry, name, cacheDir = CACHE_DIR) {
  const found = fresh(entry, name, cacheDir);
  if (found) return found;
  try {
    return keep(
      await esbuild().build({ ...OPTIONS, entryPoints: [entry], plugins: [ownImportMeta] }),
      entry,
      name,
      cacheDir,
    );
  } catch {
    return undefined;
  }
}

/**
 * cachedBundle without waiting, for code that cannot: esbuild's synchronous build takes no plugin,
 * so every module of this bundle reads the bundle's own `import.meta`. Only for sources that do
 * not use it when run (the worker thread's).
 */
export function cachedBundleSync(entry, name, cacheDir = CACHE_DIR) {
  const found = fresh(entry, name, cacheDir);
  if (found) return found;
  try {
    return keep(esbuild().buildSync({ ...OPTIONS, entryPoints: [entry] }), entry, name, cacheDir);
  } catch {
    return undefined;
  }
}
