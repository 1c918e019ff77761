import { describe, expect, it } from "vitest";
import fc from "fast-check";
import protobuf from "protobufjs";
import { CodecBuilder, withFallback, type MessageCodec } from "../../src/proto/codec.ts";
import { ByteWriter } from "../../src/proto/writer.ts";
import { M, method, referenceMethod, reflectionRoot } from "../../src/proto/index.ts";
import type { MethodPath } from "../../src/core/protocol.ts";
import { checkCoercion, checkDecoding, checkEncoding, checkMalformed, decodesAlike, referenceOf } from "./codec-check.ts";
import { reachableTypes } from "./reflection.ts";

const types = reachableTypes();
const raw = new CodecBuilder();
/** The codec as `method()` serves it: ours, with proto-loader's functions behind it for errors
 * and for the values ours declines (see `withFallback`). */
const builder = {
  codec(type: protobuf.Type): MessageCodec {
    const served = withFallback(raw.codec(type), referenceOf(type) as Parameters<typeof withFallback>[1]);
    return { encode: (m) => served.serialize(m as object), decode: (b) => served.deserialize(b as Buffer) as Record<string, unknown> };
  },
};
const RUNS = 40;

describe("the codec against proto-loader, for every message type of our services", () => {
  it("reaches the types the services carry", () => {
    const names = types.map((t) => t.fullName);
    for (const n of [".seldon.mlops.scheduler.ModelStatusResponse", ".seldon.mlops.agent.ModelOperationMessage", ".inference.RepositoryModelLoadRequest", ".google.protobuf.Timestamp"]) {
      expect(names).toContain(n);
    }
  });

  it.each(types.map((t) => [t.fullName, t] as const))("%s: byte-identical encoding, also of decoded objects", (_, type) => {
    expect(checkEncoding(type, builder.codec(type), RUNS)).toBeNull();
  });

  it.each(types.map((t) => [t.fullName, t] as const))("%s: values of the wrong type coerced or rejected alike", (_, type) => {
    expect(checkCoercion(type, builder.codec(type), RUNS)).toBeNull();
  });

  it.each(types.map((t) => [t.fullName, t] as const))("%s: deep-equal decoding, keys in the same order", (_, type) => {
    expect(checkDecoding(type, builder.codec(type), RUNS)).toBeNull();
  });

  it.each(types.map((t) => [t.fullName, t] as const))("%s: malformed bytes throw alike or decode alike", (_, type) => {
    expect(checkMalformed(type, builder.codec(type), RUNS)).toBeNull();
  });

  it("decodes packable repeated fields sent unpacked, one tag per element", () => {
    const packable = types.flatMap((t) => t.fieldsArray.filter((f) => f.repeated && (f.resolvedType instanceof protobuf.Enum || ["double", "float", "int32", "uint32", "sint32", "fixed32", "sfixed32", "int64", "uint64", "sint64", "fixed64", "sfixed64", "bool"].includes(f.type))).map((f) => [t, f] as const));
    expect(packable.length).toBeGreaterThan(0);
    for (const [type, field] of packable) {
      const wt = ["double", "fixed64", "sfixed64"].includes(field.type) ? 1 : ["float", "fixed32", "sfixed32"].includes(field.type) ? 5 : 0;
      const write = field.resolvedType instanceof protobuf.Enum ? "int32" : field.type;
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 5 }), fc.boolean(), (values, thenPacked) => {
          const w = protobuf.Writer.create();
          for (const v of values) (w.uint32(((field.id << 3) | wt) >>> 0) as unknown as Record<string, (x: number) => void>)[write]!(v);
          if (thenPacked) {
            w.uint32(((field.id << 3) | 2) >>> 0).fork();
            for (const v of values) (w as unknown as Record<string, (x: number) => void>)[write]!(v);
            w.ldelim();
          }
          return decodesAlike(builder.codec(type), referenceOf(type), w.finish());
        }),
        { numRuns: 20 },
      );
    }
  });
});

describe("our own encoding, without the fallback", () => {
  it.each(types.map((t) => [t.fullName, t] as const))("%s: writes every object our components produce itself, byte-identical", (_, type) => {
    expect(checkEncoding(type, raw.codec(type), RUNS)).toBeNull();
  });
});

describe("nested lengths of every varint size", () => {
  it("a nested message of 127, 128, 16383, 16384 and 2^21 bytes and more is written alike", () => {
    const type = reflectionRoot().lookupType("seldon.mlops.scheduler.ModelStatusResponse");
    const codec = raw.codec(type);
    const ref = referenceOf(type);
    fc.assert(
      fc.property(fc.constantFrom(100, 124, 125, 126, 127, 128, 200, 16_370, 16_380, 16_384, 20_000, 2_097_200), fc.integer({ min: 1, max: 3 }), fc.string({ maxLength: 3 }), (len, versions, extra) => {
        const message = { modelName: extra, versions: Array.from({ length: versions }, (_, i) => ({ version: i, serverName: "s".repeat(len + i), modelDefn: { meta: { name: "é".repeat(len >> 1) } } })) };
        return Buffer.from(codec.encode(message)).equals(ref.serialize(message));
      }),
      { numRuns: 30 },
    );
  });
});

describe("strings of every length and kind", () => {
  const type = reflectionRoot().lookupType("seldon.mlops.scheduler.ModelStatusResponse");
  const codec = raw.codec(type);
  const ref = referenceOf(type);
  const odd = ["", "\x7f", "\x80", "é", "中", "😀", "\ud800", "\udfff", "\ud800x", "x\udc00"];
  const strings: string[] = [];
  for (let n = 0; n <= 140; n++) {
    const ascii = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7) % 95))).join("");
    strings.push(ascii);
    if (n === 0) continue;
    for (const c of odd) for (const at of [0, n >> 1, n]) strings.push(ascii.slice(0, at) + c + ascii.slice(at));
  }
  /** Each string as a field among others, so a string written after it shows any stray byte. */
  const messageOf = (s: string) => ({ modelName: s, versions: [{ serverName: s, modelDefn: { meta: { name: s, kind: "k" } } }] });

  it("ASCII of every length, non-ASCII, surrogate pairs, lone surrogates and empty strings are written as proto-loader writes them", () => {
    for (const s of strings) expect(Buffer.from(codec.encode(messageOf(s))).toString("hex"), JSON.stringify(s)).toBe(ref.serialize(messageOf(s)).toString("hex"));
  });

  it("the writer gives BufferWriter's bytes for any run of strings, whatever the buffer holds already", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 50 }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 45 }), fc.constantFrom(...strings)), { maxLength: 40 }), (values) => {
        const ours = new ByteWriter();
        const theirs = protobuf.Writer.create();
        for (const v of values) {
          ours.uint32(10).string(v);
          theirs.uint32(10).string(v);
        }
        return ours.finish().equals(theirs.finish() as Buffer);
      }),
      { numRuns: 200 },
    );
  });

  it("decodes them as proto-loader decodes them", () => {
    for (const s of strings) expect(codec.decode(ref.serialize(messageOf(s)))).toStrictEqual(ref.deserialize(ref.serialize(messageOf(s))));
  });
});

describe("64-bit varints", () => {
  /** The varint of `v`'s 64 bits, `extra` redundant continuation bytes longer (non-canonical). */
  function varint(v: bigint, extra: number): number[] {
    let u = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      out.push(Number(u & 127n));
      u >>= 7n;
    } while (u > 0n);
    for (let i = 0; i < extra; i++) out.push(0);
    for (let i = 0; i < out.length - 1; i++) out[i]! |= 128;
    return out;
  }
  const value = fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
    fc.bigInt({ min: -(1n << 54n), max: 1n << 54n }),
    fc.integer({ min: 0, max: 40 }).map((k) => 1n << BigInt(k)),
    fc.constantFrom(0n, 1n, 127n, 128n, (1n << 53n) - 1n, 1n << 53n, -(1n << 53n), -(1n << 53n) - 1n, -1n, (1n << 63n) - 1n, -(1n << 63n), (1n << 64n) - 1n),
  );
  const fields = types.flatMap((t) => t.fieldsArray.filter((f) => f.type === "int64" || f.type === "uint64").map((f) => [t, f] as const));

  it("decode alike at every length, canonical or not, overlong, cut short, at the end of the bytes or before more", () => {
    expect(fields.length).toBeGreaterThan(3);
    for (const [type, field] of fields) {
      const codec = raw.codec(type);
      const ref = referenceOf(type);
      fc.assert(
        fc.property(value, fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1, max: 14 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), (v, extra, cut, times, asBuffer) => {
          let v1 = varint(v, extra);
          // cut >= 0 and shorter than the varint: the bytes end inside it
          if (cut >= 0 && cut < v1.length) v1 = v1.slice(0, cut + 1).map((x) => x | 128);
          const tag = ((field.id << 3) | (field.packed && field.repeated ? 2 : 0)) >>> 0;
          const one = field.packed && field.repeated ? [...varint(BigInt(v1.length), 0), ...v1] : v1;
          let bytes: number[] = [];
          for (let i = 0; i <= times; i++) bytes.push(...varint(BigInt(tag), 0), ...one);
          // bytes after the value: an unknown length-delimited field of `cut` bytes
          if (cut >= 0) bytes = [...varint(BigInt(tag), 0), ...varint(v, extra), ...bytes, ...varint(BigInt((1000 << 3) | 2), 0), cut, ...Array.from({ length: cut }, () => 7)];
          const data = asBuffer ? Buffer.from(bytes) : new Uint8Array(bytes);
          return decodesAlike(codec, ref, data);
        }),
        { numRuns: 300 },
      );
    }
  });

  it("decode alike inside nested messages, whose end comes before the end of the bytes", () => {
    const type = reflectionRoot().lookupType("seldon.mlops.scheduler.LoadModelRequest");
    const codec = raw.codec(type);
    const ref = referenceOf(type);
    fc.assert(
      fc.property(value, value, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 3 }), (generation, memory, cut, extra) => {
        // model (1) { meta (1) { kubernetesMeta (3) { generation (2) } }, modelSpec (2) { memoryBytes (5) } },
        // the generation's varint cut to `cut + 1` bytes: its message may end inside it
        const within = (tag: number, body: number[]) => [tag, body.length, ...body];
        const kubernetesMeta = within(26, [16, ...varint(generation, extra).slice(0, cut + 1)]);
        const model = [...within(10, kubernetesMeta), ...within(18, [40, ...varint(memory, extra)])];
        const bytes = Buffer.from(within(10, model));
        return decodesAlike(codec, ref, bytes);
      }),
      { numRuns: 500 },
    );
  });
});

describe("map entries whose message value is missing", () => {
  // ModelVersionStatus.modelReplicaState (5): map<uint32, ModelReplicaStatus>; an entry is
  // key (1) and value (2), either of which may be left out, and a key may come again
  const type = reflectionRoot().lookupType("seldon.mlops.scheduler.ModelVersionStatus");
  const codec = raw.codec(type);
  const ref = referenceOf(type);
  const entry = (body: number[]) => [42, body.length, ...body];
  const key = (k: number) => [8, k];
  const value = [18, 2, 18, 0];
  const valueless = (k: number) => entry(key(k));
  const full = (k: number) => entry([...key(k), ...value]);

  it("decode as proto-loader decodes them: an error unless a later entry of the same key gives one", () => {
    const cases = [
      [valueless(1)],
      [valueless(1), full(1)],
      [full(1), valueless(1)],
      [valueless(1), full(2)],
      [full(2), valueless(1), full(1)],
      [entry([]), full(0)],
      [entry([])],
      [full(1), full(2)],
    ];
    for (const c of cases) {
      const bytes = Buffer.from(c.flat());
      expect(decodesAlike(codec, ref, bytes), JSON.stringify(c)).toBe(true);
    }
    // and both outcomes are among them
    expect(() => ref.deserialize(Buffer.from(valueless(1)))).toThrow();
    expect(() => ref.deserialize(Buffer.from([...valueless(1), ...full(1)]))).not.toThrow();
    expect(() => codec.decode(Buffer.from(valueless(1)))).toThrow();
  });
});

describe("the checks catch a codec that differs", () => {
  const type = reflectionRoot().lookupType("seldon.mlops.scheduler.ModelStatusResponse");
  const good = builder.codec(type);
  const SEED = 42;

  it("hold for the real codec with the seed the altered ones are run with", () => {
    expect(checkEncoding(type, good, 100, SEED)).toBeNull();
    expect(checkDecoding(type, good, 100, SEED)).toBeNull();
    expect(checkMalformed(type, good, 100, SEED)).toBeNull();
    expect(checkCoercion(type, good, 100, SEED)).toBeNull();
  });

  it("an encoder that leaves out fields at their default (as proto3 canonical form does)", () => {
    const stripDefaults = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(stripDefaults);
      if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
      return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== 0 && x !== "" && x !== false && x !== "0").map(([k, x]) => [k, stripDefaults(x)]));
    };
    expect(checkEncoding(type, { ...good, encode: (m) => good.encode(stripDefaults(m)) }, 100, SEED)).not.toBeNull();
  });

  it("an encoder that treats an unknown enum name as the first value", () => {
    const root = reflectionRoot();
    const op = root.lookupType("seldon.mlops.agent.ModelOperationMessage");
    const c = builder.codec(op);
    const altered = { ...c, encode: (m: unknown) => c.encode(m !== null && typeof m === "object" && typeof (m as { operation?: unknown }).operation === "string" && !["UNKNOWN_EVENT", "LOAD_MODEL", "UNLOAD_MODEL"].includes((m as { operation: string }).operation) ? { ...m, operation: 0 } : m) };
    expect(checkEncoding(op, altered, 200, SEED)).not.toBeNull();
  });

  it("a decoder that gives 64-bit values as numbers", () => {
    const numbers = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(numbers);
      if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbers(x)]));
    };
    expect(checkDecoding(type, { ...good, decode: (b) => numbers(good.decode(b)) as Record<string, unknown> }, 100, SEED)).not.toBeNull();
  });

  it("a decoder that puts the fields in another order", () => {
    const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
    expect(checkDecoding(type, { ...good, decode: (b) => reversed(good.decode(b)) }, 100, SEED)).not.toBeNull();
  });

  it("a decoder that swallows malformed bytes", () => {
    const lenient = (b: Uint8Array) => {
      try {
        return good.decode(b);
      } catch {
        return {};
      }
    };
    expect(checkMalformed(type, { ...good, decode: lenient }, 200, SEED)).not.toBeNull();
  });

  it("an encoder that coerces where proto-loader rejects", () => {
    const lenient = (m: unknown) => {
      try {
        return good.encode(m);
      } catch {
        return new Uint8Array();
      }
    };
    expect(checkCoercion(type, { ...good, encode: lenient }, 200, SEED)).not.toBeNull();
  });
});

describe("method() serves the codec", () => {
  const paths = Object.values(M).flatMap((s) => Object.values(s)) as MethodPath[];

  it("in every direction of every method, not proto-loader's functions", () => {
    for (const p of paths) {
      const ours = method(p);
      const theirs = referenceMethod(p);
      expect(ours.path).toBe(theirs.path);
      for (const k of ["requestSerialize", "requestDeserialize", "responseSerialize", "responseDeserialize"] as const) expect(ours[k]).not.toBe(theirs[k]);
    }
  });

  it("throws protobufjs's own error on malformed bytes, as a gRPC server reports it", () => {
    for (const bytes of [[0x0a, 0x05, 0x61], [0x0f], [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x12, 0x03, 0x08]]) {
      const b = Buffer.from(bytes);
      for (const p of [M.agent.Subscribe, M.scheduler.ModelStatus, M.inference.RepositoryModelLoad]) {
        const theirs = (() => {
          try {
            referenceMethod(p).responseDeserialize(b);
            return null;
          } catch (e) {
            return e as Error;
          }
        })();
        if (theirs === null) expect(method(p).responseDeserialize(b)).toStrictEqual(referenceMethod(p).responseDeserialize(b));
        else expect(() => method(p).responseDeserialize(b)).toThrowError(new (theirs.constructor as ErrorConstructor)(theirs.message));
      }
    }
  });

  it("throws proto-loader's own error on an object it cannot encode", () => {
    const p = M.agent.Subscribe;
    for (const bad of [[], { modelVersion: "v1" }, { modelVersion: { model: { modelSpec: { requirements: "sklearn" } } } }]) {
      let expected: Error | undefined;
      try {
        referenceMethod(p).responseSerialize(bad as object);
      } catch (e) {
        expected = e as Error;
      }
      expect(expected).toBeDefined();
      expect(() => method(p).responseSerialize(bad as object)).toThrowError(expected!.message);
    }
  });
});
