/**
 * Finds every occurrence of many patterns in a text, ignoring case (ASCII letters, and any other
 * character whose lower case is one UTF-16 unit), by sampling the text rather than reading every
 * character: q-gram filtration, the idea behind Wu-Manber and most multi-pattern grep engines.
 *
 * Patterns of 8 characters and more are read with 4-character grams, shorter ones with
 * 2-character grams. In such a group whose shortest pattern has W characters, every occurrence
 * covers W - G + 1 consecutive starts of G-character grams, one of which is a multiple of that
 * stride S; so the text is looked at only every S characters, and the gram read there is looked up
 * among the grams each pattern has at offsets 0 … S - 1. A gram found names the pattern and offset
 * to check; the check compares the pattern in full. One group holds patterns of every length from
 * 8 up: one look-up every S characters serves them all, where a group per range of lengths looked
 * at the text once per range. Patterns holding a character beyond ASCII have groups of their own,
 * read only in text that holds one (their folded characters stay beyond ASCII), so that a short
 * phrase in CJK or an emoji does not shorten the stride for ASCII text, which most layers are.
 * Forms of tokens are mostly long (hashes, base64 slices), and random grams are seldom in the
 * index, so the cost per character is a fraction of one automaton step and does not grow with the
 * number of patterns until the index fills.
 */
/** A character beyond ASCII. */
const NOT_ASCII = /[^\u0000-\u007f]/;

export class GramIndex {
  /** Groups of the patterns in ASCII, and of those holding a character beyond it. */
  private readonly groups: Group[] = [];
  private readonly wideGroups: Group[] = [];
  private readonly folded: string[];
  readonly lengths: Int32Array;

  constructor(patterns: readonly string[]) {
    this.folded = patterns.map(foldString);
    this.lengths = Int32Array.from(patterns, (p) => p.length);
    if (patterns.some((p) => p.length < 2))
      throw new Error('patterns shorter than 2 characters cannot be indexed');
    // Long patterns (8 and more) with 4-character grams; short ones with 2-character grams, since
    // 4-character grams would have to be read every other character or so.
    const wide = patterns.map((p) => NOT_ASCII.test(p));
    for (const beyondAscii of [false, true]) {
      for (const [lo, hi, gram] of [
        [8, Number.POSITIVE_INFINITY, 4],
        [2, 8, 2],
      ] as const) {
        const members = patterns
          .map((_, i) => i)
          .filter((i) => wide[i] === beyondAscii && this.lengths[i]! >= lo && this.lengths[i]! < hi);
        if (members.length === 0) continue;
        (beyondAscii ? this.wideGroups : this.groups).push(new Group(members, this.folded, gram));
      }
    }
  }

  /**
   * Calls `found(pattern, start)` for every occurrence of every pattern in `text` (case folded),
   * overlapping ones included; each once, in no particular order.
   */
  scan(text: string, found: (pattern: number, start: number) => void): void {
    for (const g of this.groups) g.scan(text, this.folded, found);
    if (this.wideGroups.length > 0 && NOT_ASCII.test(text))
      for (const g of this.wideGroups) g.scan(text, this.folded, found);
  }
}

/** Folded UTF-16 unit of each unit (see GramIndex), built once. */
let foldTable: Uint16Array | undefined;

function folds(): Uint16Array {
  if (foldTable) return foldTable;
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0x41 && c <= 0x5a) t[c] = c | 0x20;
    else if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff)) t[c] = c;
    else {
      // Only a lower case that maps back (É and é, not the Kelvin sign and k) folds.
      const lower = String.fromCharCode(c).toLowerCase();
      t[c] = lower.length === 1 && lower.toUpperCase() === String.fromCharCode(c) ? lower.charCodeAt(0) : c;
    }
  }
  foldTable = t;
  return t;
}

function foldString(s: string): string {
  const f = folds();
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(f[s.charCodeAt(i)]!);
  return out;
}

/** Hash of the folded 4-character gram starting at `i` (the caller makes sure it fits). */
function hash4(f: Uint16Array, text: string, i: number): number {
  let h = f[text.charCodeAt(i)]!;
  h = Math.imul(h, 0x9e3779b1) ^ f[text.charCodeAt(i + 1)]!;
  h = Math.imul(h, 0x9e3779b1) ^ f[text.charCodeAt(i + 2)]!;
  h = Math.imul(h, 0x9e3779b1) ^ f[text.charCodeAt(i + 3)]!;
  return Math.imul(h ^ (h >>> 15), 0x85ebca6b);
}

/** The same for a 2-character gram. */
function hash2(f: Uint16Array, text: string, i: number): number {
  const h = Math.imul(f[text.charCodeAt(i)]!, 0x9e3779b1) ^ f[text.charCodeAt(i + 1)]!;
  return Math.imul(h ^ (h >>> 15), 0x85ebca6b);
}

/** Patterns of one length range, indexed by their grams at offsets 0 … stride - 1. */
class Group {
  private readonly gram: number;
  private readonly stride: number;
  private readonly min: number;
  /** One bit per bucket, set when it holds an entry: most look-ups end here, in a small array. */
  private readonly used: Uint32Array;
  /** Hash-table buckets: first entry of each (-1: none), and each entry's next, pattern and offset. */
  private readonly mask: number;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly pattern: Int32Array;
  private readonly offset: Int32Array;
  private readonly hash: Int32Array;

  constructor(members: readonly number[], folded: readonly string[], gram: number) {
    this.gram = gram;
    this.min = members.reduce((m, i) => Math.min(m, folded[i]!.length), Number.POSITIVE_INFINITY);
    this.stride = this.min - gram + 1;
    const entries = members.length * this.stride;
    // A table eight times the entries keeps most buckets empty: a random gram is refused at once.
    let size = 1024;
    while (size < entries * 8) size *= 2;
    this.mask = size - 1;
    this.head = new Int32Array(size).fill(-1);
    this.used = new Uint32Array(size >>> 5);
    this.next = new Int32Array(entries);
    this.pattern = new Int32Array(entries);
    this.offset = new Int32Array(entries);
    this.hash = new Int32Array(entries);
    const f = folds();
    let e = 0;
    for (const id of members) {
      const p = folded[id]!;
      for (let j = 0; j < this.stride; j++) {
        const h = gram === 4 ? hash4(f, p, j) : hash2(f, p, j);
        const b = h & this.mask;
        this.used[b >>> 5]! |= 1 << (b & 31);
        this.pattern[e] = id;
        this.offset[e] = j;
        this.hash[e] = h;
        this.next[e] = this.head[b]!;
        this.head[b] = e++;
      }
    }
  }

  scan(text: string, folded: readonly string[], found: (pattern: number, start: number) => void): void {
    const n = text.length;
    if (n < this.min) return;
    const f = folds();
    const { head, next, pattern, offset, hash, mask, stride, used, gram } = this;
    const four = gram === 4;
    for (let p = 0; p + gram <= n; p += stride) {
      const h = four ? hash4(f, text, p) : hash2(f, text, p);
      const b = h & mask;
      if ((used[b >>> 5]! & (1 << (b & 31))) === 0) continue;
      for (let e = head[b]!; e >= 0; e = next[e]!) {
        if (hash[e] !== h) continue;
        const id = pattern[e]!;
        const start = p - offset[e]!;
        const pf = folded[id]!;
        if (start < 0 || start + pf.length > n) continue;
        let k = 0;
        while (k < pf.length && f[text.charCodeAt(start + k)] === pf.charCodeAt(k)) k++;
        if (k === pf.length) found(id, start);
      }
    }
  }
}
