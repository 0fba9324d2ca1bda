import zlib from 'node:zlib';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { BoundError, Budget, DEFAULT_BOUNDS } from '../../src/decode/bounds.ts';
import { DeadEnds } from '../../src/decode/dead-ends.ts';
import type { Decoder } from '../../src/decode/decoder.ts';
import { jsonDecoder } from '../../src/decode/json.ts';
import { Layer } from '../../src/decode/layer.ts';
import { lzDecompress } from '../../src/decode/lz-bounded.ts';
import { peel } from '../../src/decode/peel.ts';
import { defaultDecoders } from '../../src/decode/registry.ts';
import { fixedBlockFails, mayBeRawDeflate } from '../../src/decode/sniff.ts';
import { Analyzer } from '../../src/detect/analyze.ts';
import { tokenForms } from '../../src/detect/forms.ts';
import { Matcher } from '../../src/detect/matcher.ts';
import { CANARY, canary, deviceId, makeFlow } from '../detect/helpers.ts';

// Seeded so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * lz-string 1.5.0's decompression loop with the bound, as lz-bounded.ts had it before its
 * dictionary became runs of the output: the reference the new loop must match, outcome for outcome.
 */
function stringLoop(values: ArrayLike<number>, resetValue: number, maxChars: number): string | null {
  const length = values.length;
  const dictionary: string[] = [];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  const result: string[] = [];
  let val = length > 0 ? values[0]! : 0;
  let position = resetValue;
  let index = 1;
  const read = (n: number): number => {
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if ((val & position) !== 0) bits |= 1 << i;
      position >>= 1;
      if (position === 0) {
        position = resetValue;
        val = index < length ? values[index]! : 0;
        index++;
      }
    }
    return bits;
  };
  let c: string;
  const first = read(2);
  if (first === 0) c = String.fromCharCode(read(8));
  else if (first === 1) c = String.fromCharCode(read(16));
  else return '';
  for (let i = 0; i < 3; i++) dictionary[i] = String(i);
  dictionary[3] = c;
  let w = c;
  let total = c.length;
  if (total > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
  result.push(c);
  for (;;) {
    if (index > length) return '';
    let code = read(numBits);
    if (code === 0 || code === 1) {
      dictionary[dictSize++] = String.fromCharCode(read(code === 0 ? 8 : 16));
      code = dictSize - 1;
      enlargeIn--;
    } else if (code === 2) {
      return result.join('');
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    const known = code > 2 ? dictionary[code] : undefined;
    if (known) entry = known;
    else if (code === dictSize) entry = w + w.charAt(0);
    else return null;
    total += entry.length;
    if (total > maxChars) throw new BoundError(`lz-string data expanded past ${maxChars} characters`);
    result.push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}

/** What a decompression gives: its text, null, or the bound's message. */
function outcome(f: () => string | null): string | null | { bound: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof BoundError) return { bound: e.message };
    throw e;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

describe('lz-string decompression on runs of the output', () => {
  it('should give what the string loop gives on lz-string of every width, cut short and bounded', () => {
    const next = rng(23);
    let texts = 0;
    for (let i = 0; i < 400; i++) {
      const s = `${'ab'.repeat(i % 50)}{"q":"东京 ${i}","u":"${Math.floor(next() * 1e9).toString(36)}"}${'\u{1f355}'.repeat(i % 3)}`;
      const b64 = LZString.compressToBase64(s);
      const forms: Array<[number[], number]> = [
        [[...b64].map((ch) => B64.indexOf(ch)), 32],
        [[...LZString.compressToUTF16(s)].map((ch) => ch.charCodeAt(0) - 32), 16384],
        [[...LZString.compress(s)].map((ch) => ch.charCodeAt(0)), 32768],
      ];
      for (const [values, reset] of forms) {
        // Whole, cut short at a random point, and with bounds below and at the output's length.
        const cut = values.slice(0, Math.floor(next() * values.length));
        for (const [v, max] of [
          [values, 1e9],
          [cut, 1e9],
          [values, Math.floor(next() * s.length)],
          [values, s.length],
          [values, 0],
        ] as Array<[number[], number]>) {
          const want = outcome(() => stringLoop(v, reset, max));
          expect(outcome(() => lzDecompress(v, reset, max))).toEqual(want);
          if (typeof want === 'string' && want.length > 0) texts++;
        }
      }
      expect(lzDecompress(forms[0]![0], 32, 1e9)).toBe(s);
    }
    expect(texts).toBeGreaterThan(1000);
  });

  it('should give what the string loop gives on random input: null, empty, garbage or the bound', () => {
    const next = rng(29);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const reset = [32, 16384, 32768][i % 3]!;
      // Values as the callers make them: alphabet indexes, char codes minus 32 (may be negative),
      // 16-bit units; some beyond the width, as a character outside the alphabet would give.
      const n = Math.floor(next() * 300);
      const values = Array.from({ length: n }, () =>
        reset === 32 ? Math.floor(next() * 64) : Math.floor(next() * 65536) - (reset === 16384 ? 32 : 0),
      );
      const max = i % 5 === 0 ? Math.floor(next() * 200) : 1e9;
      const want = outcome(() => stringLoop(values, reset, max));
      expect(outcome(() => lzDecompress(values, reset, max))).toEqual(want);
      seen.add(
        want === null ? 'null' : typeof want === 'string' ? (want === '' ? 'empty' : 'text') : 'bound',
      );
    }
    // Every outcome occurred, or the comparison above proves less than it says.
    expect([...seen].sort()).toEqual(['bound', 'empty', 'null', 'text']);
  });
});

/** A json decoder without the shortcut: it never sees what ends in a layer that holds nothing. */
const jsonInFull: Decoder = {
  ...jsonDecoder,
  decode(layer, budget) {
    const ends = layer.endsHere;
    layer.endsHere = undefined;
    try {
      return jsonDecoder.decode(layer, budget);
    } finally {
      layer.endsHere = ends;
    }
  },
};

/** Everything peel told a visitor, in order, and the gaps' reasons. */
function trace(root: Layer, decoders: Decoder[], matcher: Matcher, max: number, dead: DeadEnds): string[] {
  const log: string[] = [];
  const budget = new Budget({ ...DEFAULT_BOUNDS, maxExpandedBytes: max });
  peel(
    root,
    decoders,
    budget,
    {
      layer: (l, i, p) => {
        const hits = matcher.match(l.text).map((m) => `${m.index}:${m.seen}`);
        log.push(`layer ${i}<${p} ${l.chain.join('>')} ${hits.join(',')} ${budget.remaining()}`);
        return matcher.occurred;
      },
      clean: (l, i, p) => log.push(`clean ${i}<${p} ${l.chain.join('>')}`),
      // With the budget left: pieces must be charged where they stood, not later.
      alias: (p, i, chain) => log.push(`alias ${i}<${p} ${chain.join('>')} ${budget.remaining()}`),
    },
    dead,
  );
  log.push(`hits ${budget.hits.join('; ')} left ${budget.remaining()}`);
  return log;
}

describe('JSON strings left out where they end', () => {
  const tokens = [canary(), deviceId('356938035643809', 'imei')];
  const matcher = new Matcher(tokenForms(tokens).forms);

  /** Random JSON shaped like telemetry: plain words, ids, URLs, numbers, encoded values, tokens. */
  function randomJson(next: () => number, depth = 0): unknown {
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
    const leaf = () =>
      pick<() => unknown>([
        () => pick(['Chrome', 'Linux', 'click', 'Add to cart', 'web', '$pageview', 'en-US']),
        () => Math.floor(next() * 2 ** 40).toString(16),
        () =>
          `https://shop.test/p/${Math.floor(next() * 1e6)}?utm_source=mail&page=${Math.floor(next() * 9)}`,
        () => `https://shop.test/search?q=${pick(['a%20b', 'x+y', 'word'])}`,
        () => Math.floor(next() * 1e13),
        () => next(),
        () => Buffer.from(`{"id":"${pick([CANARY, 'nothing here'])}"}`).toString('base64'),
        () => encodeURIComponent(`{"q":"${pick([CANARY, 'plain'])}"}`),
        () => pick([CANARY, '356938035643809', `x ${CANARY} y`, 'almost phc7k2x9qm4zt']),
        () => 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ',
        () => null,
      ])();
    if (depth > 3 || next() < 0.3) return leaf();
    if (next() < 0.4)
      return Array.from({ length: Math.floor(next() * 5) }, () => randomJson(next, depth + 1));
    const o: Record<string, unknown> = {};
    for (let k = Math.floor(next() * 6); k > 0; k--)
      o[pick(['a', '$b', 'c d', 'url', 'x-y', `k${k}`])] = randomJson(next, depth + 1);
    return o;
  }

  it('should peel alike with and without leaving them out: layers, aliases, dead ends and bounds', () => {
    let left = 0;
    // The decoders as scan has them, counting the pieces the json decoder leaves out.
    const all = defaultDecoders()
      .all()
      .map(
        (d): Decoder =>
          d.id === 'json'
            ? {
                ...d,
                decode: (layer, budget) => {
                  const steps = d.decode(layer, budget);
                  left += steps.filter((s) => s.skipped !== undefined).length;
                  return steps;
                },
              }
            : d,
      );
    const full = all.map((d) => (d.id === 'json' ? jsonInFull : d));
    const next = rng(31);
    let cleanLayers = 0;
    let bounded = 0;
    const deadA = new DeadEnds();
    const deadB = new DeadEnds();
    for (let i = 0; i < 1500; i++) {
      const doc = JSON.stringify(randomJson(next));
      // Escapes (not verbatim) now and then; a small expansion bound now and then.
      const text = i % 9 === 0 ? doc.replace(/a/g, '\\u0061') : doc;
      const max = i % 4 === 0 ? Math.floor(next() * 2 * text.length) : DEFAULT_BOUNDS.maxExpandedBytes;
      const root = () => (i % 2 ? Layer.fromText(text) : Layer.fromBytes(Buffer.from(text)));
      const want = trace(root(), full, matcher, max, deadA);
      expect(trace(root(), all, matcher, max, deadB)).toEqual(want);
      cleanLayers += want.filter((l) => l.startsWith('clean')).length;
      if (!want[want.length - 1]!.startsWith('hits  ')) bounded++;
    }
    expect(cleanLayers).toBeGreaterThan(100);
    expect(left).toBeGreaterThan(300);
    expect(bounded).toBeGreaterThan(50);
  });

  it('should still find a token in a string of a JSON layer that holds none as written', () => {
    const analyzer = new Analyzer([canary()]);
    // Each in a text of its own (identical layers are visited once, reached first by base64).
    const body = JSON.stringify({
      event: 'click',
      b64: Buffer.from(`{"q":"a ${CANARY}"}`).toString('base64'),
      pct: encodeURIComponent(`q=b ${CANARY}&x=1`).replace(/7/g, '%37'),
      url: `https://shop.test/s?q=c+${encodeURIComponent(CANARY).replace(/k/g, '%6B')}`,
    });
    expect(body).not.toContain(CANARY);
    const chains = analyzer
      .analyzeFlow(makeFlow('https://collect.test/e', body))
      .findings.map((f) => f.chain.join(' > '));
    expect(chains).toEqual([
      'json:$.b64 > base64 > json:$.q',
      'json:$.pct > percent > form:q',
      'json:$.url > url > query:q',
    ]);
  });
});

describe('raw deflate with a fixed-code first block', () => {
  /** How zlib ends on these bytes, with the probe's options or the deflate decoder's. */
  const zlibEnd = (b: Buffer, options: zlib.ZlibOptions): string => {
    try {
      zlib.inflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH, ...options });
      return 'output';
    } catch (e) {
      return (e as { code?: string }).code ?? 'error';
    }
  };

  it('should be refused only where zlib fails before any output, with the probe and the decoder alike', () => {
    const next = rng(37);
    let refused = 0;
    let failed = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = Buffer.from(Array.from({ length: 4 + (i % 120) }, () => Math.floor(next() * 256)));
      // BTYPE 01 (fixed codes), BFINAL either way.
      b[0] = (b[0]! & ~6) | 2;
      const probe = zlibEnd(b, { maxOutputLength: 4096, chunkSize: 4096 });
      if (probe !== 'output') failed++;
      if (!fixedBlockFails(b)) continue;
      refused++;
      expect(mayBeRawDeflate(b)).toBe(false);
      // A data error, never the output bound: even with a bound of one byte the error comes first.
      expect(probe).not.toMatch(/^(output|ERR_BUFFER_TOO_LARGE)$/);
      expect(zlibEnd(b, { maxOutputLength: 1 })).not.toMatch(/^(output|ERR_BUFFER_TOO_LARGE)$/);
    }
    // Most random bytes with a fixed first block fail in zlib, and are refused here.
    expect(failed).toBeGreaterThan(18_000);
    expect(refused).toBeGreaterThan(0.95 * failed);
  });

  it('should never refuse fixed-code streams zlib writes, whole or cut short', () => {
    const next = rng(41);
    for (let i = 0; i < 500; i++) {
      const text = JSON.stringify({
        i,
        t: 'word '.repeat(i % 70),
        id: Math.floor(next() * 1e12).toString(36),
      });
      const s = zlib.deflateRawSync(text, { strategy: zlib.constants.Z_FIXED });
      expect(fixedBlockFails(s)).toBe(false);
      expect(fixedBlockFails(s.subarray(0, 1 + Math.floor(next() * s.length)))).toBe(false);
      // Two blocks: the first not final.
      const two = zlib.deflateRawSync(Buffer.from(text), { strategy: zlib.constants.Z_FIXED, level: 1 });
      expect(mayBeRawDeflate(two)).toBe(true);
    }
  });
});
