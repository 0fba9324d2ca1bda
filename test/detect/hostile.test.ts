import zlib from 'node:zlib';
import fc from 'fast-check';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeFlow } from '../../src/detect/analyze.ts';
import { CANARY, canary, makeFlow } from './helpers.ts';

const tokens = [canary()];

describe('hostile input', () => {
  it('should stop a gzip bomb at the expansion bound and record a decode-bound gap', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const r = analyzeFlow(makeFlow('https://t.example/c', bomb), tokens, {
      maxExpandedBytes: 8 * 1024 * 1024,
    });
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]).toMatchObject({
      kind: 'decode-bound',
      flowId: 'test:normal/s#0',
      host: 't.example',
      target: 'test:normal',
      scenario: 's',
      mode: 'normal',
    });
    expect(r.gaps[0]!.reason).toMatch(/gzip data inflated past/);
  });

  it('should stop base64 nested 50 deep at the depth bound', () => {
    let s = CANARY;
    for (let i = 0; i < 50; i++) s = Buffer.from(s).toString('base64');
    // The 25 MB string takes seconds to peel on a loaded machine: the time bound is lifted so the
    // depth bound is what this test sees.
    const r = analyzeFlow(makeFlow('https://t.example/c', s), tokens, {
      maxExpandedBytes: 1024 * 1024 * 1024,
      maxMs: 120_000,
    });
    expect(r.gaps.map((g) => g.reason).join()).toMatch(/deeper than 16 steps|expanded past/);
  });

  it('should record a gap for JSON nested 10,000 deep and still search its text', () => {
    const deep = `${'['.repeat(10000)}"${CANARY}"${']'.repeat(10000)}`;
    const r = analyzeFlow(makeFlow('https://t.example/c', deep), tokens);
    expect(r.findings.map((f) => f.where)).toEqual(['body']);
    expect(r.gaps[0]!.reason).toMatch(/JSON nested deeper than 512/);
  });

  it('should search invalid UTF-8 and a 1 MB header without failing', () => {
    const bad = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(CANARY),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]);
    expect(analyzeFlow(makeFlow('https://t.example/c', bad), tokens).findings).toHaveLength(1);
    const big = `${'A'.repeat(1024 * 1024)}${CANARY}`;
    const r = analyzeFlow(makeFlow('https://t.example/c', '', [{ name: 'X-Big', value: big }]), tokens);
    expect(r.findings.map((f) => f.where)).toEqual(['header:x-big']);
  });

  it('should stop at the time bound', () => {
    const many = JSON.stringify(
      Array.from({ length: 20000 }, (_, i) => Buffer.from(`value number ${i} ${CANARY}`).toString('base64')),
    );
    const r = analyzeFlow(makeFlow('https://t.example/c', many), tokens, { maxMs: 1 });
    expect(r.gaps[0]?.reason).toMatch(/longer than 1 ms/);
  });
});

describe('property: any stack of encodings hides no token', () => {
  const layers: Record<string, (s: string) => string> = {
    base64: (s) => Buffer.from(s).toString('base64'),
    percent: (s) => encodeURIComponent(s),
    gzip64: (s) => zlib.gzipSync(s).toString('base64'),
    json: (s) => JSON.stringify({ v: s }),
    form: (s) => `a=1&d=${encodeURIComponent(s)}`,
    lz64: (s) => LZString.compressToBase64(s),
  };
  it('should find the canary through up to four random layers (fixed seed)', () => {
    const analyzer = new Analyzer(tokens);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.array(fc.constantFrom(...Object.keys(layers)), { maxLength: 4 }),
        (pad, stack) => {
          let s = `${pad} ${CANARY} ${pad}`;
          for (const l of stack) s = layers[l]!(s);
          const r = analyzer.analyzeFlow(makeFlow('https://t.example/c', s));
          expect(r.findings.length).toBeGreaterThan(0);
          expect(r.gaps).toEqual([]);
        },
      ),
      { seed: 20240501, numRuns: 300 },
    );
  });

  it('should never throw on arbitrary bytes (fixed seed)', () => {
    const analyzer = new Analyzer(tokens);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const r = analyzer.analyzeFlow(makeFlow('https://t.example/c', Buffer.from(bytes)));
        expect(r.findings).toEqual([]);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
