/**
 * An Aho-Corasick automaton over UTF-16 code units that finds every occurrence of many patterns in
 * one pass, ignoring case (ASCII letters, and any other character whose upper case is one unit):
 * its cost per character does not grow with the number of patterns.
 *
 * Layout, chosen for speed in JavaScript: characters are first mapped to a small alphabet (the
 * characters the patterns use, case-folded; anything else is class 0 and sends the automaton
 * back to its root). States with two or more children (the root and the few points where patterns
 * part) get a full row of next states, failure links already followed; every other state is a
 * link in one pattern's chain and keeps only its one child, so memory grows with the patterns'
 * total length, not with length × alphabet.
 */
export class Automaton {
  /** Folded class of each UTF-16 code unit (0: in no pattern). */
  private readonly classOf = new Uint16Array(65536);
  private readonly alphabet: number;
  /** For a chain state: the class of its one child (0 when it has none or it branches). */
  private readonly onlyClass: Uint16Array;
  private readonly onlyNext: Int32Array;
  /** For a branching state: the offset of its row in `rows` (-1 for chain states). */
  private readonly rowOf: Int32Array;
  private readonly rows: Int32Array;
  private readonly fail: Int32Array;
  /** Pattern ending at a state, or -1; `dict` links to the next state on the failure chain that has one. */
  private readonly ends: Int32Array;
  private readonly dict: Int32Array;
  /** Other patterns ending at the same state (identical once folded). */
  private readonly sameEnd = new Map<number, number[]>();
  readonly lengths: Int32Array;

  constructor(patterns: readonly string[]) {
    // Alphabet: every code unit of every pattern, folded.
    let classes = 1;
    const fold = (c: number): number => {
      if (c >= 0x41 && c <= 0x5a) return c | 0x20;
      if (c < 0x80) return c;
      const lower = String.fromCharCode(c).toLowerCase();
      return lower.length === 1 ? lower.charCodeAt(0) : c;
    };
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const f = fold(p.charCodeAt(i));
        if (this.classOf[f] === 0) this.classOf[f] = classes++;
      }
    }
    // Upper-case spellings share their lower case's class.
    for (let f = 0; f < 65536; f++) {
      const cls = this.classOf[f]!;
      if (cls === 0) continue;
      const upper = String.fromCharCode(f).toUpperCase();
      if (upper.length === 1 && this.classOf[upper.charCodeAt(0)] === 0 && fold(upper.charCodeAt(0)) === f)
        this.classOf[upper.charCodeAt(0)] = cls;
    }
    this.alphabet = classes;
    // The trie, built with maps, then packed.
    const children: Array<Map<number, number>> = [new Map()];
    const ends: number[] = [-1];
    this.lengths = new Int32Array(patterns.length);
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = this.classOf[fold(p.charCodeAt(i))]!;
        let n = children[s]!.get(c);
        if (n === undefined) {
          n = children.length;
          children.push(new Map());
          ends.push(-1);
          children[s]!.set(c, n);
        }
        s = n;
      }
      this.lengths[id] = p.length;
      if (ends[s] === -1) ends[s] = id;
      else {
        const list = this.sameEnd.get(s);
        if (list) list.push(id);
        else this.sameEnd.set(s, [id]);
      }
    });
    const n = children.length;
    this.fail = new Int32Array(n);
    this.dict = new Int32Array(n).fill(-1);
    this.ends = Int32Array.from(ends);
    this.onlyClass = new Uint16Array(n);
    this.onlyNext = new Int32Array(n);
    this.rowOf = new Int32Array(n).fill(-1);
    let branching = 0;
    for (let s = 0; s < n; s++) {
      const m = children[s]!;
      if (s === 0 || m.size > 1) this.rowOf[s] = branching++ * classes;
      else if (m.size === 1) {
        const [c, next] = m.entries().next().value as [number, number];
        this.onlyClass[s] = c;
        this.onlyNext[s] = next;
      }
    }
    this.rows = new Int32Array(branching * classes);
    // Breadth first: failure links, dictionary links, and the rows with failures followed.
    const order: number[] = [0];
    for (let h = 0; h < order.length; h++) {
      const s = order[h]!;
      const row = this.rowOf[s]!;
      if (row >= 0) {
        // A missing edge goes where the failure state goes (the root's go to the root).
        const fr = s === 0 ? -1 : this.rowOf[this.fail[s]!]!;
        for (let c = 1; c < classes; c++) {
          this.rows[row + c] = s === 0 ? 0 : fr >= 0 ? this.rows[fr + c]! : this.step(this.fail[s]!, c);
        }
      }
      for (const [c, child] of children[s]!) {
        if (row >= 0) this.rows[row + c] = child;
        this.fail[child] = s === 0 ? 0 : this.step(this.fail[s]!, c);
        const f = this.fail[child]!;
        this.dict[child] = this.ends[f]! >= 0 ? f : this.dict[f]!;
        order.push(child);
      }
    }
  }

  /** The next state from `s` on class `c`, following failure links (only used while building). */
  private step(s: number, c: number): number {
    for (;;) {
      const row = this.rowOf[s]!;
      if (row >= 0) return this.rows[row + c]!;
      if (this.onlyClass[s] === c) return this.onlyNext[s]!;
      s = this.fail[s]!;
    }
  }

  /**
   * Calls `found(pattern, start)` for every occurrence of every pattern in `text` (case folded),
   * overlapping ones included, in order of their end.
   */
  scan(text: string, found: (pattern: number, start: number) => void): void {
    const classOf = this.classOf;
    const rowOf = this.rowOf;
    const rows = this.rows;
    const onlyClass = this.onlyClass;
    const onlyNext = this.onlyNext;
    const fail = this.fail;
    const ends = this.ends;
    const dict = this.dict;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = classOf[text.charCodeAt(i)]!;
      if (c === 0) {
        s = 0;
        continue;
      }
      for (;;) {
        const row = rowOf[s]!;
        if (row >= 0) {
          s = rows[row + c]!;
          break;
        }
        if (onlyClass[s] === c) {
          s = onlyNext[s]!;
          break;
        }
        s = fail[s]!;
      }
      if (s === 0) continue;
      for (let e = ends[s]! >= 0 ? s : dict[s]!; e > 0; e = dict[e]!) {
        this.report(e, i, found);
      }
    }
  }

  private report(state: number, end: number, found: (pattern: number, start: number) => void): void {
    const id = this.ends[state]!;
    found(id, end + 1 - this.lengths[id]!);
    const more = this.sameEnd.get(state);
    if (more) for (const other of more) found(other, end + 1 - this.lengths[other]!);
  }

  /** Number of states (for tests and the benchmark). */
  get size(): number {
    return this.fail.length;
  }

  /** Classes of the alphabet, class 0 included. */
  get classes(): number {
    return this.alphabet;
  }
}
