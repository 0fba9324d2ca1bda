import { type DecodeStep, ofShape } from './decoder.ts';
import { parseFormValues } from './form.ts';
import { layerIsUrl } from './layer-shape.ts';
import { percentDecode } from './percent.ts';

/** Path, query value or fragment shorter than this holds no token (MIN_TOKEN_LENGTH). */
const MIN_PART = 4;

// A run of base64 characters as long as base64.ts looks for inside text ("/" splits path segments).
const BASE64_RUN = /[A-Za-z0-9+_-]{16,}/;

/**
 * Peels a URL held anywhere (a Referer header, a JSON string such as `$current_url`, a form or
 * cookie value, a protobuf string): its path percent-decoded (`url → path`), each query value
 * percent- and plus-decoded (`url → query:NAME`, bytes when they are not UTF-8) and its fragment
 * (`url → fragment`, which the form decoder splits further when it is `a=1&b=2`). Parts shorter
 * than a token, and a path with nothing escaped (the URL's own text already holds it), are not
 * peeled.
 */
/** One step per query value long enough to hold a token, named `query:NAME` after `chain`. */
function queryValues(query: string, chain: string[], out: DecodeStep[]): void {
  if (query === '') return;
  // With no "%" and no "+" to decode, names and values are written in the URL as they are.
  const verbatim = !query.includes('%') && !query.includes('+');
  for (const [name, value] of parseFormValues(query)) {
    // A bare "?word" is a query too (some engines take the term so).
    if (value.length === 0 && name.length >= MIN_PART)
      out.push({ step: 'url', steps: [...chain, 'query'], text: name, verbatim });
    if (value.length < MIN_PART) continue;
    const steps = [...chain, `query:${name}`];
    out.push(
      typeof value === 'string'
        ? { step: 'url', steps, text: value, verbatim }
        : { step: 'url', steps, bytes: value, verbatim },
    );
  }
}

// Encoded only: a URL with no "%" and no "=" has no escaped path and no query value, so its text
// is all there is.
export const urlDecoder = ofShape(layerIsUrl, {
  id: 'url',
  explain: () =>
    'Parses a URL found in any layer and peels its path, each query parameter and its fragment, percent-decoded.',
  decode(t: string): DecodeStep[] {
    // Only what the URL parser accepts is a URL (it also refuses a bad host or port).
    if (!URL.canParse(t.startsWith('//') ? `https:${t}` : t)) return [];
    const out: DecodeStep[] = [];
    // The raw path as written: URL normalises it (re-escaping spaces and non-ASCII), so it is cut
    // from the text rather than read from `url.pathname`.
    const rest = t.replace(/^[^/]*\/\/[^/?#]*/, '');
    const q = rest.search(/[?#]/);
    const path = q < 0 ? rest : rest.slice(0, q);
    // Peeled when escaped, or when it may hold base64 (which is not looked for in the whole URL).
    if (path.length >= MIN_PART && (path.includes('%') || BASE64_RUN.test(path))) {
      out.push({
        step: 'url',
        steps: ['url', 'path'],
        text: percentDecode(path, false),
        verbatim: !path.includes('%'),
      });
    }
    const h = rest.indexOf('#');
    const query = q >= 0 && rest[q] === '?' ? rest.slice(q + 1, h < 0 ? undefined : h) : '';
    queryValues(query, ['url'], out);
    const fragment = h < 0 ? '' : rest.slice(h + 1);
    if (fragment.length >= MIN_PART) {
      // Routers keep a page's own query in the fragment ("#/search?q=…"), others form pairs.
      const fq = fragment.indexOf('?');
      if (fq >= 0) queryValues(fragment.slice(fq + 1), ['url', 'fragment'], out);
      else if (fragment.includes('='))
        out.push({ step: 'url', steps: ['url', 'fragment'], text: fragment, verbatim: true });
      else {
        const decoded = percentDecode(fragment, false);
        out.push({ step: 'url', steps: ['url', 'fragment'], text: decoded, verbatim: decoded === fragment });
      }
    }
    return out;
  },
});
