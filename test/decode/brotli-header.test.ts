import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/rng.ts';
import { brotliGivesNothing } from '../../src/decode/brotli-header.ts';

/**
 * The options node's brotli decoder is called with: the probe's (sniff.ts), and a one-byte bound
 * with zlib's smallest chunk. The second stands for the decoder's (inflate.ts: the budget as the
 * bound, a 16K chunk) at its strictest: node hands output out only when a call fills its chunk or
 * the stream ends, so a 64-byte chunk gives output (or the bound's error) wherever a larger one does.
 */
const OPTIONS: zlib.BrotliOptions[] = [
  { maxOutputLength: 4096, chunkSize: 4096 },
  { chunkSize: zlib.constants.Z_MIN_CHUNK, maxOutputLength: 1 },
];

/** How node's brotli decoder ends on these bytes: 'output', 'empty', or the error's code. */
function brotliEnd(b: Buffer, options: zlib.BrotliOptions): string {
  try {
    return zlib.brotliDecompressSync(b, options).length > 0 ? 'output' : 'empty';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  }
}

/** Node's outcome when it gives nothing with every option set, else null. */
function nativeNothing(b: Buffer): string | null {
  const ends = OPTIONS.map((o) => brotliEnd(b, o));
  return ends.every((e) => e !== 'output' && e !== 'ERR_BUFFER_TOO_LARGE') ? ends[0]! : null;
}

/**
 * Checks every input refused against node: it must give nothing there, with every option set.
 * Returns how many were refused and node's outcomes on them.
 */
function checkRefusals(inputs: Iterable<Buffer>): { count: number; refused: number; ends: Set<string> } {
  let count = 0;
  let refused = 0;
  const ends = new Set<string>();
  for (const b of inputs) {
    count++;
    if (!brotliGivesNothing(b)) continue;
    refused++;
    const end = nativeNothing(b);
    if (end === null) expect.fail(`refused, but node gives output: ${b.toString('hex')}`);
    ends.add(end.replace(/^ERR__ERROR_FORMAT_/, ''));
  }
  return { count, refused, ends };
}

function* randomBytes(next: () => number, n: number, min: number, max: number): Generator<Buffer> {
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(min + Math.floor(next() * (max - min + 1)));
    for (let k = 0; k < b.length; k++) b[k] = Math.floor(next() * 256);
    yield b;
  }
}

/** Bits written lowest first, as brotli packs them. */
class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, bits: number): this {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >> i) & 1) << this.n;
      if (++this.n === 8) this.align();
    }
    return this;
  }
  align(): this {
    if (this.n > 0) this.bytes.push(this.acc);
    this.acc = 0;
    this.n = 0;
    return this;
  }
  raw(b: ArrayLike<number>): this {
    this.align();
    this.bytes.push(...Array.from(b));
    return this;
  }
  done(): Buffer {
    return Buffer.from(this.align().bytes);
  }
}

describe('brotliGivesNothing against node:zlib', () => {
  it('should refuse random bytes of 0-64 only where node gives nothing, and nearly all of them', () => {
    const r = checkRefusals(randomBytes(rng(43), 20_000, 0, 64));
    expect(r.refused).toBeGreaterThan(0.9 * r.count);
    // Every rule the check applies was met, or the comparison proves less than it says.
    expect([...r.ends].sort()).toEqual(
      expect.arrayContaining([
        'CL_SPACE',
        'CONTEXT_MAP_REPEAT',
        'EXUBERANT_META_NIBBLE',
        'EXUBERANT_NIBBLE',
        'HUFFMAN_SPACE',
        'PADDING_1',
        'PADDING_2',
        'RESERVED',
        'SIMPLE_HUFFMAN_ALPHABET',
        'SIMPLE_HUFFMAN_SAME',
        'WINDOW_BITS',
        'Z_BUF_ERROR',
        'empty',
      ]),
    );
  });

  it('should refuse longer random bytes (65-2000) only where node gives nothing', () => {
    const r = checkRefusals(randomBytes(rng(47), 20_000, 65, 2000));
    expect(r.refused).toBeGreaterThan(0.9 * r.count);
  });

  it('should refuse nearly every 32-hex-digit id decoded to 16 bytes (session ids), only where node gives nothing', () => {
    const r = checkRefusals(randomBytes(rng(53), 20_000, 16, 16));
    expect(r.refused).toBeGreaterThan(0.999 * r.count);
  });

  it('should refuse uncompressed meta-blocks only where node gives nothing: whole, followed or cut short', () => {
    const next = rng(59);
    let streams = 0;
    const inputs = function* (): Generator<Buffer> {
      for (let i = 0; i < 20_000; i++) {
        // WBITS 16, then meta-blocks: not last, 4 nibbles of MLEN - 1, uncompressed, the bytes.
        const w = new BitWriter().put(0, 1);
        for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
          const length = 1 + Math.floor(next() * (next() < 0.5 ? 20 : 90));
          w.put(0, 1)
            .put(0, 2)
            .put(length - 1, 16)
            .put(1, 1);
          w.raw(Array.from({ length }, () => Math.floor(next() * 256)));
        }
        const end = next();
        // An empty last meta-block, a last metadata block, or random bytes.
        if (end < 0.3) w.put(1, 1).put(1, 1);
        else if (end < 0.5) w.put(1, 1).put(0, 1).put(3, 2).put(0, 1).put(0, 2);
        else if (end < 0.8)
          w.raw(Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 256)));
        const b = w.done();
        if (end < 0.5) streams++;
        yield next() < 0.3 ? b.subarray(0, Math.floor(next() * b.length)) : b;
      }
    };
    const r = checkRefusals(inputs());
    expect(streams).toBeGreaterThan(5000);
    expect(r.refused).toBeGreaterThan(0.3 * r.count);
    expect([...r.ends]).toEqual(expect.arrayContaining(['Z_BUF_ERROR', 'PADDING_2']));
  });

  it('should never refuse brotli streams node writes, of short and long texts, and cut short only where node gives nothing', () => {
    const next = rng(61);
    const cut: Buffer[] = [];
    for (let i = 0; i < 800; i++) {
      const text =
        i % 4 === 0
          ? `{"q":"new york pizza","i":${i}}`
          : JSON.stringify({
              i,
              t: 'word '.repeat(i * 7),
              r: Math.floor(next() * 1e12).toString(36),
              u: Buffer.from(Array.from({ length: i % 50 }, () => Math.floor(next() * 256))).toString('hex'),
            });
      const stream = zlib.brotliCompressSync(text, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: i % 12,
          [zlib.constants.BROTLI_PARAM_LGWIN]: 10 + (i % 15),
        },
      });
      expect(brotliGivesNothing(stream), stream.toString('hex')).toBe(false);
      for (let k = 0; k < 8; k++) cut.push(stream.subarray(0, Math.floor(next() * stream.length)));
    }
    const r = checkRefusals(cut);
    expect(r.refused).toBeGreaterThan(0.3 * r.count);
  });
});
