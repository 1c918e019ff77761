/**
 * The message types our services carry, and fast-check arbitraries of plain objects for each,
 * derived from protobufjs reflection so that a field added to a proto is generated too.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import { reflectionRoot, SERVICES } from "../../src/proto/index.ts";

/** Every message type reachable from the four services' requests and responses. */
export function reachableTypes(): protobuf.Type[] {
  const root = reflectionRoot();
  const seen = new Map<string, protobuf.Type>();
  const visit = (t: protobuf.Type) => {
    if (seen.has(t.fullName)) return;
    seen.set(t.fullName, t);
    for (const f of t.fieldsArray) {
      f.resolve();
      if (f.resolvedType instanceof protobuf.Type) visit(f.resolvedType);
    }
  };
  for (const name of Object.values(SERVICES)) {
    for (const m of Object.values(root.lookupService(name).methods)) {
      m.resolve();
      visit(m.resolvedRequestType!);
      visit(m.resolvedResponseType!);
    }
  }
  return [...seen.values()];
}

const INT64_TEXT = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String);
const UINT64_TEXT = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String);

/** Values a 64-bit field can be given: decimal digits (any size), numbers, `Long`-like objects. */
function long64(unsigned: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    unsigned ? UINT64_TEXT : INT64_TEXT,
    fc.constantFrom("0", "007", "9007199254740993", "18446744073709551615", "-1", "+5", " 12", "1e3", "", "abc"),
    fc.maxSafeInteger(),
    fc.nat(),
    fc.double(),
    fc.record({ low: fc.integer(), high: fc.integer(), unsigned: fc.boolean() }),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
  );
}

/** Strings, including lone surrogates (the writer's UTF-8 handles them its own way). */
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }));

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case "double":
      return fc.oneof(fc.double(), fc.integer());
    case "float":
      return fc.oneof(fc.float(), fc.double(), fc.integer());
    case "int32":
    case "sint32":
    case "sfixed32":
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 40, 1.5, -0));
    case "uint32":
    case "fixed32":
      return fc.oneof(fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(-1, 2 ** 32, 2 ** 40 + 3, 0.5));
    case "int64":
    case "sint64":
    case "sfixed64":
      return long64(false);
    case "uint64":
    case "fixed64":
      return long64(true);
    case "bool":
      return fc.boolean();
    case "string":
      return text;
    case "bytes":
      return fc.oneof(
        fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)),
        fc.uint8Array({ maxLength: 50 }),
        fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a).toString("base64")),
      );
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

/** Values outside a field's type, which the encoder coerces or rejects. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined, NaN, Infinity, {}, [], [1], () => 1),
  fc.bigInt(),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
  // Bytes as a plain array of numbers (any numbers: the writer truncates them to octets).
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 45 }),
  fc.constantFrom({ length: 2 }, { length: 2.5, 0: 7 }),
);

export interface ArbitraryOptions {
  /** Also give fields values outside their type. */
  junk: boolean;
  maxDepth: number;
}

export class MessageArbitraries {
  private readonly memo = new Map<string, fc.Arbitrary<Record<string, unknown>>>();
  constructor(private readonly options: ArbitraryOptions) {}

  message(type: protobuf.Type, depth = 0): fc.Arbitrary<Record<string, unknown>> {
    const key = `${type.fullName}@${depth}`;
    const done = this.memo.get(key);
    if (done) return done;
    const entries: [string, fc.Arbitrary<unknown>][] = type.fieldsArray.map((f) => [f.name, this.field(f.resolve(), depth)]);
    // Oneof names are virtual: a value in them must be ignored when encoding.
    for (const o of type.oneofsArray) entries.push([o.name, fc.oneof(fc.constantFrom(...o.fieldsArray.map((f) => f.name)), fc.string({ maxLength: 4 }))]);
    const arb = fc.record(Object.fromEntries(entries), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
    this.memo.set(key, arb);
    return arb;
  }

  private field(f: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
    const value = this.value(f, depth);
    const absent = fc.constantFrom(null, undefined);
    if (f instanceof protobuf.MapField) {
      const key = f.keyType === "string" ? fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "1", "constructor")) : scalar(f.keyType).map((k) => String(k));
      const map = fc.array(fc.tuple(key, value), { maxLength: 4 }).map((es) => Object.fromEntries(es));
      return this.options.junk ? fc.oneof({ weight: 8, arbitrary: map }, { weight: 1, arbitrary: absent }, { weight: 1, arbitrary: junk }) : fc.oneof({ weight: 8, arbitrary: map }, { weight: 1, arbitrary: absent });
    }
    if (f.repeated) {
      const list = fc.array(value, { maxLength: 4 });
      return this.options.junk ? fc.oneof({ weight: 8, arbitrary: list }, { weight: 1, arbitrary: absent }, { weight: 1, arbitrary: junk }) : fc.oneof({ weight: 8, arbitrary: list }, { weight: 1, arbitrary: absent });
    }
    return fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: absent });
  }

  private value(f: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
    let good: fc.Arbitrary<unknown>;
    const t = f.resolvedType;
    if (t instanceof protobuf.Type) {
      good = depth >= this.options.maxDepth ? fc.constant({}) : fc.constant(null).chain(() => this.message(t, depth + 1));
    } else if (t instanceof protobuf.Enum) {
      const names = Object.keys(t.values);
      const ids = Object.values(t.values);
      good = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...names) }, { weight: 2, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 100 }) }, { weight: 1, arbitrary: fc.constantFrom("NOT_A_VALUE", "1", "toString") });
    } else good = scalar(f.type);
    return this.options.junk ? fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: junk }) : good;
  }
}
