/**
 * A Layer is one view of a request part while decoding: the raw part itself, or what a decoder peeled
 * out of a parent layer. It carries the chain of decode steps that led to it. Bytes and text are
 * derived from each other lazily, because most layers are only ever looked at one way.
 */
export class Layer {
  readonly chain: readonly string[];
  readonly depth: number;
  private b: Buffer | undefined;
  private t: string | undefined;
  private bin: boolean | undefined;
  private ctl: boolean | undefined;
  private readonly fromString: boolean;
  private trim: string | undefined;
  /**
   * Answers several decoders need about this layer, kept on it so each is worked out once (a
   * WeakMap per answer cost more than the answers). Written only by their owners in form.ts,
   * json.ts, lz-string.ts and percent.ts.
   */
  memoForm: boolean | undefined;
  memoJson: { value: unknown } | undefined;
  /** True once the lz-string decoder peeled readable text out of this layer. */
  memoLz: boolean | undefined;
  /** True once the percent decoder peeled text (not bytes) out of this layer (percent.ts). */
  memoPercentText: boolean | undefined;
  /**
   * Set by peel while its decoders run, when the visitor found nothing in this layer: true for a
   * verbatim piece of it that would end there (peel would charge it and make no layer of it). A
   * decoder that peels many verbatim pieces (json) may leave those out and say how many characters
   * they held (DecodeStep.skipped) instead of naming each; the outcome is the same.
   */
  endsHere: ((text: string) => boolean) | undefined;

  private constructor(chain: readonly string[], bytes: Buffer | undefined, text: string | undefined) {
    this.chain = chain;
    this.depth = chain.length;
    this.b = bytes;
    this.t = text;
    this.fromString = bytes === undefined;
  }

  static fromBytes(bytes: Buffer, chain: readonly string[] = []): Layer {
    return new Layer(chain, bytes, undefined);
  }

  static fromText(text: string, chain: readonly string[] = []): Layer {
    return new Layer(chain, undefined, text);
  }

  /** The layer as bytes (UTF-8 when it was made from text). */
  get bytes(): Buffer {
    if (this.b === undefined) this.b = Buffer.from(this.t ?? '', 'utf8');
    return this.b;
  }

  /** The layer as text. Bytes that are not UTF-8 become U+FFFD, but ASCII runs survive unchanged. */
  get text(): string {
    if (this.t === undefined) this.t = (this.b ?? Buffer.alloc(0)).toString('utf8');
    return this.t;
  }

  /**
   * True when the layer was made from a string (a URL part, a header, a JSON or form value...): its
   * bytes are that string's UTF-8, so they can never start with a gzip or zstd magic number, and a
   * compressed stream cannot survive in them. Decoders use this to skip work without encoding.
   */
  get textOrigin(): boolean {
    return this.fromString;
  }

  /** The text without leading and trailing whitespace (several decoders look at it; trimmed once). */
  get trimmed(): string {
    if (this.trim === undefined) this.trim = this.text.trim();
    return this.trim;
  }

  /** Size used for the expansion budget: bytes when known, else text length. */
  get size(): number {
    return this.b !== undefined ? this.b.length : (this.t ?? '').length;
  }

  /** True when a leading sample holds any control character or invalid UTF-8 (compressed data may be mostly literal text). */
  get hasControl(): boolean {
    if (this.ctl === undefined) this.ctl = this.binary || oddShare(this.text) > 0;
    return this.ctl;
  }

  /** True when the layer does not read as text (control characters or invalid UTF-8 in a sample). */
  get binary(): boolean {
    if (this.bin === undefined) this.bin = looksBinary(this.text);
    return this.bin;
  }
}

const SAMPLE = 4096;
// The characters oddShare counts: controls other than tab, LF and CR; DEL; U+FFFD.
const ODD = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/**
 * Whether a string looks like binary rather than text: more than 10% of a leading sample are control
 * characters (other than tab, CR, LF) or U+FFFD replacement characters from invalid UTF-8.
 */
export function looksBinary(text: string): boolean {
  return oddShare(text) > 0.1;
}

/** Share of control characters (other than tab, CR, LF) and U+FFFD in a leading sample. */
function oddShare(text: string): number {
  const n = Math.min(text.length, SAMPLE);
  if (n === 0) return 0;
  // Most layers hold none: a native regular-expression scan says so several times faster than
  // the counting loop below, which only runs when there is something to count.
  if (!ODD.test(n < text.length ? text.slice(0, n) : text)) return 0;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || c === 0x7f) odd++;
  }
  return odd / n;
}

/** Whether decoded bytes read as mostly printable UTF-8 text (used to reject garbage decodes). */
export function readsAsText(text: string): boolean {
  return text.length > 0 && !looksBinary(text);
}
