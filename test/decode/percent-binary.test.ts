import zlib from 'node:zlib';
import * as pako from 'pako';
import { describe, expect, it } from 'vitest';
import { Layer } from '../../src/decode/layer.ts';
import { percentDecodeBytes, percentDecoder, percentDecodeValue } from '../../src/decode/percent.ts';
import { Analyzer } from '../../src/detect/analyze.ts';
import { CANARY, canary, makeFlow } from '../detect/helpers.ts';

const json = JSON.stringify({ q: CANARY, ts: 1714550000000 });

/**
 * Percent-encodes bytes as form encoders do for binary (Python's urllib.parse.quote_plus of bytes,
 * Java's URLEncoder over a Latin-1 string, OkHttp's FormBody): every byte outside A-Z a-z 0-9 and
 * `-._~` as %XX, a space as `+`.
 */
function quoteBytes(b: Uint8Array): string {
  let s = '';
  for (const byte of b) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c)) s += c;
    else if (byte === 0x20) s += '+';
    else s += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}

function findings(url: string, body = '', headers: Array<{ name: string; value: string }> = []) {
  const r = new Analyzer([canary()]).analyzeFlow(makeFlow(url, body, headers));
  expect(r.gaps).toEqual([]);
  return r.findings.map((f) => [f.where, f.chain]);
}

describe('percent-encoded binary', () => {
  it('should find a canary in JSON in gzip (node zlib) in a percent-encoded form field', () => {
    const body = `v=2&payload=${quoteBytes(zlib.gzipSync(json))}&lib=web`;
    expect(findings('https://t.example/collect', body)).toEqual([
      ['body', ['form:payload', 'gzip', 'json:$.q']],
    ]);
  });

  it('should find a canary in JSON in gzip (pako) in a form field, with lower-case escapes', () => {
    const body = `payload=${quoteBytes(pako.gzip(json)).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`;
    expect(findings('https://t.example/collect', body)).toEqual([
      ['body', ['form:payload', 'gzip', 'json:$.q']],
    ]);
  });

  it('should find a canary in JSON in gzip in a URL query parameter', () => {
    const url = `https://t.example/p.gif?v=1&d=${quoteBytes(pako.gzip(json))}&r=3`;
    expect(findings(url)).toEqual([['url-query:d', ['gzip', 'json:$.q']]]);
  });

  it('should peel zlib (pako) percent-encoded in a header, and double percent-encoding of gzip', () => {
    const header = { name: 'x-payload', value: quoteBytes(pako.deflate(json)) };
    expect(findings('https://t.example/c', '', [header])).toEqual([
      ['header:x-payload', ['percent', 'zlib', 'json:$.q']],
    ]);
    const twice = quoteBytes(Buffer.from(quoteBytes(zlib.gzipSync(json))));
    expect(findings('https://t.example/c', `data=${twice}`)).toEqual([
      ['body', ['form:data', 'percent', 'gzip', 'json:$.q']],
    ]);
  });

  it('should keep percent-encoded UTF-8 as text, and turn only non-UTF-8 escapes into bytes', () => {
    expect(percentDecodeValue('caf%C3%A9+%E2%82%AC', true)).toBe('café €');
    expect(percentDecodeValue('100%+sure', true)).toBe('100% sure');
    const gz = zlib.gzipSync(json);
    const v = percentDecodeValue(quoteBytes(gz), true);
    expect(Buffer.isBuffer(v) && v.equals(gz)).toBe(true);
    expect(percentDecodeBytes('a%1F%8Bb%zz%', false)).toEqual(
      Buffer.from([0x61, 0x1f, 0x8b, 0x62, 0x25, 0x7a, 0x7a, 0x25]),
    );
    const [step] = percentDecoder.decode(Layer.fromText(quoteBytes(gz)), undefined as never);
    expect(step?.bytes?.equals(gz)).toBe(true);
  });

  it('should not find a near-miss canary through the same layers', () => {
    const miss = JSON.stringify({ q: `${CANARY.slice(0, -1)}x` });
    expect(findings('https://t.example/c', `payload=${quoteBytes(zlib.gzipSync(miss))}`)).toEqual([]);
  });
});
