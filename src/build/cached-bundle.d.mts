/** Where bundles are kept (node_modules/.cache/phonehome). */
export const CACHE_DIR: string;

/** A bundle's file, and whether it was made now (false: reused). */
export interface Bundle {
  file: string;
  built: boolean;
}

/**
 * The bundle of the TypeScript file `entry`, named `name` in the cache: reused while every source it
 * was made from is unchanged, else made again. Undefined when esbuild cannot run; never rejects.
 */
export function cachedBundle(entry: string, name: string, cacheDir?: string): Promise<Bundle | undefined>;

/** cachedBundle, synchronously; its modules all read the bundle's own `import.meta`. */
export function cachedBundleSync(entry: string, name: string, cacheDir?: string): Bundle | undefined;
