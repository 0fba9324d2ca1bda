import { base64Decoder } from './base64.ts';
import { compressedDecoders } from './compressed.ts';
import { DecoderRegistry } from './decoder.ts';
import { formDecoder } from './form.ts';
import { hexDecoder } from './hex.ts';
import { jsonDecoder } from './json.ts';
import { jwtDecoder } from './jwt.ts';
import { lzStringDecoder } from './lz-string.ts';
import { multipartDecoder } from './multipart.ts';
import { percentDecoder } from './percent.ts';
import { protobufDecoder } from './protobuf.ts';
import { urlDecoder } from './url.ts';

/** A new registry holding every built-in decoder; add vendor ciphers to it with `register`. */
export function defaultDecoders(): DecoderRegistry {
  // Order matters when two decoders reach the same layer: the first one's chain is kept, so
  // structural decoders (which name fields) come before guessing ones. lz-string comes before
  // base64, which skips its probe for headerless compression on text lz-string read.
  return new DecoderRegistry([
    urlDecoder,
    percentDecoder,
    formDecoder,
    multipartDecoder,
    jsonDecoder,
    jwtDecoder,
    protobufDecoder,
    compressedDecoders.gzip,
    compressedDecoders.zlib,
    compressedDecoders.zstd,
    lzStringDecoder,
    base64Decoder,
    hexDecoder,
    compressedDecoders.deflate,
    compressedDecoders.brotli,
  ]);
}
