import type { Decoder, DecodeStep } from './decoder.ts';
import { layerIsForm } from './form.ts';
import type { Layer } from './layer.ts';

const HAS_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * Percent-decodes text leniently: valid `%XX` runs become their UTF-8 characters, invalid ones stay
 * as they are, and `+` becomes a space when `plusIsSpace` (form encoding).
 */
export function percentDecode(text: string, plusIsSpace: boolean): string {
  const src = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  if (!src.includes('%')) return src;
  try {
    return decodeURIComponent(src);
  } catch {
    // Malformed sequences somewhere: decode each run of escapes on its own and keep what fails.
    return src.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
      }
    });
  }
}

/** Peels percent-encoding (`%XX`, also double-encoded, one level per step). */
export const percentDecoder: Decoder = {
  id: 'percent',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () => 'Percent-decodes text that holds %XX escapes (each level of double encoding is one step).',
  decode(layer: Layer): DecodeStep[] {
    const text = layer.text;
    // The binary check scans a sample; the search for "%" is cheaper, so it comes first.
    if (!text.includes('%') || layer.binary) return [];
    // Form text is split and decoded field by field by the form decoder, which names the fields.
    if (!HAS_ESCAPE.test(text) || layerIsForm(layer)) return [];
    const out = percentDecode(text, false);
    return out === text ? [] : [{ step: 'percent', text: out }];
  },
};
