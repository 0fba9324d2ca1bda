import zlib from 'node:zlib';
import * as fflate from 'fflate';
import LZString from 'lz-string';
import * as pako from 'pako';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { Budget, DEFAULT_BOUNDS } from '../../src/decode/bounds.ts';
import { Layer } from '../../src/decode/layer.ts';
import { lzFromBase64, lzFromRaw, lzFromUint8Array } from '../../src/decode/lz-bounded.ts';
import { isPlainText, textClass } from '../../src/decode/plain.ts';
import { mayBeWireFormat, readWireFields } from '../../src/decode/protobuf.ts';
import { defaultDecoders } from '../../src/decode/registry.ts';
import { isHexLike, mayBeRawDeflate } from '../../src/decode/sniff.ts';
import { tokenForms } from '../../src/detect/forms.ts';
import { Matcher } from '../../src/detect/matcher.ts';

// Seeded so a failure can be replayed; the shapes are those telemetry strings take.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` bytes from a seeded generator: random-looking, and the same on every run. */
function bytes(next: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  '0123456789abcdef',
  ' abcdefgh0123',
  'ab:/.?&=%-_$~ {}[]"\'eyJ',
  'x(8Hh\t\n\r\u0001\u007f\u00e9\u00ff\u0400\ufffd',
  '-',
];

function randomString(next: () => number): string {
  const len = Math.floor(next() * 48);
  let s = '';
  for (let i = 0; i < len; i++) {
    const a = ALPHABETS[Math.floor(next() * ALPHABETS.length)]!;
    s += a[Math.floor(next() * a.length)];
  }
  return s;
}

describe('decoding shortcuts', () => {
  it('should only call text plain when no decoder that skips plain text would peel anything from it', () => {
    const decoders = defaultDecoders()
      .all()
      .filter((d) => d.ignoresPlainText);
    expect(decoders.length).toBeGreaterThan(10);
    const next = rng(7);
    let plain = 0;
    // Strings, their UTF-8 as a layer of bytes, and random bytes (printable ones now and then).
    const layers = (i: number): Layer[] => {
      const s = randomString(next);
      // Seeded, so that a failure replays (unseeded bytes found the URL case below one run in three).
      const raw = Buffer.from(
        Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)),
      );
      if (i % 2 === 0) for (let k = 0; k < raw.length; k++) raw[k] = 0x20 + (raw[k]! % 0x5f);
      return [Layer.fromText(s), Layer.fromBytes(Buffer.from(s)), Layer.fromBytes(raw)];
    };
    // Protocol-relative URLs random bytes once made: a bare query and a fragment are peeled.
    const found = ['//^_7.@7V?4UDGNilm(}lh`e2Y6/Df|N[3Fz', '//x6L9u/Av#hdHD.eV'].map((t) =>
      Layer.fromText(t),
    );
    for (let i = 0; i < 30_000; i++) {
      for (const layer of i === 0 ? [...found, ...layers(i)] : layers(i)) {
        if (!isPlainText(layer)) continue;
        plain++;
        for (const d of decoders) {
          const again = layer.textOrigin ? Layer.fromText(layer.text) : Layer.fromBytes(layer.bytes);
          const steps = d.decode(again, new Budget(DEFAULT_BOUNDS));
          if (steps.length > 0) throw new Error(`${d.id} peeled plain ${JSON.stringify(layer.text)}`);
        }
      }
    }
    // Both outcomes must occur, or the check above proves nothing.
    expect(plain).toBeGreaterThan(10_000);
    expect(plain).toBeLessThan(90_000);
  });

  it('should leave text of digits and one-case hex letters to the decoders that read it', () => {
    const decoders = defaultDecoders()
      .all()
      .filter((d) => d.ignoresHexText);
    expect(decoders.map((d) => d.id)).not.toContain('hex');
    const next = rng(9);
    let hex = 0;
    for (let i = 0; i < 20_000; i++) {
      const digits = i % 3 === 0 ? '0123456789' : i % 3 === 1 ? '0123456789abcdef' : '0123456789ABCDEF';
      let s = '';
      const len = 1 + Math.floor(next() * 70);
      for (let k = 0; k < len; k++) s += digits[Math.floor(next() * digits.length)];
      // Leading "8" and "x"-like starts exercise the zlib-header check; some get surrounding space.
      if (i % 7 === 0) s = `8${s}`;
      if (i % 11 === 0) s = ` ${s}\n`;
      if (i % 13 === 0) s = `\n${s}`;
      if (textClass(Layer.fromText(s)) !== 'hex') continue;
      hex++;
      for (const d of decoders) {
        const steps = d.decode(Layer.fromText(s), new Budget(DEFAULT_BOUNDS));
        if (steps.length > 0) throw new Error(`${d.id} peeled hex-like text ${JSON.stringify(s)}`);
      }
    }
    expect(hex).toBeGreaterThan(10_000);
    expect(textClass(Layer.fromText('8021abcd'))).toBe('other');
    expect(textClass(Layer.fromText('3f2a9c00d1e4b5a6c7d8e9f0'))).toBe('hex');
    expect(textClass(Layer.fromText('3f2A9c'))).not.toBe('hex');
  });

  it('should not call encoded values plain text', () => {
    const json = JSON.stringify({ q: 'hello' });
    for (const s of [
      Buffer.from(json).toString('base64'),
      LZString.compressToBase64(json),
      LZString.compressToEncodedURIComponent(json),
      encodeURIComponent(json),
      `a=${json}`,
      json,
      Buffer.from(json).toString('hex'),
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      'see dGhpcyBpcyBhIGxvbmcgYmFzZTY0IHJ1bg inside',
    ]) {
      expect(isPlainText(Layer.fromText(s)), s).toBe(false);
    }
    for (const s of [
      'https://site.test/page/1/2',
      'search0 page7 view2 click3 scroll9',
      'Mozilla/5.0 (X11)',
    ]) {
      expect(isPlainText(Layer.fromText(s)), s).toBe(true);
    }
    expect(isPlainText(Layer.fromBytes(Buffer.from('plain words')))).toBe(true);
    const data = Buffer.from(JSON.stringify({ q: 'plain words' }));
    for (const b of [
      zlib.gzipSync(data),
      zlib.deflateSync(data),
      zlib.deflateRawSync(data),
      zlib.brotliCompressSync(data),
      Buffer.from('28b52ffd0058310000706c61696e', 'hex'),
    ]) {
      expect(isPlainText(Layer.fromBytes(b)), b.toString('hex')).toBe(false);
    }
  });

  it('should never refuse raw deflate written by zlib, pako or fflate, whole or cut short', () => {
    const next = rng(3);
    for (let i = 0; i < 300; i++) {
      const text = JSON.stringify({ i, id: bytes(next, i % 40).toString('hex'), t: 'word '.repeat(i % 60) });
      const streams = [
        zlib.deflateRawSync(text),
        zlib.deflateRawSync(text, { level: 0 }),
        zlib.deflateRawSync(text, { strategy: zlib.constants.Z_FIXED }),
        Buffer.from(pako.deflateRaw(text)),
        Buffer.from(fflate.deflateSync(Buffer.from(text))),
      ];
      for (const s of streams) {
        expect(mayBeRawDeflate(s)).toBe(true);
        expect(mayBeRawDeflate(s.subarray(0, 1 + Math.floor(next() * s.length)))).toBe(true);
      }
    }
  });

  it('should refuse most random bytes as raw deflate, and only bytes zlib refuses too', () => {
    const next = rng(13);
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const b = bytes(next, 4 + (i % 200));
      if (mayBeRawDeflate(b)) continue;
      refused++;
      expect(() => zlib.inflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH })).toThrow();
    }
    expect(refused).toBeGreaterThan(2000);
  });

  // What readWireFields did before the pre-check: protobufjs reads the whole input as fields.
  function protobufjsReads(bytes: Uint8Array): boolean {
    const r = protobuf.Reader.create(bytes);
    try {
      while (r.pos < r.len) {
        const tag = r.uint32();
        const wireType = tag & 7;
        if (tag >>> 3 === 0) return false;
        if (wireType === 0) r.uint64();
        else if (wireType === 2) r.bytes();
        else if (wireType === 1 || wireType === 5) r.skipType(wireType);
        else return false;
      }
    } catch {
      return false;
    }
    return r.pos === r.len;
  }

  it('should refuse as protobuf only bytes protobufjs cannot read either', () => {
    const next = rng(5);
    let refused = 0;
    let read = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = bytes(next, 1 + Math.floor(next() * 40));
      // Half the samples start with a valid tag, so the check is exercised past the first byte.
      if (i % 2 === 0) b[0] = [0x08, 0x0a, 0x12, 0x1a, 0x0d, 0x09][i % 6]!;
      const full = protobufjsReads(b);
      if (!mayBeWireFormat(b)) {
        refused++;
        expect(full).toBe(false);
      } else if (full) {
        read++;
        expect(readWireFields(b)).not.toBeNull();
      }
    }
    expect(refused).toBeGreaterThan(10_000);
    expect(read).toBeGreaterThan(50);
  });

  it('should treat one-case hex and digits as hex-like, and base64 or lz-string output as not', () => {
    expect(isHexLike('0123456789abcdef')).toBe(true);
    expect(isHexLike('DEADBEEF00')).toBe(true);
    expect(isHexLike('1714550000012')).toBe(true);
    expect(isHexLike('DeadBeef')).toBe(false);
    const next = rng(17);
    for (let i = 0; i < 200; i++) {
      expect(isHexLike(bytes(next, 12 + i).toString('base64'))).toBe(false);
      expect(isHexLike(LZString.compressToBase64(`token ${i}`))).toBe(false);
    }
  });

  it('should read bytes as lz-string UCS-2 as the library does, and any bytes as their big-endian string', () => {
    const next = rng(12);
    for (let i = 0; i < 300; i++) {
      const s = `${'ab'.repeat(i)}{"q":"${bytes(next, i % 30).toString('hex')}","é":"東京 ${i}"}`;
      const lz = LZString.compressToUint8Array(s);
      expect(lzFromUint8Array(lz, 1e9)).toBe(LZString.decompressFromUint8Array(lz));
      // Bytes that are not lz-string, odd lengths too: what the string of their 16-bit units reads as.
      const odd = Uint8Array.from({ length: Math.floor(next() * 400) }, () => Math.floor(next() * 256));
      let units = '';
      for (let k = 0; k + 1 < odd.length; k += 2) units += String.fromCharCode(odd[k]! * 256 + odd[k + 1]!);
      expect(lzFromUint8Array(odd, 1e9)).toBe(units === '' ? null : lzFromRaw(units, 1e9));
    }
  });

  it('should decode lz-string as the library does, and find the same tokens with and without the prefilter', () => {
    const seeded = rng(19);
    for (let i = 0; i < 200; i++) {
      const s = `${'ab'.repeat(i)}{"q":"${bytes(seeded, i % 30).toString('hex')}"}`;
      expect(lzFromBase64(LZString.compressToBase64(s), 1e9)).toBe(s);
    }
    const { forms } = tokenForms([
      { value: 'phc7k2x9qm4ztw', kind: 'canary', dataClass: 'search-terms', label: 'canary' },
      { value: 'Зимний поиск', kind: 'canary', dataClass: 'search-terms', label: 'canary' },
      { value: '356938035643809', kind: 'device-id', dataClass: 'device-ids', label: 'imei' },
    ]);
    const matcher = new Matcher(forms);
    // The same text with a token appended after a separator always passes the prefilter, so the
    // regular expressions run: the matches inside the text must be the same.
    const tail = `\u0000${forms[0]!.text}`;
    const next = rng(11);
    let found = 0;
    for (let i = 0; i < 3000; i++) {
      const f = forms[Math.floor(next() * forms.length)]!;
      let t = bytes(next, Math.floor(next() * 120)).toString(i % 2 ? 'base64' : 'latin1');
      if (i % 3 !== 0) {
        const at = Math.floor(next() * t.length);
        const text = f.caseInsensitive && i % 2 ? f.text.toUpperCase() : f.text;
        t = t.slice(0, at) + (i % 5 === 0 ? text.slice(1) : text) + t.slice(at);
      }
      const got = matcher.match(t).map((m) => [m.index, m.seen, m.form.form]);
      const all = matcher
        .match(t + tail)
        .filter((m) => m.index < t.length)
        .map((m) => [m.index, m.seen, m.form.form]);
      expect(got).toEqual(all);
      found += got.length;
    }
    expect(found).toBeGreaterThan(1000);
  });
});
