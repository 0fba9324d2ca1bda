import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import * as fflate from 'fflate';
import LZString from 'lz-string';
import * as pako from 'pako';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { cipherDecoder } from '../../src/decode/cipher.ts';
import { defaultDecoders } from '../../src/decode/registry.ts';
import { Analyzer } from '../../src/detect/analyze.ts';
import { CANARY, canary, makeFlow } from '../detect/helpers.ts';

const tokens = [canary()];
const payload = JSON.stringify({ event: 'search', props: { q: CANARY, n: 1 } });

function chainsFor(body: Buffer | string, url = 'https://t.example/c', analyzer = new Analyzer(tokens)) {
  const r = analyzer.analyzeFlow(makeFlow(url, body));
  return { chains: r.findings.map((f) => [f.where, ...f.chain].join(' > ')), gaps: r.gaps };
}

describe('decoders on vectors written by real libraries', () => {
  it('should peel gzip, zlib and raw deflate written by pako', () => {
    expect(chainsFor(Buffer.from(pako.gzip(payload))).chains).toEqual(['body > gzip > json:$.props.q']);
    expect(chainsFor(Buffer.from(pako.deflate(payload))).chains).toEqual(['body > zlib > json:$.props.q']);
    expect(chainsFor(Buffer.from(pako.deflateRaw(payload))).chains).toEqual([
      'body > deflate > json:$.props.q',
    ]);
  });

  it('should peel gzip, zlib and raw deflate written by fflate', () => {
    const data = fflate.strToU8(payload);
    expect(chainsFor(Buffer.from(fflate.gzipSync(data))).chains).toEqual(['body > gzip > json:$.props.q']);
    expect(chainsFor(Buffer.from(fflate.zlibSync(data))).chains).toEqual(['body > zlib > json:$.props.q']);
    expect(chainsFor(Buffer.from(fflate.deflateSync(data))).chains).toEqual([
      'body > deflate > json:$.props.q',
    ]);
  });

  it('should read every run of markup full of base64-alphabet words, and bound only what decodes', () => {
    // Shaped like Firefox's cached new-tab page: hundreds of `data-l10n-id` names and paths.
    const words = Array.from(
      { length: 400 },
      (_, i) =>
        `<moz-toggle data-l10n-id="newtab-custom-shortcuts-item${i}" src="chrome://activity-stream/content/data/tippytop-${i}"></moz-toggle>`,
    ).join('\n');
    const hidden = zlib.gzipSync(payload).toString('base64');
    const page = chainsFor(`<html>${words}<script>var s = "${hidden}";</script></html>`);
    expect(page.chains).toEqual(['body > base64 > gzip > json:$.props.q']);
    expect(page.gaps).toEqual([]);
    // Past 256 runs that do decode, the rest is a gap (fail closed), not silence.
    const texts = Array.from({ length: 300 }, (_, i) =>
      Buffer.from(`plain text number ${i}`).toString('base64'),
    );
    const many = chainsFor(`${texts.join(' ; ')} ; ${Buffer.from(payload).toString('base64')}`);
    expect(many.gaps.map((g) => g.reason).join()).toMatch(/more than 256 base64 runs/);
  });

  it('should peel brotli written by node zlib, inside base64 in a form field', () => {
    const br = zlib.brotliCompressSync(Buffer.from(payload)).toString('base64');
    expect(chainsFor(`v=2&data_list=${encodeURIComponent(br)}`).chains).toEqual([
      'body > form:data_list > base64 > brotli > json:$.props.q',
    ]);
  });

  it('should peel zstd written by the zstd tool', () => {
    const z = execFileSync('zstd', ['-q', '-c'], { input: payload });
    expect(chainsFor(z).chains).toEqual(['body > zstd > json:$.props.q']);
  });

  it('should peel every lz-string output form written by lz-string', () => {
    expect(
      chainsFor(`data=${encodeURIComponent(LZString.compressToBase64(payload))}&compression=lz64`).chains,
    ).toEqual(['body > form:data > lz-string > json:$.props.q']);
    // A URL is a layer wherever it is: here the whole body.
    expect(
      chainsFor(`https://t.example/c?d=${LZString.compressToEncodedURIComponent(payload)}`, 'x').chains,
    ).toEqual(['body > url > query:d > lz-string > json:$.props.q']);
    expect(
      chainsFor('', `https://t.example/c?d=${LZString.compressToEncodedURIComponent(payload)}`).chains,
    ).toEqual(['url-query:d > lz-string > json:$.props.q']);
    expect(chainsFor(JSON.stringify({ z: LZString.compressToUTF16(payload) })).chains).toEqual([
      'body > json:$.z > lz-string > json:$.props.q',
    ]);
    expect(chainsFor(JSON.stringify({ z: LZString.compress(payload) })).chains).toEqual([
      'body > json:$.z > lz-string > json:$.props.q',
    ]);
    expect(chainsFor(Buffer.from(LZString.compressToUint8Array(payload))).chains).toEqual([
      'body > lz-string > json:$.props.q',
    ]);
  });

  it('should read protobuf written by protobufjs without its schema, nested', () => {
    const inner = protobuf.Writer.create().uint32(8).uint32(7).uint32(18).string(CANARY).finish();
    const msg = protobuf.Writer.create().uint32(10).string('device').uint32(18).bytes(inner).finish();
    expect(chainsFor(Buffer.from(msg)).chains).toEqual(['body > proto:2 > proto:2']);
  });

  it('should read a long varint in protobuf as its decimal digits', () => {
    const imei = '356938035643809';
    const msg = protobuf.Writer.create().uint32(8).uint64(imei).finish();
    const a = new Analyzer([{ value: imei, kind: 'device-id', dataClass: 'device-ids', label: 'imei' }]);
    expect(chainsFor(Buffer.from(msg), undefined, a).chains).toEqual(['body > proto:1']);
  });

  it('should peel a multipart body built by the platform FormData', async () => {
    const fd = new FormData();
    fd.append('meta', 'x');
    fd.append('payload', new Blob([zlib.gzipSync(payload)]), 'p.gz');
    const req = new Request('https://t.example/u', { method: 'POST', body: fd });
    const body = Buffer.from(await req.arrayBuffer());
    expect(chainsFor(body).chains).toEqual(['body > multipart:payload > gzip > json:$.props.q']);
  });

  it('should decode JWT payloads', () => {
    const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${seg({ alg: 'HS256', typ: 'JWT' })}.${seg({ sub: CANARY })}.c2lnbmF0dXJl`;
    const r = new Analyzer(tokens).analyzeFlow(
      makeFlow('https://t.example/', '', [{ name: 'Authorization', value: `Bearer ${jwt}` }]),
    );
    expect(r.findings.map((f) => [f.where, ...f.chain].join(' > '))).toEqual([
      'header:authorization > jwt:payload > json:$.sub',
    ]);
  });

  it('should peel double percent-encoding and plus for space', () => {
    const twice = encodeURIComponent(encodeURIComponent(`q ${CANARY}`));
    expect(chainsFor('', `https://t.example/s?x=${twice}`).chains).toEqual(['url-query:x > percent']);
    expect(chainsFor(`q=hello+${CANARY}+x`).chains).toEqual(['body > form:q']);
  });

  it('should peel URL-safe base64 without padding, hex, and JSON inside a JSON string with \\u escapes', () => {
    const b64url = Buffer.from(`>>>${CANARY}???`).toString('base64url');
    expect(b64url).toMatch(/[-_]/);
    expect(chainsFor('', `https://t.example/p/${b64url}`).chains).toEqual(['url-path > base64']);
    expect(chainsFor(`h=${Buffer.from(payload).toString('hex')}`).chains).toEqual([
      'body > form:h > hex > json:$.props.q',
    ]);
    const escaped = JSON.stringify({ inner: JSON.stringify({ q: CANARY }) }).replace(/q/g, '\\u0071');
    expect(chainsFor(escaped).chains).toEqual(['body > json:$.inner > json:$.q']);
  });

  it('should decrypt a vendor AES-128-CBC payload with a known key through the cipher plug-in point', () => {
    // The shape of SDKs that "encrypt" telemetry with a key shipped inside the app: AES-128-CBC,
    // a random IV sent in front of the ciphertext, the whole base64-encoded in a JSON field.
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', key, iv);
    const ct = Buffer.concat([iv, c.update(payload), c.final()]).toString('base64');
    const body = JSON.stringify({ v: 3, enc: ct });
    expect(chainsFor(body).chains).toEqual([]);
    const registry = defaultDecoders().register(
      cipherDecoder({
        id: 'example-sdk',
        says: 'an example SDK key',
        algorithm: 'aes-128-cbc',
        key,
        iv: 'prefix',
      }),
    );
    const a = new Analyzer(tokens, {}, registry);
    expect(chainsFor(body, undefined, a).chains).toEqual([
      'body > json:$.enc > base64 > cipher:example-sdk > json:$.props.q',
    ]);
  });

  it('should explain every decoder in one sentence and name known ids for an unknown one', () => {
    const r = defaultDecoders();
    for (const d of r.all()) expect(d.explain()).toMatch(/^[A-Z].+\.$/);
    expect(() => r.get('rot13')).toThrow(/unknown decoder "rot13"; known decoders: url, percent, form/);
  });
});
