import { fileURLToPath } from 'node:url';
import { loadClaims } from '../load.ts';
import type { Claim } from '../schema.ts';

/** Path of the default catalog, for `--claims` defaults and docs. */
export const DEFAULT_CATALOG = fileURLToPath(new URL('./default.yaml', import.meta.url));

/** Ids the default matrix relies on; the catalog test keeps them present. */
export const REQUIRED_CLAIM_IDS = [
  'incognito-search-terms-only-to-search-engine',
  'visited-urls-only-to-site',
] as const;

/**
 * The default catalog: claims browser and phone makers commonly make. Reads and validates
 * `default.yaml` on each call; throws ClaimFileError (file:line: field: reason) if it was broken.
 */
export async function defaultClaims(): Promise<Claim[]> {
  return loadClaims(DEFAULT_CATALOG);
}
