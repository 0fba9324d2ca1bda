import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CATALOG,
  defaultClaims,
  genericClaims,
  REQUIRED_CLAIM_IDS,
} from '../../src/claims/catalog/index.ts';
import { evaluate } from '../../src/claims/evaluate.ts';
import { explainClaim, getClaim, ruleKind, ruleKinds } from '../../src/claims/explain.ts';
import { RULE_KINDS } from '../../src/claims/rules/registry.ts';
import { cell, loadCapture } from './captures.ts';

describe('default catalog', () => {
  it('should load 6–13 valid generic claims including the ids the default matrix uses', async () => {
    const claims = await genericClaims();
    expect(claims.length).toBeGreaterThanOrEqual(6);
    expect(claims.length).toBeLessThanOrEqual(13);
    for (const id of REQUIRED_CLAIM_IDS) expect(claims.map((c) => c.id)).toContain(id);
    expect(getClaim(claims, 'incognito-search-terms-only-to-search-engine').says).toBe(
      'Search terms typed in incognito are sent only to the search engine',
    );
    expect(getClaim(claims, 'visited-urls-only-to-site').says).toBe(
      'Visited URLs are sent to no one but the site itself',
    );
    expect(DEFAULT_CATALOG.endsWith('default.yaml')).toBe(true);
  });

  it('should use every rule kind', async () => {
    const kinds = new Set((await defaultClaims()).map((c) => c.rule.kind));
    expect([...kinds].sort()).toEqual([...RULE_KINDS].sort());
  });

  it('should explain each claim in one sentence that quotes what it says', async () => {
    for (const claim of await defaultClaims()) {
      const text = explainClaim(claim);
      expect(text).toContain(`“${claim.says}”`);
      expect(text.endsWith('.')).toBe(true);
      expect(text).not.toContain('\n');
    }
  });

  it('should catch the leaky reference and pass real Chromium on the two claims the matrix shows', async () => {
    const claims = await defaultClaims();
    const statuses = (capture: 'chromium' | 'reference', target: string) =>
      REQUIRED_CLAIM_IDS.map(
        (id) => evaluate(getClaim(claims, id), cell(loadCapture(capture), target))?.status,
      );
    expect(statuses('reference', 'reference:incognito')).toEqual(['fail', 'fail']);
    expect(statuses('reference', 'reference:normal')).toEqual([undefined, 'fail']);
    expect(statuses('chromium', 'chromium:incognito')).toEqual(['pass', 'pass']);
    expect(statuses('chromium', 'chromium:normal')).toEqual([undefined, 'pass']);
  });

  it('should list the known ids when an unknown claim or rule kind is asked for', async () => {
    const claims = await defaultClaims();
    expect(() => getClaim(claims, 'nope')).toThrow(
      /unknown claim "nope"; known claims: incognito-search-terms-only-to-search-engine, /,
    );
    expect(() => ruleKind('may-go')).toThrow(
      `unknown rule kind "may-go"; known rule kinds: ${RULE_KINDS.join(', ')}`,
    );
    for (const k of ruleKinds()) expect(k.explain()).toMatch(/^Fails when .+\.$/);
  });
});
