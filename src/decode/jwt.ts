import { type DecodeStep, encodedOnly } from './decoder.ts';
import type { Layer } from './layer.ts';

// A JWS compact token: the header and payload are base64url JSON objects, so both start "eyJ".
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** Peels JSON Web Tokens found anywhere in text into `jwt:header` and `jwt:payload` layers. */
export const jwtDecoder = encodedOnly({
  id: 'jwt',
  explain: () => 'Decodes the header and payload of JSON Web Tokens (eyJ….eyJ….signature) found in text.',
  decode(layer: Layer): DecodeStep[] {
    // The second part starts ".eyJ": base64 of JSON alone (also "eyJ…") has no dot.
    if (!layer.text.includes('.eyJ') || layer.binary) return [];
    const out: DecodeStep[] = [];
    for (const m of layer.text.matchAll(JWT)) {
      const [header, payload] = m[0].split('.');
      out.push({ step: 'jwt:header', text: Buffer.from(header!, 'base64url').toString('utf8') });
      out.push({ step: 'jwt:payload', text: Buffer.from(payload!, 'base64url').toString('utf8') });
      if (out.length >= 32) break;
    }
    return out;
  },
});
