import { describe, it, expect as vexpect } from 'vitest';
import { expect } from '../../fixtures/matchers.ts';
import { defaultClaims } from '../../src/claims/catalog/index.ts';
import { getClaim } from '../../src/claims/explain.ts';
import type { RunView } from '../../src/claims/run-view.ts';
import { addGap, type Capture, cell, loadCapture } from './captures.ts';

/** The message Playwright's expect throws, or undefined when the assertion held. */
async function failure(assertion: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await assertion();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A fresh capture of `name`, the search term of its incognito search, and its incognito cell as
 * the capture stands when `view()` is called (a test may change the capture first).
 */
function incognitoSearch(name: 'chromium' | 'reference'): {
  capture: Capture;
  term: string;
  view: () => RunView;
} {
  const capture = loadCapture(name);
  const target = `${name}:incognito`;
  const token = capture.records
    .flatMap((r) => r.tokens)
    .find((t) => t.origin?.target === target && t.dataClass === 'search-terms');
  if (!token) throw new Error(`no search term for ${target}`);
  return { capture, term: token.value, view: () => cell(capture, target) };
}

describe('expect(run).toSatisfy(claim)', () => {
  it('should hold for real Chromium and fail for the reference with a message that reads as sentences and evidence', async () => {
    const claim = getClaim(await defaultClaims(), 'incognito-search-terms-only-to-search-engine');
    vexpect(
      await failure(() => expect(cell(loadCapture('chromium'), 'chromium:incognito')).toSatisfy(claim)),
    ).toBeUndefined();
    const message = await failure(() =>
      expect(cell(loadCapture('reference'), 'reference:incognito')).toSatisfy(claim),
    );
    vexpect(message).toContain(
      'Claim “Search terms typed in incognito are sent only to the search engine” fails on reference:incognito.',
    );
    vexpect(message).toContain('Evidence:');
    vexpect(message).toMatch(
      /collect\.analytics\.test body via .*base64.*: «ph[a-z0-9]+» \(flow reference:incognito\/search#\d+\)/,
    );
  });

  it('should support .not: it holds only when the verdict is fail', async () => {
    const claim = getClaim(await defaultClaims(), 'visited-urls-only-to-site');
    vexpect(
      await failure(() => expect(cell(loadCapture('reference'), 'reference:normal')).not.toSatisfy(claim)),
    ).toBeUndefined();
    const message = await failure(() =>
      expect(cell(loadCapture('chromium'), 'chromium:normal')).not.toSatisfy(claim),
    );
    vexpect(message).toContain('Expected the claim to fail, but it holds.');
  });

  it('should fail both ways when the verdict is inconclusive: neither form can be proven', async () => {
    const claim = getClaim(await defaultClaims(), 'incognito-search-terms-only-to-search-engine');
    const blind = () => {
      const capture = loadCapture('chromium');
      addGap(capture, 'chromium:incognito', 'search', {
        kind: 'tls-opaque',
        host: 'collect.tracker.test',
        reason: 'the client aborted the TLS handshake (cert-rejected)',
      });
      return cell(capture, 'chromium:incognito');
    };
    vexpect(await failure(() => expect(blind()).toSatisfy(claim))).toContain(
      'is inconclusive on chromium:incognito',
    );
    vexpect(await failure(() => expect(blind()).not.toSatisfy(claim))).toContain(
      'is inconclusive on chromium:incognito',
    );
  });

  it('should fail both ways for a claim that does not apply to the cell', async () => {
    const claim = getClaim(await defaultClaims(), 'incognito-search-terms-only-to-search-engine');
    const run = cell(loadCapture('chromium'), 'chromium:normal');
    vexpect(await failure(() => expect(run).toSatisfy(claim))).toContain('does not apply to chromium:normal');
    vexpect(await failure(() => expect(run).not.toSatisfy(claim))).toContain(
      'does not apply to chromium:normal',
    );
  });
});

describe('expect(run).toSend(canary, { to })', () => {
  it('should see the reference send the incognito search term to its maker, and not to a third party', async () => {
    const { term, view } = incognitoSearch('reference');
    const run = view();
    vexpect(await failure(() => expect(run).toSend(term, { to: 'vendor' }))).toBeUndefined();
    vexpect(await failure(() => expect(run).toSend(term, { to: 'collect.analytics.test' }))).toBeUndefined();
    vexpect(await failure(() => expect(run).not.toSend(term, { to: 'third-party' }))).toBeUndefined();
    const message = await failure(() => expect(run).not.toSend(term, { to: 'vendor' }));
    vexpect(message).toContain(
      `Expected reference:incognito not to send "${term}" to the target's maker, but it did.`,
    );
    vexpect(message).toContain('collect.analytics.test body');
  });

  it('should say where it looked when a canary was not sent', async () => {
    const { term, view } = incognitoSearch('chromium');
    const message = await failure(() => expect(view()).toSend(term, { to: 'third-party' }));
    vexpect(message).toMatch(
      new RegExp(
        `Expected chromium:incognito to send "${term}" to third parties, but it was not found in \\d+ requests\\.`,
      ),
    );
    vexpect(await failure(() => expect(view()).toSend(term, { to: 'search-engine' }))).toBeUndefined();
  });

  it('should not count a term sent to an IP address as sent to the search engine: the class is checked positively', async () => {
    const { capture, term, view } = incognitoSearch('chromium');
    // The same findings, but the term went to a bare address instead of the engine's host name.
    for (const r of capture.records) {
      for (const f of r.findings) if (f.token === term) f.host = '203.0.113.9';
    }
    const run = view();
    const message = await failure(() => expect(run).toSend(term, { to: 'search-engine' }));
    vexpect(message).toContain(
      `Could not tell whether chromium:incognito sent "${term}" to the search engine`,
    );
    vexpect(message).toContain('203.0.113.9');
    // Nor is it proof of the opposite: .not fails too (an address could be the engine's).
    vexpect(await failure(() => expect(run).not.toSend(term, { to: 'search-engine' }))).toBeDefined();
    // Sent somewhere it was: `to` left out means anyone.
    vexpect(await failure(() => expect(run).toSend(term))).toBeUndefined();
    // Declared by address, it is the recipient.
    for (const r of capture.records) r.recipients.searchEngine.push('203.0.113.9');
    vexpect(await failure(() => expect(view()).toSend(term, { to: 'search-engine' }))).toBeUndefined();
  });

  it('should refuse .not when traffic it could not read might have carried the canary', async () => {
    const { capture, term, view } = incognitoSearch('chromium');
    addGap(capture, 'chromium:incognito', 'search', {
      kind: 'bypass',
      protocol: 'quic',
      host: '192.0.2.7',
      reason: 'UDP to port 443 went around the proxy',
    });
    const message = await failure(() => expect(view()).not.toSend(term, { to: 'third-party' }));
    vexpect(message).toContain(`Could not tell whether chromium:incognito sent "${term}" to third parties`);
    vexpect(message).toMatch(/bypass \(quic 192\.0\.2\.7\)/i);
  });
});
