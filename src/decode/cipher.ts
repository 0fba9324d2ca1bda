import { createDecipheriv } from 'node:crypto';
import { decodeBase64 } from './base64.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import type { Layer } from './layer.ts';
import { quietly } from './quiet.ts';
import { isPlausibleDecode } from './sniff.ts';

export type CipherAlgorithm =
  | 'aes-128-cbc'
  | 'aes-192-cbc'
  | 'aes-256-cbc'
  | 'aes-128-ecb'
  | 'aes-192-ecb'
  | 'aes-256-ecb'
  | 'aes-128-gcm'
  | 'aes-256-gcm';

/**
 * A vendor cipher with a known key (e.g. pulled out of an app): data sent encrypted with it becomes
 * readable to the detectors. `iv` is fixed bytes, or `prefix` when the sender puts a fresh IV before
 * the ciphertext (GCM: 12-byte IV first, 16-byte tag last).
 */
export interface CipherSpec {
  /** kebab-case id; the chain step is `cipher:ID`. */
  id: string;
  /** One sentence: whose cipher this is and where the key came from. */
  says: string;
  algorithm: CipherAlgorithm;
  key: Buffer;
  iv?: Buffer | 'prefix';
}

const B64 = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2}){16,}$/;

function decrypt(spec: CipherSpec, data: Buffer): Buffer | null {
  return quietly(() => decryptLoud(spec, data));
}

function decryptLoud(spec: CipherSpec, data: Buffer): Buffer | null {
  try {
    if (spec.algorithm.endsWith('-gcm')) {
      if (data.length < 12 + 16 + 1) return null;
      const iv = spec.iv instanceof Buffer ? spec.iv : data.subarray(0, 12);
      const body = spec.iv instanceof Buffer ? data : data.subarray(12);
      const d = createDecipheriv(spec.algorithm as 'aes-128-gcm', spec.key, iv);
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
    }
    const ecb = spec.algorithm.endsWith('-ecb');
    let iv: Buffer | null = null;
    let body = data;
    if (!ecb) {
      if (spec.iv === 'prefix') {
        iv = data.subarray(0, 16);
        body = data.subarray(16);
      } else iv = spec.iv ?? Buffer.alloc(16);
    }
    if (body.length === 0 || body.length % 16 !== 0) return null;
    const d = createDecipheriv(spec.algorithm, spec.key, iv);
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    // Wrong padding or tag: not encrypted with this key.
    return null;
  }
}

/**
 * The plug-in point for vendor ciphers: a decoder that decrypts binary layers, and base64 or hex
 * text, with a known key. Ciphertext looks random, so the base64 and hex decoders drop it; this
 * decoder reads those encodings itself and names both steps in the chain.
 */
export function cipherDecoder(spec: CipherSpec): Decoder {
  const step = `cipher:${spec.id}`;
  return {
    id: `cipher-${spec.id}`,
    explain: () => `Decrypts ${spec.algorithm} data with a known key: ${spec.says}`,
    decode(layer: Layer): DecodeStep[] {
      const out: DecodeStep[] = [];
      const keep = (plain: Buffer | null, steps: string[]) => {
        if (plain && isPlausibleDecode(plain)) out.push({ step, steps, bytes: plain });
      };
      if (layer.binary) {
        keep(decrypt(spec, layer.bytes), [step]);
        return out;
      }
      const t = layer.trimmed;
      if (HEX.test(t)) keep(decrypt(spec, Buffer.from(t, 'hex')), ['hex', step]);
      if (out.length === 0 && B64.test(t)) {
        const bytes = decodeBase64(t);
        if (bytes) keep(decrypt(spec, bytes), ['base64', step]);
      }
      return out;
    },
  };
}
