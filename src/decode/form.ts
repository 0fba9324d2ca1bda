import type { Decoder, DecodeStep } from './decoder.ts';
import type { Layer } from './layer.ts';
import { percentDecode, percentDecodeValue, percentStep } from './percent.ts';

// name=value pairs joined by &; names from the characters forms use (no quotes, braces, slashes,
// so JSON and URLs are not mistaken for forms); the whole text must have this shape.
const NAME = '[\\w.\\-\\[\\]%$*~!@|,:;]{1,256}';
const FORM_SHAPE = new RegExp(`^${NAME}=[^&]*(?:&${NAME}(?:=[^&]*)?)*&?$`);

/** Whether the whole text is form-urlencoded (`a=1&b=2`). */
export function isFormShaped(text: string): boolean {
  return text.length >= 2 && text.includes('=') && FORM_SHAPE.test(text);
}

/** isFormShaped of a layer's trimmed text, memoised: the percent, form and base64 decoders all ask. */
export function layerIsForm(layer: Layer): boolean {
  if (layer.memoForm === undefined) layer.memoForm = isFormShaped(layer.trimmed) && !layer.binary;
  return layer.memoForm;
}

/** Splits `a=1&b=2` into decoded name/value pairs; `+` is a space, as in HTML form posts. */
export function parseForm(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(name, true), percentDecode(value, true)]);
  }
  return pairs;
}

/**
 * Splits `a=1&b=2` like parseForm, but each value is percentDecodeValue's: bytes when the value
 * is percent-encoded binary (not UTF-8), so that it can be peeled further (gzip, protobuf...).
 */
export function parseFormValues(text: string): Array<[string, string | Buffer]> {
  const pairs: Array<[string, string | Buffer]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(name, true), percentDecodeValue(value, true)]);
  }
  return pairs;
}

/** Peels application/x-www-form-urlencoded text into one layer per field, named `form:NAME`. */
export const formDecoder: Decoder = {
  id: 'form',
  ignoresPlainText: true,
  ignoresHexText: true,
  explain: () =>
    'Splits form-urlencoded text (a=1&b=2) into its fields, percent- and plus-decoded (to bytes when they are not UTF-8).',
  decode(layer: Layer): DecodeStep[] {
    if (!layerIsForm(layer)) return [];
    const text = layer.trimmed;
    const out: DecodeStep[] = [];
    for (const [name, value] of parseFormValues(text)) {
      if (value.length > 0) out.push(percentStep(`form:${name}`, value));
    }
    return out;
  },
};
