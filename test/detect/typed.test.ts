import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/detect/analyze.ts';
import { MIN_PREFIX, tokenForms, typedSpellings } from '../../src/detect/forms.ts';
import { Matcher } from '../../src/detect/matcher.ts';
import type { Header } from '../../src/model/flow.ts';
import type { Token } from '../../src/model/token.ts';
import { makeFlow } from './helpers.ts';

const PHRASES = ['new york pizza', 'café crème', '東京 天気', '🍕 near me', 'a&b+c/d%e'];

function phrase(value: string, typed = false): Token {
  return {
    value,
    kind: 'canary',
    dataClass: 'search-terms',
    label: 'search term',
    ...(typed ? { typed } : {}),
  };
}

/** The form names matched in `text` for `token`, with the text seen. */
function formsIn(text: string, token: Token): string[] {
  return new Matcher(tokenForms([token]).forms).match(text).map((m) => m.form.form ?? 'as-is');
}

/** One character changed: the first letter (or digit) that is not the last one. */
function changed(v: string): string {
  const points = [...v];
  const i = points.findIndex((c) => /[a-z\u00c0-\uffff]/i.test(c) && c !== '🍕');
  points[i] = points[i] === 'x' ? 'y' : 'x';
  return points.join('');
}

function findings(url: string, body: string | Buffer, headers: Header[], tokens: Token[]) {
  return new Analyzer(tokens)
    .analyzeFlow(makeFlow(url, body, headers))
    .findings.map((f) => `${f.token} @ ${f.where} ${f.chain.join(' → ')}`.trim());
}

describe('tokens as people type them', () => {
  it('should find each phrase with spaces as + or %20, percent-encoded in either hex case, and form-encoded', () => {
    for (const p of PHRASES) {
      const t = phrase(p);
      const plus = p.replace(/ /g, '+');
      const pct = encodeURIComponent(p);
      const form = new URLSearchParams([['q', p]]).toString().slice(2);
      for (const spelled of [plus, pct, pct.toLowerCase(), form, encodeURI(p)]) {
        // Inside other text no decoder peels: only the form itself can find it.
        expect(formsIn(`ref=see ${spelled} there`, t), `${p} as ${spelled}`).toHaveLength(1);
      }
    }
  });

  it('should find a phrase written with JSON \\u escapes, surrogate pairs included, in either hex case', () => {
    const esc = (s: string) =>
      s.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const p of PHRASES.filter((x) => /[^\x00-\x7f]/.test(x))) {
      for (const spelled of [esc(p), esc(p).toUpperCase().replace(/\\U/g, '\\u')]) {
        // A truncated JSON body: it does not parse, so the escapes are never resolved by the decoder.
        const body = `{"event":"search","q":"${spelled}","more":`;
        expect(findings('https://t.example/e', body, [], [phrase(p)]), `${p} as ${spelled}`).toEqual([
          `${p} @ body`,
        ]);
      }
    }
    expect(formsIn('"q":"\\ud83c\\udf55 near me"', phrase('🍕 near me'))).toEqual(['json-u']);
  });

  it('should find a phrase an SDK case-folded, ASCII or not, raw or percent-encoded', () => {
    expect(formsIn('q=NEW YORK PIZZA', phrase('new york pizza'))).toEqual(['as-is']);
    expect(formsIn('t=café crème', phrase('CAFÉ CRÈME'))).toEqual(['as-is']);
    expect(formsIn(`t:${encodeURIComponent('café crème')};`, phrase('CAFÉ CRÈME'))).toEqual([
      'percent-lower',
    ]);
  });

  it('should not find a phrase with one character changed, in any spelling', () => {
    for (const p of PHRASES) {
      const near = changed(p);
      expect(near).not.toBe(p);
      const t = phrase(p, true);
      for (const spelled of [near, near.replace(/ /g, '+'), encodeURIComponent(near)]) {
        expect(formsIn(`q=${spelled}`, t), `${p} vs ${spelled}`).toEqual([]);
        expect(findings(`https://t.example/s?q=${encodeURIComponent(spelled)}`, '', [], [t])).toEqual([]);
      }
    }
  });

  it("should find a typed canary's prefixes from 8 characters up, and none shorter", () => {
    const typed = phrase('phq3k8m2x7tw4z crème', true);
    for (let n = 4; n < MIN_PREFIX; n++) {
      expect(findings(`https://s.test/suggest?q=${typed.value.slice(0, n)}`, '', [], [typed])).toEqual([]);
    }
    for (const n of [MIN_PREFIX, 12, 14, 16]) {
      const p = typed.value.slice(0, n);
      const r = new Analyzer([typed]).analyzeFlow(
        makeFlow(`https://s.test/suggest?q=${encodeURIComponent(p).replace(/%20/g, '+')}`),
      ).findings;
      expect(r.map((f) => [f.where, f.form])).toEqual([['url-query:q', `prefix-${n}`]]);
    }
    // The whole phrase holds every prefix: it is one finding, not one per prefix.
    const whole = new Analyzer([typed]).analyzeFlow(
      makeFlow(`https://s.test/search?q=${encodeURIComponent(typed.value)}`),
    ).findings;
    expect(whole.map((f) => [f.where, f.form])).toEqual([['url-query:q', undefined]]);
    // An untyped canary has no prefix forms.
    expect(tokenForms([phrase(typed.value)]).forms.some((f) => f.prefix)).toBe(false);
  });

  it('should leave out spellings equal to the text itself', () => {
    expect(typedSpellings('phq3k8m2x7tw4z')).toEqual([]);
    expect(typedSpellings('new york pizza').map((s) => s.name)).toEqual(['plus', 'percent']);
  });
});

describe('a URL anywhere is a layer', () => {
  const PAGE = (p: string) =>
    `https://shop.site-b.test/search?q=${encodeURIComponent(p).replace(/%20/g, '+')}&page=1#results`;

  it('should peel a URL in a Referer header, a JSON string, a form value and a percent-encoded cookie', () => {
    for (const p of PHRASES) {
      const url = PAGE(p);
      const json = JSON.stringify({ event: '$pageview', properties: { $current_url: url } });
      const headers: Header[] = [
        { name: 'Referer', value: url },
        { name: 'Cookie', value: `ph_state=${encodeURIComponent(JSON.stringify({ $initial_url: url }))}` },
      ];
      expect(findings('https://t.vendor.test/e', json, headers, [phrase(p)])).toEqual([
        `${p} @ header:referer url → query:q`,
        `${p} @ cookie:ph_state percent → json:$.$initial_url → url → query:q`,
        `${p} @ body json:$.properties.$current_url → url → query:q`,
      ]);
      expect(
        findings('https://t.vendor.test/e', `u=${encodeURIComponent(url)}&v=2`, [], [phrase(p)]),
      ).toEqual([`${p} @ body form:u → url → query:q`]);
    }
  });

  it('should peel a URL in a protobuf string and in a multipart field', () => {
    const p = 'café crème';
    const msg = protobuf.Writer.create().uint32(8).uint32(3).uint32(18).string(PAGE(p)).finish();
    expect(findings('https://t.vendor.test/p', Buffer.from(msg), [], [phrase(p)])).toEqual([
      `${p} @ body proto:2 → url → query:q`,
    ]);
    const multipart = `--XyZ\r\nContent-Disposition: form-data; name="page"\r\n\r\n${PAGE(p)}\r\n--XyZ--\r\n`;
    expect(findings('https://t.vendor.test/m', multipart, [], [phrase(p)])).toEqual([
      `${p} @ body multipart:page → url → query:q`,
    ]);
  });

  it("should peel a URL's escaped path, a fragment's pairs and a router's query in the fragment", () => {
    const t = phrase('東京 天気');
    const enc = encodeURIComponent(t.value);
    expect(
      findings('https://t.test/e', '', [{ name: 'x-page', value: `https://w.test/wiki/${enc}` }], [t]),
    ).toEqual([`${t.value} @ header:x-page url → path`]);
    expect(
      findings('https://t.test/e', '', [{ name: 'x-page', value: `https://w.test/a#q=${enc}&x=1` }], [t]),
    ).toEqual([`${t.value} @ header:x-page url → fragment → form:q`]);
    expect(
      findings('https://t.test/e', '', [{ name: 'x-page', value: `https://w.test/#/search?q=${enc}` }], [t]),
    ).toEqual([`${t.value} @ header:x-page url → fragment → query:q`]);
  });

  it('should report a term both in a field of its own and in the page URL beside it', () => {
    const p = 'new york pizza';
    const body = JSON.stringify({ q: p, url: PAGE(p) });
    expect(findings('https://t.test/e', body, [], [phrase(p)])).toEqual([
      `${p} @ body json:$.q`,
      `${p} @ body json:$.url → url → query:q`,
    ]);
  });

  it('should not take text that merely mentions a URL, or one that does not parse, for a URL', () => {
    const t = phrase('new york pizza');
    // Not a URL as a whole: searched as text, where the "+" spelling is the form that finds it.
    const r = new Analyzer([t]).analyzeFlow(
      makeFlow('https://t.test/e', '', [
        { name: 'x-note', value: 'see https://s.test/?q=new+york+pizza now' },
      ]),
    ).findings;
    expect(r.map((f) => [f.where, f.chain.join(' → '), f.form])).toEqual([['header:x-note', '', 'plus']]);
    const bad = new Analyzer([t]).analyzeFlow(
      makeFlow('https://t.test/e', '', [
        { name: 'x-page', value: 'https://exa mple:99999/?q=new+york+pizza' },
      ]),
    ).findings;
    expect(bad.map((f) => [f.where, f.chain.join(' → ')])).toEqual([['header:x-page', '']]);
  });
});
