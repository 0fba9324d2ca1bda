import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ScanFinding, scanFiles } from '../../src/commands/scan.ts';
import type { Token } from '../../src/model/token.ts';

/** The phrases fixtures/sdk-captures/record.ts searched (each in the page URL of one page load). */
const PHRASES = ['new york pizza', 'café crème', '東京 天気', '🍕 near me', 'a&b+c/d%e'];

const capture = (sdk: string) =>
  new URL(`../../fixtures/sdk-captures/${sdk}.ndjson`, import.meta.url).pathname;

const canary = (value: string, typed = false): Token => ({
  value,
  kind: 'canary',
  dataClass: 'search-terms',
  label: 'search term',
  ...(typed ? { typed } : {}),
});

/**
 * A place a token travels: host, request part and chain, with array indexes left out, and without
 * a last percent-decoding step (a phrase with no character to escape needs none in the same place).
 */
const place = (f: ScanFinding) =>
  `${f.host} ${f.where} ${f.chain.join(' → ').replace(/\[\d+\]/g, '[]')}`
    .replace(/ → percent$/, '')
    .trimEnd();

async function places(sdk: string, tokens: Token[]): Promise<Map<string, Set<string>>> {
  const { out } = await scanFiles([capture(sdk)], { tokens }, { jobs: 1 });
  const by = new Map<string, Set<string>>();
  for (const f of out.findings) {
    const set = by.get(f.token) ?? new Set<string>();
    set.add(place(f));
    by.set(f.token, set);
  }
  return by;
}

/** What each SDK is known to send the page URL in (recorded from Chromium: see the capture's README). */
const EXPECTED: Record<string, string[]> = {
  posthog: ['shop.site-b.test header:referer url → query:q', 'shop.site-b.test url-query:q '],
  mixpanel: [
    'shop.site-b.test header:referer url → query:q',
    'api-js.mixpanel.test body form:data → base64 → json:$[].properties.$current_url → url → query:q',
    'api-js.mixpanel.test body form:data → base64 → json:$[].properties.$referrer → url → query:q',
  ],
  amplitude: [
    'shop.site-b.test header:referer url → query:q',
    'api2.amplitude.test body json:$.events[].event_properties["[Amplitude] Page Location"] → url → query:q',
    'api2.amplitude.test body json:$.events[].event_properties.referrer → url → query:q',
  ],
  sensors: [
    'shop.site-b.test header:referer url → query:q',
    'sa.sensors.test body form:data_list → base64 → json:$[].properties.$url → url → query:q',
    'sa.sensors.test body form:data_list → base64 → json:$[].properties.$referrer → url → query:q',
  ],
};

describe.each(Object.keys(EXPECTED).filter((sdk) => existsSync(capture(sdk))))(
  'search phrases in what the real %s SDK sent from Chromium',
  (sdk) => {
    it('should find every phrase in every place the page URL travels, with where and chain', async () => {
      const found = await places(
        sdk,
        PHRASES.map((p) => canary(p)),
      );
      const all = new Set([...found.values()].flatMap((s) => [...s]));
      PHRASES.forEach((p, i) => {
        // Every phrase went through the same page loads: a place where another phrase was found
        // and this one not is a miss. The first phrase was searched first: no page came before it.
        const expected = [...all].filter((e) => i > 0 || !/previous/i.test(e)).sort();
        expect([...(found.get(p) ?? [])].sort(), p).toEqual(expected);
      });
      for (const e of EXPECTED[sdk]!) expect([...all], e).toContain(e.trimEnd());
    }, 60_000);

    it('should find no phrase with one character changed, nor a typed prefix shorter than 8', async () => {
      const near = PHRASES.map((p) => {
        const points = [...p];
        const i = points.findIndex((c) => /\p{L}/u.test(c));
        points[i] = points[i] === 'x' ? 'y' : 'x';
        return canary(points.join(''));
      });
      // Seven characters of each phrase, as a typed canary whose prefixes from 8 up are tokens.
      const short = PHRASES.map((p) => canary(`${[...p].slice(0, 7).join('')}§`, true));
      const found = await places(sdk, [...near, ...short]);
      expect([...found.keys()]).toEqual([]);
    }, 60_000);
  },
);
