import type { Budget } from './bounds.ts';
import { brotliGivesNothing } from './brotli-header.ts';
import { type Decoder, type DecodeStep, encodedOnly } from './decoder.ts';
import { inflate } from './inflate.ts';
import type { Layer } from './layer.ts';
import { quietly } from './quiet.ts';
import { hasCompressionMagic, isPlausibleDecode, isZlibHeader, mayBeRawDeflate } from './sniff.ts';
import { unzstd } from './zstd.ts';

type CompressedId = 'gzip' | 'zlib' | 'zstd' | 'deflate' | 'brotli';

/**
 * The compressed formats, one row each: they peel alike (recognise the stream, decompress within the
 * budget, keep the output), so one function makes their decoders and each row says only what is its
 * format's own. Compressed bytes do not survive being held in a string (its UTF-8 re-encodes every
 * byte above 7f), so a layer made from a string is tried only where `fromText` allows it.
 */
interface CompressedFormat {
  id: CompressedId;
  explain: string;
  /** Shortest stream worth trying (a header and an end). */
  minBytes: number;
  /** True when a layer made from a string may be of this format (default: never). */
  fromText?: (text: string) => boolean;
  /** The stream's header (or, without one, the shape of its bytes). */
  recognise: (bytes: Buffer, layer: Layer) => boolean;
  decompress: (bytes: Buffer, budget: Budget) => Buffer | null;
  /**
   * `non-empty`: a format recognised by its header keeps any output; `plausible`: one with no magic
   * number keeps only output that reads as text or known data (otherwise every binary layer would
   * peel into noise).
   */
  keep: 'non-empty' | 'plausible';
}

const COMPRESSED_FORMATS: readonly CompressedFormat[] = [
  {
    id: 'gzip',
    explain: 'Inflates gzip data, recognised by its 1f 8b header.',
    minBytes: 18,
    // 8b cannot follow 1f in UTF-8: a layer made from a string is never gzip.
    recognise: (b) => b[0] === 0x1f && b[1] === 0x8b,
    decompress: (b, budget) => inflate('gzip', b, budget),
    keep: 'non-empty',
  },
  {
    id: 'zlib',
    explain: 'Inflates zlib data (deflate with a zlib header, e.g. 78 9c).',
    minBytes: 6,
    // The first byte must have compression method 8 and a window of at most 32K (a high nibble of 7
    // or less): a character of U+0080 or above is encoded from C2 upwards, so it never is.
    fromText: (text) => {
      const c = text.charCodeAt(0);
      return c < 0x80 && (c & 0x0f) === 8;
    },
    recognise: (b) => isZlibHeader(b),
    decompress: (b, budget) => inflate('zlib', b, budget),
    keep: 'non-empty',
  },
  {
    id: 'zstd',
    explain: 'Decompresses zstd data, recognised by its 28 b5 2f fd frame header.',
    minBytes: 9,
    // b5 cannot follow 28 in UTF-8: a layer made from a string is never zstd.
    recognise: (b) => b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd,
    decompress: (b, budget) => quietly(() => unzstd(b, budget)),
    keep: 'non-empty',
  },
  {
    id: 'deflate',
    explain: 'Inflates raw deflate data (no header), kept only when the result reads as text or known data.',
    minBytes: 4,
    // No header (as pako.deflateRaw and fflate.deflateSync write it): tried on binary layers only.
    recognise: (b, layer) => layer.hasControl && !hasCompressionMagic(b) && mayBeRawDeflate(b),
    decompress: (b, budget) => inflate('deflate', b, budget),
    keep: 'plausible',
  },
  {
    id: 'brotli',
    explain: 'Decompresses brotli data, kept only when the result reads as text or known data.',
    minBytes: 4,
    // Brotli has no magic number: tried on binary layers only, and not where its headers show that
    // the decoder would fail (or give nothing) before writing output, as random bytes nearly always do.
    recognise: (b, layer) => layer.hasControl && !hasCompressionMagic(b) && !brotliGivesNothing(b),
    decompress: (b, budget) => inflate('brotli', b, budget),
    keep: 'plausible',
  },
];

/** The decoder of one compressed format (a row of COMPRESSED_FORMATS). */
function compressedDecoder(format: CompressedFormat): Decoder {
  const { id, explain, minBytes, fromText, recognise, decompress, keep } = format;
  return encodedOnly({
    id,
    explain: () => explain,
    decode(layer: Layer, budget: Budget): DecodeStep[] {
      if (layer.textOrigin && !fromText?.(layer.text)) return [];
      const b = layer.bytes;
      if (b.length < minBytes || !recognise(b, layer)) return [];
      const out = decompress(b, budget);
      if (!out) return [];
      return (keep === 'plausible' ? isPlausibleDecode(out) : out.length > 0)
        ? [{ step: id, bytes: out }]
        : [];
    },
  });
}

/** The decoders of the compressed formats, by id (gzip, zlib, zstd, deflate, brotli). */
export const compressedDecoders = Object.fromEntries(
  COMPRESSED_FORMATS.map((f) => [f.id, compressedDecoder(f)]),
) as Readonly<Record<CompressedId, Decoder>>;
