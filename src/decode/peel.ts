import { createHash } from 'node:crypto';
import { BoundError, type Budget } from './bounds.ts';
import type { DeadEnds } from './dead-ends.ts';
import type { Decoder, DecodeStep } from './decoder.ts';
import { Layer } from './layer.ts';
import { textClass, textClassOf } from './plain.ts';

/** Receives the layers of one root as they are peeled. */
export interface LayerVisitor {
  /**
   * Called once for each layer: `index` numbers layers from 0 (the root) and `parent` is the index
   * of the layer it came from (-1 for the root). Return `false` when the layer holds nothing the
   * visitor looks for, and could hold nothing in any piece of its text: peel then calls `clean`
   * rather than `layer` for the verbatim pieces decoders peel out of it (DecodeStep.verbatim), and
   * leaves out those that no decoder reads (plain text), which only visitors that return `false`
   * never see. Return nothing (or `true`) to be called for every layer.
   */
  layer(layer: Layer, index: number, parent: number): unknown;
  /**
   * Called instead of `layer` for a verbatim piece of a layer the visitor returned `false` for
   * (or of such a piece): it holds nothing the visitor looks for, so it need not be searched.
   */
  clean?(layer: Layer, index: number, parent: number): void;
  /**
   * Called when a decoder peeled out of `parent` a layer identical to the one numbered `index`
   * (reached earlier another way): it is not visited again, but it is also a child of `parent`.
   * `chain` is the chain it would have had from there.
   */
  alias?(parent: number, index: number, chain: readonly string[]): void;
}

function dedupKey(layer: Layer): string {
  // Short layers key by content; long ones by a digest so the set stays small.
  const s = layer.size;
  if (s <= 4096) {
    const text = layer.text;
    // Bytes that are not UTF-8 all read as U+FFFD: two binary layers that differ only there (two
    // gzip streams, say) would look the same, so such layers key by their bytes.
    if (layer.textOrigin || !text.includes('\ufffd')) return text;
    return `\u0000${layer.bytes.toString('latin1')}`;
  }
  return `#${createHash('sha1').update(layer.bytes).digest('base64')}`;
}

const NONE: DecodeStep[] = [];

/** Expansion budget a layer must have had left to be remembered as a dead end (see DeadEnds). */
const DEAD_END_HEADROOM = 16 * 1024 * 1024;

interface Item {
  layer: Layer;
  parent: number;
  index: number;
  /** A verbatim piece of a layer the visitor found nothing in (see LayerVisitor). */
  clean: boolean;
}

/** One decoder on one layer; a decoder bug on odd input must not lose the rest of the flow. */
function run(d: Decoder, layer: Layer, budget: Budget): DecodeStep[] {
  try {
    return d.decode(layer, budget);
  } catch (e) {
    if (e instanceof BoundError) throw e;
    return NONE;
  }
}

/**
 * Peels a root layer recursively with every decoder, depth first, calling `visit` on each layer
 * (the root first). Identical layers reached twice are visited once. Bounds: chains stop at
 * `maxDepth` (recorded with `budget.hit`); the time and expansion bounds throw BoundError, which
 * ends this root and is recorded too. Never throws.
 */
export function peel(
  root: Layer,
  decoders: readonly Decoder[],
  budget: Budget,
  visit: LayerVisitor,
  deadEnds?: DeadEnds,
): void {
  // A root seen to lead nowhere before is neither visited nor decoded again.
  if (deadEnds && root.textOrigin && deadEnds.has(root.text)) return;
  const seen = new Map<string, number>([[dedupKey(root), 0]]);
  const stack: Item[] = [{ layer: root, parent: -1, index: 0, clean: false }];
  // Plain text is read by no decoder when every decoder says so (a vendor cipher may not); hex
  // text by those that say they may peel it.
  const plainIsEnd = decoders.every((d) => d.ignoresPlainText === true);
  const hexReaders = decoders.filter((d) => d.ignoresHexText !== true);
  const hexIsEnd = (text: string) => hexReaders.every((d) => d.mayPeel?.(text) === false);
  // What a verbatim piece of a layer that holds nothing sought must be to end there (see below).
  const endsHere = (text: string): boolean => {
    const c = textClassOf(text);
    return (c === 'plain' && plainIsEnd) || (c === 'hex' && hexIsEnd(text));
  };
  let next = 1;
  try {
    while (stack.length > 0) {
      const { layer, parent, index, clean } = stack.pop()!;
      let nothing: boolean;
      if (clean && visit.clean) {
        visit.clean(layer, index, parent);
        nothing = true;
      } else nothing = visit.layer(layer, index, parent) === false;
      budget.checkTime();
      const children: Item[] = [];
      // Most strings in telemetry are plain text, ids or numbers; the decoders that cannot read
      // them are not asked.
      const kind = textClass(layer);
      const plain = kind === 'plain';
      const hex = kind === 'hex';
      const hitsBefore = budget.hits.length;
      // Steps that became a layer, or matched one seen before: what keeps this layer from being a dead end.
      let kept = 0;
      layer.endsHere = nothing ? endsHere : undefined;
      for (let di = 0; di < decoders.length; di++) {
        const d = decoders[di]!;
        if ((plain && d.ignoresPlainText === true) || (hex && d.ignoresHexText === true)) continue;
        const steps = run(d, layer, budget);
        for (let si = 0; si < steps.length; si++) {
          const s = steps[si]!;
          // Pieces the decoder left out because they end here: charged as those below are.
          if (s.skipped !== undefined) {
            budget.charge(s.skipped);
            continue;
          }
          if (deadEnds && s.text !== undefined && deadEnds.has(s.text)) {
            budget.charge(s.text.length);
            continue;
          }
          // A verbatim piece of a layer that holds nothing sought holds nothing either; when it is
          // plain text, or hex no decoder may peel (a UUID, an odd number of digits), it is a dead
          // end, not worth a layer. Charged all the same, so the expansion bound counts as before.
          const cleanChild = nothing && s.verbatim === true && s.text !== undefined;
          if (cleanChild && endsHere(s.text!)) {
            budget.charge(s.text!.length);
            continue;
          }
          const chain = layer.chain.concat(s.steps ?? s.step);
          const child =
            s.bytes !== undefined ? Layer.fromBytes(s.bytes, chain) : Layer.fromText(s.text ?? '', chain);
          const key = dedupKey(child);
          const known = seen.get(key);
          kept++;
          if (known !== undefined) {
            visit.alias?.(index, known, chain);
            continue;
          }
          budget.charge(child.size);
          seen.set(key, next);
          children.push({ layer: child, parent: index, index: next++, clean: cleanChild });
        }
      }
      layer.endsHere = undefined;
      // Remembered only when nothing could have cut the decoders short: no bound was hit, and the
      // expansion budget left was far more than a short string expands to.
      if (
        deadEnds &&
        nothing &&
        kept === 0 &&
        layer.textOrigin &&
        budget.hits.length === hitsBefore &&
        budget.remaining() >= DEAD_END_HEADROOM
      )
        deadEnds.add(layer.text);
      if (children.length > 0 && layer.depth >= budget.bounds.maxDepth) {
        budget.hit(`decode chains deeper than ${budget.bounds.maxDepth} steps were not followed`);
        continue;
      }
      // Reverse so the first child is visited first.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  } catch (e) {
    budget.hit(e instanceof BoundError ? e.message : `decoding failed: ${(e as Error).message}`);
  }
}
