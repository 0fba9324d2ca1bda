import type { Budget } from './bounds.ts';
import { type DecodeStep, encodedOnly } from './decoder.ts';
import type { Layer } from './layer.ts';

/** JSON nesting deeper than this is not walked (the text itself is still searched). */
export const MAX_JSON_NESTING = 512;
/** String values shorter than this are not peeled: no token or encoding fits in them. */
const MIN_STRING = 4;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** tryParseJson of a layer's text, memoised so several decoders may ask at the cost of one parse. */
export function layerJson(layer: Layer): unknown {
  if (layer.memoJson === undefined) {
    // Only text that starts like JSON is worth the binary check and the parse.
    const c = layer.trimmed.charCodeAt(0);
    const shaped = c === 0x7b || c === 0x5b || c === 0x22;
    layer.memoJson = { value: shaped && !layer.binary ? tryParseJson(layer.trimmed) : undefined };
  }
  return layer.memoJson.value;
}

/** Parses text as JSON when it looks like JSON; undefined otherwise. */
export function tryParseJson(text: string): unknown {
  const t = text.trim();
  if (t.length < 2) return undefined;
  const first = t[0];
  const last = t[t.length - 1];
  const shaped =
    (first === '{' && last === '}') || (first === '[' && last === ']') || (first === '"' && last === '"');
  if (!shaped) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether a value can yield a layer: a long enough string, a number, or a container. */
function worth(value: unknown): boolean {
  if (typeof value === 'string') return value.length >= MIN_STRING;
  return typeof value === 'number' || (typeof value === 'object' && value !== null);
}

/**
 * Peels JSON into one layer per string value (and per long integer), named `json:$.path`. Strings
 * that hold JSON are peeled again by this same decoder; `\uXXXX` escapes are resolved by parsing.
 */
export const jsonDecoder = encodedOnly({
  id: 'json',
  explain: () => 'Parses JSON and peels each string value (and long number) with its JSONPath.',
  decode(layer: Layer, budget: Budget): DecodeStep[] {
    const parsed = layerJson(layer);
    if (parsed === undefined) return [];
    // Without a backslash in the JSON, every string value is written in it as it is.
    const verbatim = !layer.text.includes('\\');
    if (typeof parsed === 'string')
      return parsed.length >= MIN_STRING ? [{ step: 'json:$', text: parsed, verbatim }] : [];
    const out: DecodeStep[] = [];
    // Strings that would end here (see Layer.endsHere) are left out, their characters counted in
    // `skipped`, which is charged where they stood: in document order, before the next step.
    const endsHere = verbatim ? layer.endsHere : undefined;
    let skipped = 0;
    const flush = () => {
      if (skipped > 0) out.push({ step: '', skipped });
      skipped = 0;
    };
    // Iterative walk: hostile JSON may nest thousands deep, which would overflow a recursive one.
    // Containers wait on the stack as they are; their children are pushed when they come off it.
    // A value's path is made only when it is needed (most strings end here).
    const stack: Array<{ value: unknown; parent: string; key: string | number; depth: number }> = [
      { value: parsed, parent: '', key: '', depth: 0 },
    ];
    const pathOf = (e: { parent: string; key: string | number; depth: number }) =>
      e.depth === 0 ? '$' : childPath(e.parent, e.key);
    while (stack.length > 0) {
      const e = stack.pop()!;
      const value = e.value;
      if (typeof value === 'string') {
        if (value.length >= MIN_STRING) {
          if (endsHere?.(value)) skipped += value.length;
          else {
            flush();
            out.push({ step: `json:${pathOf(e)}`, text: value, verbatim });
          }
        }
      } else if (typeof value === 'number') {
        if (Number.isSafeInteger(value) && Math.abs(value) >= 100000) {
          flush();
          out.push({ step: `json:${pathOf(e)}`, text: String(value) });
        }
      } else if (value !== null && typeof value === 'object') {
        if (e.depth >= MAX_JSON_NESTING) {
          budget.hit(`JSON nested deeper than ${MAX_JSON_NESTING} levels was not walked`);
          continue;
        }
        const path = pathOf(e);
        const depth = e.depth + 1;
        // Push in reverse so children come out in document order.
        if (Array.isArray(value)) {
          for (let i = value.length - 1; i >= 0; i--) {
            const v: unknown = value[i];
            if (worth(v)) stack.push({ value: v, parent: path, key: i, depth });
          }
        } else {
          const keys = Object.keys(value);
          const obj = value as Record<string, unknown>;
          for (let i = keys.length - 1; i >= 0; i--) {
            const k = keys[i]!;
            const v = obj[k];
            if (worth(v)) stack.push({ value: v, parent: path, key: k, depth });
          }
        }
      }
    }
    flush();
    return out;
  },
});
