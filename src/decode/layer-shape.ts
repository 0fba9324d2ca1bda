import type { Layer } from './layer.ts';

/**
 * What shape a layer's whole text has (a form, a URL), asked by several decoders: each leaves a
 * shape to the decoder that owns it, so these live apart from the decoders that import each other.
 */

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

/** Longer text is not parsed as a URL: browsers cap URLs near 2 MB, SDK fields far below. */
const MAX_URL = 64 * 1024;

// An absolute http(s) or ws(s) URL, or a protocol-relative one, as the whole (trimmed) layer.
export const URL_START = /^(?:(?:https?|wss?):)?\/\/[^\s/?#]/i;

/** Whether a layer's whole text is a URL the url decoder peels (percent leaves those to it). */
export function layerIsUrl(layer: Layer): boolean {
  if (layer.size > MAX_URL * 3) return false;
  const t = layer.trimmed;
  return t.length <= MAX_URL && URL_START.test(t) && !/\s/.test(t);
}
