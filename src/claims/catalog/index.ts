import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClaimFileError, loadClaims } from '../load.ts';
import type { Claim } from '../schema.ts';

/** Path of the generic catalog, for `--claims` defaults and docs. */
export const DEFAULT_CATALOG = fileURLToPath(new URL('./default.yaml', import.meta.url));

/** Folder of the vendor claim files: each vendor's own words (quote, source, appliesTo). */
export const VENDOR_CATALOG_DIR = fileURLToPath(new URL('./vendors', import.meta.url));

/** Ids the default matrix relies on; the catalog test keeps them present. */
export const REQUIRED_CLAIM_IDS = [
  'incognito-search-terms-only-to-search-engine',
  'visited-urls-only-to-site',
] as const;

/** The vendor claim files, by name. */
export function vendorCatalogFiles(): string[] {
  return readdirSync(VENDOR_CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(VENDOR_CATALOG_DIR, f));
}

/**
 * The default claims: the generic catalog (`default.yaml`: what users expect of any browser), then
 * every vendor claim file (`vendors/*.yaml`: a vendor's own words, applying to its targets only).
 * Reads and validates the files on each call; throws ClaimFileError (file:line: field: reason) if
 * one is broken, or when two files use the same id.
 */
export async function defaultClaims(): Promise<Claim[]> {
  const claims = await loadClaims(DEFAULT_CATALOG);
  const from = new Map(claims.map((c) => [c.id, DEFAULT_CATALOG]));
  for (const file of vendorCatalogFiles()) {
    for (const claim of await loadClaims(file)) {
      const earlier = from.get(claim.id);
      if (earlier !== undefined) {
        throw new ClaimFileError(file, 0, 'id', `duplicate id "${claim.id}" (also in ${earlier})`);
      }
      from.set(claim.id, file);
      claims.push(claim);
    }
  }
  return claims;
}

/** The claims of the generic catalog alone. */
export async function genericClaims(): Promise<Claim[]> {
  return loadClaims(DEFAULT_CATALOG);
}
