/**
 * The comparisons the codec is held to, as functions, so that the codec's own tests and the
 * tests showing that a wrong codec fails them run the very same checks.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import type protobuf from "protobufjs";
import type { MessageCodec } from "../../src/proto/codec.ts";
import { packageDefinition, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";
import { MessageArbitraries } from "./reflection.ts";

export interface Reference {
  serialize(value: unknown): Buffer;
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * proto-loader's own serializers of a message type (what every method of ours used to run). It
 * defines no serializers for nested types; for those, the same two steps its serializers take.
 */
export function referenceOf(type: protobuf.Type): Reference {
  const def = packageDefinition()[type.fullName.slice(1)] as unknown as Reference | undefined;
  if (def?.serialize) return def;
  return {
    serialize: (value) => {
      if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
      return type.encode(type.fromObject(value as Record<string, unknown>)).finish() as Buffer;
    },
    deserialize: (bytes) => type.toObject(type.decode(bytes), PROTO_LOAD_OPTIONS as protobuf.IConversionOptions),
  };
}

type Outcome = { ok: true; value: unknown } | { ok: false };
const attempt = (f: () => unknown): Outcome => {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
};

/** Keys of every nested object, in order: deep equality ignores key order, this does not. */
function keyOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyOrder);
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return null;
  return Object.keys(v).map((k) => [k, keyOrder((v as Record<string, unknown>)[k])]);
}

/** Same throw or no-throw, and then the same bytes. */
export function encodesAlike(codec: MessageCodec, ref: Reference, message: unknown): boolean {
  const ours = attempt(() => codec.encode(message));
  const theirs = attempt(() => ref.serialize(message));
  if (ours.ok !== theirs.ok) return false;
  return !ours.ok || !theirs.ok || Buffer.from(ours.value as Uint8Array).equals(theirs.value as Buffer);
}

/** Same throw or no-throw, and then deep-equal objects with their keys in the same order. */
export function decodesAlike(codec: MessageCodec, ref: Reference, bytes: Uint8Array): boolean {
  const ours = attempt(() => codec.decode(bytes));
  const theirs = attempt(() => ref.deserialize(bytes));
  if (ours.ok !== theirs.ok) return false;
  if (!ours.ok || !theirs.ok) return true;
  return isDeepStrictEqual(ours.value, theirs.value) && isDeepStrictEqual(keyOrder(ours.value), keyOrder(theirs.value));
}

const wellFormed = new MessageArbitraries({ junk: false, maxDepth: 4 });
const withJunk = new MessageArbitraries({ junk: true, maxDepth: 3 });

/** What a property found, or null when it held. */
export type Verdict = string | null;
const verdict = <T>(r: fc.RunDetails<T>): Verdict => (r.failed ? `${r.counterexample ? fc.stringify(r.counterexample) : ""} ${r.errorInstance ?? ""}` : null);

/** Objects our components produce, and what decoding gives (encoded again). */
export function checkEncoding(type: protobuf.Type, codec: MessageCodec, numRuns: number, seed?: number): Verdict {
  const ref = referenceOf(type);
  return verdict(
    fc.check(
      fc.property(wellFormed.message(type), (m) => {
        if (!encodesAlike(codec, ref, m)) return false;
        const bytes = attempt(() => ref.serialize(m));
        return !bytes.ok || encodesAlike(codec, ref, ref.deserialize(bytes.value as Buffer));
      }),
      { numRuns, seed },
    ),
  );
}

/** Values of the wrong type: coerced alike, or rejected alike. */
export function checkCoercion(type: protobuf.Type, codec: MessageCodec, numRuns: number, seed?: number): Verdict {
  const ref = referenceOf(type);
  return verdict(fc.check(fc.property(withJunk.message(type), (m) => encodesAlike(codec, ref, m)), { numRuns, seed }));
}

/** Encodings of generated objects, decoded. */
export function checkDecoding(type: protobuf.Type, codec: MessageCodec, numRuns: number, seed?: number): Verdict {
  const ref = referenceOf(type);
  const bytes = wellFormed.message(type).map((m) => attempt(() => ref.serialize(m))).filter((o) => o.ok).map((o) => (o as { value: Buffer }).value);
  return verdict(fc.check(fc.property(bytes, (b) => decodesAlike(codec, ref, b)), { numRuns, seed }));
}

/** Valid encodings cut short, with bytes changed or inserted, and bytes at random. */
export function checkMalformed(type: protobuf.Type, codec: MessageCodec, numRuns: number, seed?: number): Verdict {
  const ref = referenceOf(type);
  const valid = wellFormed.message(type).map((m) => attempt(() => ref.serialize(m))).filter((o) => o.ok).map((o) => (o as { value: Buffer }).value);
  const damaged = fc.oneof(
    fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
    fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, x]) => {
      const c = Buffer.from(b);
      if (c.length) c[at % c.length] = x;
      return c;
    }),
    fc.tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([b, at, ins]) => {
      const i = b.length === 0 ? 0 : at % b.length;
      return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
    }),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  );
  return verdict(fc.check(fc.property(damaged, (b) => decodesAlike(codec, ref, b)), { numRuns, seed }));
}
