import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/detect/analyze.ts';
import { CANARY, canary, deviceId, deviceInfo, makeFlow } from './helpers.ts';

function found(body: string | Buffer, tokens = [canary()]) {
  return new Analyzer(tokens).analyzeFlow(makeFlow('https://t.example/c', body)).findings;
}

describe('token forms', () => {
  it('should find md5, sha1 and sha256 of a token as lower hex, upper hex and base64', () => {
    for (const alg of ['md5', 'sha1', 'sha256']) {
      const d = createHash(alg).update(CANARY).digest();
      expect(found(`h=${d.toString('hex')}`).map((f) => f.form)).toEqual([`${alg}-hex`]);
      expect(found(`h=${d.toString('hex').toUpperCase()}`).map((f) => f.form)).toEqual([`${alg}-hex`]);
      expect(found(JSON.stringify({ h: d.toString('base64') })).map((f) => f.form)).toEqual([
        `${alg}-base64`,
      ]);
    }
  });

  it('should find a hashed MAC address however it was spelled before hashing', () => {
    const mac = 'a4:5e:60:c2:11:0f';
    const sha = createHash('sha256').update('A45E60C2110F').digest('hex');
    const f = found(`m=${sha}`, [deviceId(mac, 'mac')]);
    expect(f.map((x) => x.form)).toEqual(['sha256-no-separators-upper-hex']);
  });

  it('should find a case-folded token and say so', () => {
    expect(found(`q=${CANARY.toUpperCase()}`).map((f) => f.form)).toEqual(['case-folded']);
  });

  it('should find a token at each byte alignment inside base64 of data that does not decode', () => {
    // Fixed pseudo-random bytes: with fresh random ones, about one blob in 200 happened to look like
    // protobuf or text once decoded, and the canary was (rightly) found through the base64 layer
    // instead of by the offset form this test is about.
    const bytes = (seed: string, n: number): Buffer =>
      Buffer.concat([0, 1, 2].map((i) => createHash('sha256').update(`${seed}${i}`).digest())).subarray(0, n);
    for (let offset = 0; offset < 3; offset++) {
      const blob = Buffer.concat([
        bytes(`head${offset}`, 30 + offset),
        Buffer.from(CANARY),
        bytes('tail', 29),
      ]);
      const f = found(`x=${blob.toString('base64')}`);
      expect(f.map((x) => x.form)).toEqual([`base64-offset-${(30 + offset) % 3}`]);
    }
  });

  it('should not match near-misses: one character changed, or a prefix', () => {
    const changed = `${CANARY.slice(0, 5)}${CANARY[5] === 'a' ? 'b' : 'a'}${CANARY.slice(6)}`;
    const prefix = CANARY.slice(0, -1);
    for (const near of [changed, prefix]) {
      expect(found(`q=${near}`)).toEqual([]);
      expect(found(`q=${Buffer.from(`xx${near}yy`).toString('base64')}`)).toEqual([]);
      expect(found(`q=${createHash('sha256').update(near).digest('hex')}`)).toEqual([]);
    }
  });

  it('should match device-info only on word boundaries, and skip values too short to mean anything', () => {
    const model = deviceInfo('Pixel 7', 'model');
    expect(found('{"model":"Pixel 7"}', [model])).toHaveLength(1);
    expect(found('{"model":"Pixel 7a"}', [model])).toEqual([]);
    const os = deviceInfo('14.2', 'os-version');
    expect(found('{"os":"14.2"}', [os])).toHaveLength(1);
    expect(found('{"os":"14.2.1","w":"114.2"}', [os])).toEqual([]);
    const short = new Analyzer([deviceInfo('14', 'os-version')]);
    expect(short.skipped.map((s) => s.token.value)).toEqual(['14']);
  });

  it('should not find a numeric identifier inside a longer number', () => {
    const imei = deviceId('356938035643809', 'imei');
    expect(found('{"n":"13569380356438091"}', [imei])).toEqual([]);
    expect(found('{"n":356938035643809}', [imei]).map((f) => f.chain)).toEqual([['json:$.n']]);
  });
});
