import type { TokenForm } from './forms.ts';

/** One place a token form occurs in a text. */
export interface Match {
  form: TokenForm;
  /** The text actually seen (differs from `form.text` in case for case-folded matches). */
  seen: string;
  index: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alternative(f: TokenForm): string {
  const lit = escapeRegExp(f.text);
  // A version "14.2" must not match inside "14.2.1" or "114.2": dots and dashes followed by a
  // letter or digit continue a word.
  if (f.boundary === 'word') return `(?<![A-Za-z0-9]|[A-Za-z0-9][._-])${lit}(?![A-Za-z0-9]|[._-][A-Za-z0-9])`;
  if (f.boundary === 'digit') return `(?<![0-9])${lit}(?![0-9])`;
  return lit;
}

/**
 * Finds every token form in a text with one regular-expression pass per case mode (so the cost
 * does not grow as one scan per token): all case-insensitive forms in one alternation, all
 * case-sensitive (base64) forms in another, longest first so a token wins over its own prefix.
 */
export class Matcher {
  private readonly ci: RegExp | null;
  private readonly cs: RegExp | null;
  private readonly ciForms = new Map<string, TokenForm[]>();
  private readonly csForms = new Map<string, TokenForm[]>();
  readonly minLength: number;
  private readonly grams: GramFilter | null;
  private readonly hasPrefixes: boolean;

  constructor(forms: readonly TokenForm[]) {
    const ci = forms.filter((f) => f.caseInsensitive);
    const cs = forms.filter((f) => !f.caseInsensitive);
    for (const f of ci) push(this.ciForms, f.text.toLowerCase(), f);
    for (const f of cs) push(this.csForms, f.text, f);
    this.ci = build(ci, 'gi');
    this.cs = build(cs, 'g');
    this.hasPrefixes = forms.some((f) => f.prefix === true);
    this.minLength = forms.reduce((m, f) => Math.min(m, f.text.length), Number.POSITIVE_INFINITY);
    this.grams =
      forms.length > 0 && this.minLength >= GRAM
        ? new GramFilter(
            forms.map((f) => f.text),
            this.minLength,
          )
        : null;
  }

  /** Every match in `text`, in order of position (case-insensitive forms first). */
  match(text: string): Match[] {
    if (text.length < this.minLength) return [];
    // Nearly every layer holds no token: a sampled look-up proves that far faster than the
    // regular expressions, which then only run on the few layers that may hold one.
    if (this.grams && !this.grams.mayMatch(text)) return [];
    const out: Match[] = [];
    this.run(this.ci, this.ciForms, text, true, out);
    this.run(this.cs, this.csForms, text, false, out);
    return this.hasPrefixes ? dropCoveredPrefixes(out) : out;
  }

  private run(
    re: RegExp | null,
    byText: Map<string, TokenForm[]>,
    text: string,
    fold: boolean,
    out: Match[],
  ): void {
    if (!re) return;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const seen = m[0];
      const candidates = byText.get(fold ? seen.toLowerCase() : seen) ?? [];
      // Several tokens may share a folded spelling: prefer the one written exactly as seen.
      const form = candidates.find((f) => f.text === seen) ?? candidates[0];
      if (form) out.push({ form, seen, index: m.index });
      if (seen.length === 0) re.lastIndex++;
    }
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

function build(forms: TokenForm[], flags: string): RegExp | null {
  if (forms.length === 0) return null;
  const unique = new Map<string, TokenForm>();
  for (const f of forms) unique.set(`${f.boundary}\u0000${f.text}`, f);
  const sorted = [...unique.values()].sort((a, b) => b.text.length - a.text.length);
  return new RegExp(sorted.map(alternative).join('|'), flags);
}

const GRAM = 4;
const FILTER_BITS = 1 << 20;

/** A 4-character gram folded to a number: ASCII letters lower-cased, any other character above 7f as 80. */
function gramAt(text: string, i: number): number {
  let key = 0;
  for (let k = 0; k < GRAM; k++) {
    let c = text.charCodeAt(i + k);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    else if (c > 0x7f) c = 0x80;
    key = (key << 8) | c;
  }
  // Spread the bits before taking the low ones as the filter index.
  return (Math.imul(key, 0x9e3779b1) >>> 12) & (FILTER_BITS - 1);
}

/**
 * A prefilter proving that no form occurs in a text. Every form is at least `min` characters long,
 * so any occurrence covers `min - GRAM + 1` consecutive gram starts, one of which is a multiple of
 * that stride: looking up only the grams at those positions (in a bitmap of every gram in every
 * form's first `min` characters, case-folded) finds every occurrence. A hit may be false; the
 * caller then runs the exact search.
 */
class GramFilter {
  private readonly bits = new Uint32Array(FILTER_BITS / 32);
  private readonly stride: number;

  constructor(texts: readonly string[], min: number) {
    this.stride = Math.max(1, min - GRAM + 1);
    for (const t of texts) {
      for (let i = 0; i + GRAM <= Math.min(t.length, min); i++) {
        const h = gramAt(t, i);
        this.bits[h >>> 5]! |= 1 << (h & 31);
      }
    }
  }

  mayMatch(text: string): boolean {
    for (let p = 0; p + GRAM <= text.length; p += this.stride) {
      const h = gramAt(text, p);
      if ((this.bits[h >>> 5]! & (1 << (h & 31))) !== 0) return true;
    }
    return false;
  }
}
