import type { TokenForm } from './forms.ts';
import { GramIndex } from './gram-index.ts';

/** One place a token form occurs in a text. */
export interface Match {
  form: TokenForm;
  /** The text actually seen (differs from `form.text` in case for case-folded matches). */
  seen: string;
  index: number;
}

/** Letters and digits of ASCII: what a `word` or `digit` boundary must not touch. */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Whether a match of `f` at [start, end) respects its boundary. A version "14.2" must not match
 * inside "14.2.1" or "114.2": dots and dashes followed by a letter or digit continue a word.
 */
function boundaryHolds(f: TokenForm, text: string, start: number, end: number): boolean {
  if (f.boundary === 'none') return true;
  const before = start > 0 ? text.charCodeAt(start - 1) : -1;
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if (f.boundary === 'digit') return !isDigit(before) && !isDigit(after);
  if (isWordChar(before) || isWordChar(after)) return false;
  const sep = (c: number) => c === 0x2e || c === 0x5f || c === 0x2d;
  if (sep(before) && start > 1 && isWordChar(text.charCodeAt(start - 2))) return false;
  if (sep(after) && end + 1 < text.length && isWordChar(text.charCodeAt(end + 1))) return false;
  return true;
}

interface Candidate {
  start: number;
  length: number;
  forms: TokenForm[];
}

/**
 * Finds every token form in a text in one sampled pass of a gram index (gram-index.ts) over all
 * forms of all tokens, so the cost per character does not grow with the number of tokens.
 * Forms that are matched ignoring case (the token's spellings, hex) and those that are not
 * (base64) are then chosen among as a regular expression of each kind would: leftmost, then
 * longest, without overlap, so a token wins over its own prefix and a URL over its path.
 */
export class Matcher {
  private readonly index: GramIndex;
  /** Per pattern: its case-insensitive forms (all forms whose text folds to it) and its exact ones. */
  private readonly ciOf: Array<TokenForm[] | undefined>;
  private readonly csOf: Array<TokenForm[] | undefined>;
  private readonly texts: string[];
  readonly minLength: number;
  private readonly hasPrefixes: boolean;

  constructor(forms: readonly TokenForm[]) {
    const ciByFold = new Map<string, TokenForm[]>();
    const csByText = new Map<string, TokenForm[]>();
    for (const f of forms) {
      if (f.caseInsensitive) push(ciByFold, f.text.toLowerCase(), f);
      else push(csByText, f.text, f);
    }
    // One pattern per distinct folded text; exact (base64) forms are checked against it.
    const byFold = new Map<string, number>();
    this.texts = [];
    this.ciOf = [];
    this.csOf = [];
    const id = (text: string): number => {
      const key = text.toLowerCase();
      let n = byFold.get(key);
      if (n === undefined) {
        n = this.texts.length;
        byFold.set(key, n);
        this.texts.push(text);
        this.ciOf.push(ciByFold.get(key));
        this.csOf.push(undefined);
      }
      return n;
    };
    for (const key of ciByFold.keys()) id(key);
    for (const [text, list] of csByText) {
      const n = id(text);
      this.csOf[n] = [...(this.csOf[n] ?? []), ...list];
    }
    this.index = new GramIndex(this.texts);
    this.hasPrefixes = forms.some((f) => f.prefix === true);
    this.minLength = forms.reduce((m, f) => Math.min(m, f.text.length), Number.POSITIVE_INFINITY);
  }

  /**
   * False after a `match` that found no occurrence of any form in the text, not even one that a
   * boundary or the choice among overlapping matches then set aside: no piece of that text holds a
   * form either. True otherwise.
   */
  occurred = false;

  /** Every match in `text`, in order of position (case-insensitive forms first). */
  match(text: string): Match[] {
    this.occurred = false;
    if (text.length < this.minLength) return [];
    const ci: Candidate[] = [];
    const cs: Candidate[] = [];
    this.index.scan(text, (p, start) => {
      this.occurred = true;
      const length = this.texts[p]!.length;
      const end = start + length;
      const fi = this.ciOf[p];
      if (fi) {
        const ok = fi.filter((f) => boundaryHolds(f, text, start, end));
        if (ok.length > 0) ci.push({ start, length, forms: ok });
      }
      const fs = this.csOf[p];
      if (fs) {
        const ok = fs.filter((f) => text.startsWith(f.text, start) && boundaryHolds(f, text, start, end));
        if (ok.length > 0) cs.push({ start, length, forms: ok });
      }
    });
    if (ci.length === 0 && cs.length === 0) return [];
    const out: Match[] = [];
    pick(ci, text, out);
    pick(cs, text, out);
    return this.hasPrefixes ? dropCoveredPrefixes(out) : out;
  }
}

/** Leftmost, then longest, non-overlapping candidates, as one regular-expression pass would take them. */
function pick(candidates: Candidate[], text: string, out: Match[]): void {
  candidates.sort((a, b) => a.start - b.start || b.length - a.length);
  let end = 0;
  for (const c of candidates) {
    if (c.start < end) continue;
    end = c.start + c.length;
    const seen = text.slice(c.start, end);
    // Several tokens may share a folded spelling: prefer the one written exactly as seen.
    const form = c.forms.find((f) => f.text === seen) ?? c.forms[0]!;
    out.push({ form, seen, index: c.start });
  }
}

/**
 * Drops a typed canary's prefix matched inside a longer match of the same token (the whole canary
 * holds all its prefixes; only what was sent counts).
 */
export function dropCoveredPrefixes(matches: Match[]): Match[] {
  if (!matches.some((m) => m.form.prefix === true)) return matches;
  return matches.filter(
    (m) =>
      m.form.prefix !== true ||
      !matches.some(
        (o) =>
          o !== m &&
          o.form.token === m.form.token &&
          o.seen.length > m.seen.length &&
          o.index <= m.index &&
          o.index + o.seen.length >= m.index + m.seen.length,
      ),
  );
}

function push(map: Map<string, TokenForm[]>, key: string, f: TokenForm): void {
  const list = map.get(key);
  if (list) {
    if (!list.some((x) => x.text === f.text && x.token.value === f.token.value)) list.push(f);
  } else map.set(key, [f]);
}
