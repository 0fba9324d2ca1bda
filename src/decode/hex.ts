import type { Decoder, DecodeStep } from './decoder.ts';
import type { Layer } from './layer.ts';
import { isPlausibleDecode } from './sniff.ts';

const HEX = /^(?:[0-9a-fA-F]{2}){6,}$/;

/** Peels hex-encoded bytes (whole layer, either case) when they decode to something plausible. */
export const hexDecoder: Decoder = {
  id: 'hex',
  ignoresPlainText: true,
  explain: () => 'Decodes a layer that is entirely hexadecimal into the bytes it spells.',
  mayPeel: (text) => {
    const t = text.trim();
    return t.length >= 12 && t.length % 2 === 0 && HEX.test(t);
  },
  decode(layer: Layer): DecodeStep[] {
    const t = layer.trimmed;
    if (t.length < 12 || t.length % 2 !== 0 || layer.binary || !HEX.test(t)) return [];
    const bytes = Buffer.from(t, 'hex');
    return isPlausibleDecode(bytes) ? [{ step: 'hex', bytes }] : [];
  },
};
