import type { Budget } from './bounds.ts';
import type { Layer } from './layer.ts';

/** One thing a decoder peeled out of a layer: the step name for the chain and its content. */
export interface DecodeStep {
  /** Chain entry, e.g. `base64`, `gzip`, `form:data`, `json:$.events[0].url`. */
  step: string;
  /**
   * When one decoder peels several layers at once (e.g. base64 then a cipher), all of them in order;
   * the chain gets these instead of `step`.
   */
  steps?: string[];
  bytes?: Buffer;
  text?: string;
  /**
   * True when `text` is a piece of the layer's own text, character for character (a JSON string
   * written without escapes, a form or query value with no `%` or `+`). What a search proved
   * absent from the layer is then absent from this piece too (see LayerVisitor).
   */
  verbatim?: boolean;
  /**
   * Set instead of content: this many characters of verbatim pieces that the decoder left out
   * because the layer's `endsHere` says they end there (see Layer.endsHere). Peel charges them to
   * the budget where this entry stands, as it charges the pieces it leaves out itself.
   */
  skipped?: number;
}

/**
 * A decoder recognises one encoding layer and peels it. `decode` is called on every layer of every
 * request part; it must return `[]` quickly when the layer is not its encoding, never throw for bad
 * input (only BoundError via the budget), and cap any expansion with `budget.remaining()`.
 */
export interface Decoder {
  /** kebab-case id, e.g. `base64`. */
  readonly id: string;
  /** One plain sentence saying what this decoder peels. */
  explain(): string;
  decode(layer: Layer, budget: Budget): DecodeStep[];
  /**
   * True when `decode` always returns `[]` for a plain-text layer (see isPlainText): peel then
   * skips it for such layers. Leave unset unless that is certain (e.g. a vendor cipher is not).
   */
  readonly ignoresPlainText?: boolean;
  /** The same for text that is only digits and hex letters of one case (see TextClass). */
  readonly ignoresHexText?: boolean;
  /**
   * A quick test, false only when `decode` would return `[]` for a layer made from this string.
   * Peel asks it before making a layer of a piece known to hold nothing sought (see LayerVisitor):
   * when no decoder may peel it, no layer is made. Leave unset when there is no such test.
   */
  mayPeel?(text: string): boolean;
}

/**
 * A decoder of encoded data only: its `decode` returns `[]` for a plain-text layer and for a hex
 * run (ignoresPlainText, ignoresHexText), so peel never asks it about either.
 */
export function encodedOnly(decoder: Omit<Decoder, 'ignoresPlainText' | 'ignoresHexText'>): Decoder {
  return { ...decoder, ignoresPlainText: true, ignoresHexText: true };
}

/**
 * An encoded-only decoder of text of one shape (a test of layer-shape.ts, such as layerIsForm):
 * `decode` is given the layer's trimmed text, and only for a layer `shape` accepts; every other
 * layer gives `[]` without it.
 */
export function ofShape(
  shape: (layer: Layer) => boolean,
  decoder: { id: string; explain(): string; decode(text: string): DecodeStep[] },
): Decoder {
  return encodedOnly({
    id: decoder.id,
    explain: () => decoder.explain(),
    decode: (layer) => (shape(layer) ? decoder.decode(layer.trimmed) : []),
  });
}

/** A set of decoders by id; unknown ids fail with the list of known ones. */
export class DecoderRegistry {
  private readonly byId = new Map<string, Decoder>();

  constructor(decoders: Decoder[] = []) {
    for (const d of decoders) this.register(d);
  }

  /** Adds a decoder (e.g. a vendor cipher); throws if its id is taken. */
  register(decoder: Decoder): this {
    if (this.byId.has(decoder.id)) throw new Error(`decoder "${decoder.id}" is already registered`);
    this.byId.set(decoder.id, decoder);
    return this;
  }

  /** The decoder with this id; throws naming the known ids when there is none. */
  get(id: string): Decoder {
    const d = this.byId.get(id);
    if (!d) throw new Error(`unknown decoder "${id}"; known decoders: ${this.ids().join(', ')}`);
    return d;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  all(): Decoder[] {
    return [...this.byId.values()];
  }
}
