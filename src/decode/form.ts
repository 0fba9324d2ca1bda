import { type DecodeStep, ofShape } from './decoder.ts';
import { layerIsForm } from './layer-shape.ts';
import { percentDecode, percentDecodeValue, percentStep } from './percent.ts';

/** Splits `a=1&b=2` into names (percent- and plus-decoded) and values read by `value`. */
function splitForm<V>(text: string, value: (raw: string) => V): Array<[string, V]> {
  const pairs: Array<[string, V]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    pairs.push([percentDecode(name, true), value(eq < 0 ? '' : part.slice(eq + 1))]);
  }
  return pairs;
}

/** Splits `a=1&b=2` into decoded name/value pairs; `+` is a space, as in HTML form posts. */
export function parseForm(text: string): Array<[string, string]> {
  return splitForm(text, (v) => percentDecode(v, true));
}

/**
 * Splits `a=1&b=2` like parseForm, but each value is percentDecodeValue's: bytes when the value
 * is percent-encoded binary (not UTF-8), so that it can be peeled further (gzip, protobuf...).
 */
export function parseFormValues(text: string): Array<[string, string | Buffer]> {
  return splitForm(text, (v) => percentDecodeValue(v, true));
}

/** Peels application/x-www-form-urlencoded text into one layer per field, named `form:NAME`. */
export const formDecoder = ofShape(layerIsForm, {
  id: 'form',
  explain: () =>
    'Splits form-urlencoded text (a=1&b=2) into its fields, percent- and plus-decoded (to bytes when they are not UTF-8).',
  decode(text: string): DecodeStep[] {
    const out: DecodeStep[] = [];
    // With no "%" and no "+" to decode, each value is written in the text as it is.
    const verbatim = !text.includes('%') && !text.includes('+');
    for (const [name, value] of parseFormValues(text)) {
      if (value.length === 0) continue;
      const step = percentStep(`form:${name}`, value);
      out.push(verbatim ? { ...step, verbatim } : step);
    }
    return out;
  },
});
