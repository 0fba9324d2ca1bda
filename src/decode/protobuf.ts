import protobuf from 'protobufjs/minimal.js';
import { type DecodeStep, encodedOnly } from './decoder.ts';
import type { Layer } from './layer.ts';
import { quietly } from './quiet.ts';

/** One field of a protobuf message read without its schema. */
export interface WireField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varints as decimal text; length-delimited fields as bytes; fixed32/64 are skipped. */
  value?: string | Buffer;
}

const MAX_FIELDS = 100_000;
/** Length-delimited fields shorter than this, and varints of fewer digits, are not peeled. */
const MIN_BYTES = 4;
const MIN_DIGITS = 6;

/**
 * Reads bytes as a protobuf message without a schema. Returns null unless the whole input parses as
 * a sequence of well-formed fields (wire types 0, 1, 2, 5): random bytes and text almost never do.
 */
export function readWireFields(bytes: Uint8Array): WireField[] | null {
  if (bytes.length === 0) return null;
  // Most bytes that are not protobuf fail on the first tag: field 0 (a first byte below 08, which
  // has no continuation bit) or wire type 3, 4, 6 or 7. Refused here without protobufjs throwing.
  if (!mayBeWireFormat(bytes)) return null;
  return quietly(() => readLoud(bytes));
}

/** Reads a varint of at most `max` bytes at `pos`: [value, next position], or null when cut off; -1 as next when longer. */
function varint(b: Uint8Array, pos: number, max: number): [number, number] | null {
  let value = 0;
  for (let i = 0; i < max; i++) {
    if (pos + i >= b.length) return null;
    const byte = b[pos + i]!;
    // Only the low 32 bits matter here (tags and lengths are read as uint32, as protobufjs does).
    if (i < 5) value = (value | ((byte & 127) << (7 * i))) >>> 0;
    if (byte < 128) return [value, pos + i + 1];
  }
  return [value, -1];
}

/**
 * False when protobufjs would certainly fail to read the bytes as a message (readLoud returns null):
 * a field number 0, wire type 3, 4, 6 or 7, or a field running past the end. Most bytes that are
 * not protobuf (ids, ciphertext) fail on the first field or two; refusing them here spares
 * protobufjs throwing. True when the bytes may be protobuf, including odd cases left to protobufjs.
 */
export function mayBeWireFormat(b: Uint8Array): boolean {
  let pos = 0;
  let fields = 0;
  while (pos < b.length) {
    if (++fields > MAX_FIELDS) return true;
    const tag = varint(b, pos, 5);
    if (tag === null) return false;
    if (tag[1] < 0) return true;
    pos = tag[1];
    if (tag[0] >>> 3 === 0) return false;
    const wireType = tag[0] & 7;
    if (wireType === 0) {
      const v = varint(b, pos, 10);
      if (v === null) return false;
      if (v[1] < 0) return true;
      pos = v[1];
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
      if (pos > b.length) return false;
    } else if (wireType === 2) {
      const len = varint(b, pos, 5);
      if (len === null) return false;
      if (len[1] < 0) return true;
      pos = len[1] + len[0];
      if (pos > b.length) return false;
    } else {
      return false;
    }
  }
  return true;
}

function readLoud(bytes: Uint8Array): WireField[] | null {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  try {
    while (reader.pos < reader.len) {
      if (fields.length >= MAX_FIELDS) return null;
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 0) return null;
      if (wireType === 0) {
        fields.push({ field, wireType, value: reader.uint64().toString() });
      } else if (wireType === 2) {
        const start = reader.pos;
        const value = reader.bytes();
        if (reader.pos > reader.len || start > reader.len) return null;
        fields.push({ field, wireType, value: Buffer.from(value) });
      } else if (wireType === 1 || wireType === 5) {
        reader.skipType(wireType);
        fields.push({ field, wireType });
      } else {
        return null;
      }
    }
  } catch {
    return null;
  }
  return reader.pos === reader.len ? fields : null;
}

/** Whether bytes parse completely as a schema-less protobuf message. */
export function looksLikeProtobuf(bytes: Uint8Array): boolean {
  return readWireFields(bytes) !== null;
}

/** Whether the protobuf decoder would peel anything out of a field (see protobufDecoder). */
function peelable(f: WireField): boolean {
  return f.value instanceof Buffer ? f.value.length >= MIN_BYTES : (f.value?.length ?? 0) >= MIN_DIGITS;
}

/**
 * Whether bytes parse completely as a protobuf message with at least one field the protobuf
 * decoder peels. A short random id parses as a message of a few small numbers surprisingly often
 * (about one 12-byte id in 40); with nothing to peel, such a parse says nothing.
 */
export function looksLikePeelableProtobuf(bytes: Uint8Array): boolean {
  return readWireFields(bytes)?.some(peelable) ?? false;
}

/**
 * Peels a protobuf message without its schema: each length-delimited field becomes a layer named
 * `proto:N` (nested messages are peeled again), each varint of six digits or more a text layer.
 */
export const protobufDecoder = encodedOnly({
  id: 'protobuf',
  explain: () => 'Reads binary data as a protobuf message without a schema and peels each field by number.',
  decode(layer: Layer): DecodeStep[] {
    // Text rarely starts with a control byte; protobuf tags for fields 1-3 do (0x08, 0x0a, 0x12 ...).
    // A string's first UTF-8 byte is below 0x20 exactly when its first character is.
    if (layer.textOrigin && layer.text.charCodeAt(0) >= 0x20 && !layer.binary) return [];
    const bytes = layer.bytes;
    if (bytes.length < 2 || (!layer.binary && bytes[0]! >= 0x20)) return [];
    const fields = readWireFields(bytes);
    if (!fields) return [];
    const out: DecodeStep[] = [];
    for (const f of fields) {
      if (!peelable(f)) continue;
      if (f.value instanceof Buffer) out.push({ step: `proto:${f.field}`, bytes: f.value });
      else if (typeof f.value === 'string') out.push({ step: `proto:${f.field}`, text: f.value });
    }
    return out;
  },
});
