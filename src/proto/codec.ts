/**
 * One-pass protobuf codec between our plain objects and bytes, built once per message type from
 * protobufjs reflection.
 *
 * `@grpc/proto-loader` serializes with `Type.encode(Type.fromObject(obj))` and deserializes with
 * `Type.toObject(Type.decode(bytes), options)`: two walks and a throw-away message instance each
 * way. This codec does each direction in one walk and gives the same result:
 * - encoding applies, field by field, the coercion `fromObject` would (`| 0`, `>>> 0`, `Number`,
 *   `String`, `Boolean`, `Long.fromValue`, base64 for bytes given as text, the enum switch) and
 *   writes with protobufjs's own `Writer`, in field-number order, so the bytes are identical;
 * - decoding reads with protobufjs's own `Reader` exactly as its generated decoder does (dispatch
 *   on the field number only, packed and unpacked repeated scalars, the same bounds checks) and
 *   builds the object `toObject` would build with `PROTO_LOAD_OPTIONS` (defaults, enum names,
 *   64-bit values as decimal digits, oneof names), keys in the same order.
 * Whenever either direction throws, the caller reruns the reference path (see `index.ts`), so an
 * error carries protobufjs's own text and a gRPC peer gets the status it got before.
 *
 * Only the options `PROTO_LOAD_OPTIONS` sets are implemented (keepCase, longs String, enums
 * String, defaults, oneofs); a type the codec cannot reproduce exactly (groups, required fields,
 * 64-bit map keys) makes `buildCodec` throw `UnsupportedType` and the caller keeps proto-loader
 * for it.
 */
import protobuf from "protobufjs";

type Writer = protobuf.Writer;
type Reader = protobuf.Reader;
type Obj = Record<string, unknown>;

export interface MessageCodec {
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): Obj;
}

export class UnsupportedType extends Error {}

const util = protobuf.util;
const types = (protobuf as unknown as { types: ProtobufTypes }).types;
interface ProtobufTypes {
  basic: Record<string, number | undefined>;
  packed: Record<string, number | undefined>;
  long: Record<string, number | undefined>;
  mapKey: Record<string, number | undefined>;
  defaults: Record<string, unknown>;
}

/** What `fromObject` leaves unset: the field is then not written. */
const UNSET: unique symbol = Symbol("unset");
type Converted = unknown;
type Convert = (v: unknown) => Converted;
type Write = (w: Writer, v: unknown) => void;
type Read = (r: Reader) => unknown;

const isObject = (v: unknown): v is Obj => !!v && typeof v === "object";
const expected = (field: protobuf.Field, what: string) => new TypeError(`${field.fullName}: ${what} expected`);

interface TypeCodec {
  readonly type: protobuf.Type;
  /** Writes the fields of `m` (already known to be an object when the type has fields). */
  encodeFields(m: Obj, w: Writer, depth: number): void;
  /** Reads one message of `length` bytes from `r` (the rest of `r` when undefined). */
  decode(r: Reader, length: number | undefined, depth: number): Obj;
  readonly hasFields: boolean;
}

/** Writers and readers of the scalar types, by protobufjs type name (enums are `int32`). */
const WRITE: Record<string, Write> = {
  double: (w, v) => void w.double(v as number),
  float: (w, v) => void w.float(v as number),
  int32: (w, v) => void w.int32(v as number),
  uint32: (w, v) => void w.uint32(v as number),
  sint32: (w, v) => void w.sint32(v as number),
  fixed32: (w, v) => void w.fixed32(v as number),
  sfixed32: (w, v) => void w.sfixed32(v as number),
  int64: (w, v) => void w.int64(v as number),
  uint64: (w, v) => void w.uint64(v as number),
  sint64: (w, v) => void w.sint64(v as number),
  fixed64: (w, v) => void w.fixed64(v as number),
  sfixed64: (w, v) => void w.sfixed64(v as number),
  bool: (w, v) => void w.bool(v as boolean),
  string: (w, v) => void w.string(v as string),
  bytes: (w, v) => void w.bytes(v as Uint8Array),
};

const READ: Record<string, Read> = {
  double: (r) => r.double(),
  float: (r) => r.float(),
  int32: (r) => r.int32(),
  uint32: (r) => r.uint32(),
  sint32: (r) => r.sint32(),
  fixed32: (r) => r.fixed32(),
  sfixed32: (r) => r.sfixed32(),
  int64: (r) => r.int64(),
  uint64: (r) => r.uint64(),
  sint64: (r) => r.sint64(),
  fixed64: (r) => r.fixed64(),
  sfixed64: (r) => r.sfixed64(),
  bool: (r) => r.bool(),
  string: (r) => r.string(),
  bytes: (r) => r.bytes(),
};

/** Short runs of decimal digits: exact as a double, so they need no `Long`. */
const SMALL_DIGITS = /^[0-9]{1,15}$/;

/** `fromObject`'s coercion of one scalar value. */
function scalarConvert(type: string): Convert {
  switch (type) {
    case "double":
    case "float":
      return (v) => Number(v);
    case "uint32":
    case "fixed32":
      return (v) => (v as number) >>> 0;
    case "int32":
    case "sint32":
    case "sfixed32":
      return (v) => (v as number) | 0;
    case "uint64":
    case "fixed64":
    case "int64":
    case "sint64":
    case "sfixed64": {
      const unsigned = type === "uint64" || type === "fixed64";
      // Non-negative safe integers have the same bits as `Long.fromValue` gives them, and the
      // writer takes numbers; anything else goes through `Long.fromValue` as `fromObject` does.
      return (v) => {
        if (typeof v === "number" && v >= 0 && Number.isSafeInteger(v)) return v;
        if (typeof v === "string" && SMALL_DIGITS.test(v)) return Number(v);
        return (util.Long as unknown as { fromValue(v: unknown, unsigned: boolean): unknown }).fromValue(v, unsigned);
      };
    }
    case "bytes":
      return (v) => {
        if (typeof v === "string") {
          const buf = util.newBuffer(util.base64.length(v));
          util.base64.decode(v, buf, 0);
          return buf;
        }
        return (v as { length: number }).length >= 0 ? v : UNSET;
      };
    case "string":
      return (v) => String(v);
    case "bool":
      return (v) => Boolean(v);
    default:
      throw new UnsupportedType(`scalar type ${type}`);
  }
}

/** `fromObject`'s enum switch: names and known numbers give the number, other numbers pass
 * through; anything else leaves a singular field unset and makes a repeated element the default. */
function enumConvert(field: protobuf.Field, en: protobuf.Enum, repeated: boolean): Convert {
  const known = new Map<unknown, number>();
  for (const [name, id] of Object.entries(en.values)) {
    if (!known.has(name)) known.set(name, id);
    if (!known.has(id)) known.set(id, id);
  }
  const fallback = repeated ? (field.typeDefault as number) : UNSET;
  return (v) => {
    const id = known.get(v);
    if (id !== undefined) return id;
    return typeof v === "number" ? v : fallback;
  };
}

/** `toObject`'s enum rendering: the name when known, otherwise the number itself. */
function enumName(en: protobuf.Enum): (id: number) => unknown {
  const byId = new Map<number, string>();
  for (const [id, name] of Object.entries(en.valuesById)) byId.set(Number(id), name);
  return (id) => byId.get(id) ?? id;
}

/** `toObject`'s rendering of a decoded 64-bit value with `longs: String`. */
const longDigits = (v: unknown): string =>
  typeof v === "number" ? String(v) : (util.Long.prototype.toString as (this: unknown) => string).call(v);

function valueType(field: protobuf.Field): string {
  return field.resolvedType instanceof protobuf.Enum ? "int32" : field.type;
}

/** How a decoded scalar becomes its plain-object value. */
function renderer(field: protobuf.Field): ((v: unknown) => unknown) | null {
  if (field.resolvedType instanceof protobuf.Enum) return enumName(field.resolvedType) as (v: unknown) => unknown;
  if (types.long[field.type] !== undefined) return longDigits;
  return null;
}

/** The value `toObject` gives an absent singular field. */
function defaultOf(field: protobuf.Field): { value: unknown; fresh?: () => unknown } {
  if (field.resolvedType instanceof protobuf.Enum) return { value: field.resolvedType.valuesById[field.typeDefault as number] };
  if (field.resolvedType instanceof protobuf.Type) return { value: null };
  if (field.long) {
    const d = field.typeDefault as { low: number; high: number; unsigned: boolean };
    return { value: new util.Long(d.low, d.high, d.unsigned).toString() };
  }
  if (field.bytes) {
    const bytes = Array.prototype.slice.call(field.typeDefault as ArrayLike<number>) as number[];
    return { value: null, fresh: () => util.newBuffer(bytes) };
  }
  return { value: field.typeDefault };
}

const byId = (a: protobuf.Field, b: protobuf.Field) => a.id - b.id;

export class CodecBuilder {
  private readonly built = new Map<protobuf.Type, TypeCodec>();

  codec(type: protobuf.Type): MessageCodec {
    const c = this.typeCodec(type);
    return {
      encode(message: unknown): Uint8Array {
        if (Array.isArray(message)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
        const w = protobuf.Writer.create();
        if (c.hasFields) {
          if (!isObject(message)) throw new TypeError(`${type.fullName}: object expected`);
          c.encodeFields(message, w, 0);
        }
        return w.finish();
      },
      decode(bytes: Uint8Array): Obj {
        return c.decode(protobuf.Reader.create(bytes), undefined, 0);
      },
    };
  }

  private typeCodec(type: protobuf.Type): TypeCodec {
    const done = this.built.get(type);
    if (done) return done;
    type.resolveAll();
    // Registered before its fields are built, so a type that contains itself finds its codec.
    const codec = { type, hasFields: type.fieldsArray.length > 0 } as { -readonly [K in keyof TypeCodec]: TypeCodec[K] };
    this.built.set(type, codec);
    const fields = type.fieldsArray.map((f) => f.resolve()).sort(byId);
    for (const f of fields) {
      if (f.required) throw new UnsupportedType(`${f.fullName}: required fields`);
      if (f.delimited) throw new UnsupportedType(`${f.fullName}: groups`);
      if (f instanceof protobuf.MapField && types.long[f.keyType] !== undefined) throw new UnsupportedType(`${f.fullName}: 64-bit map keys`);
    }
    const encoders = fields.map((f) => this.fieldEncoder(f));
    codec.encodeFields = (m, w, depth) => {
      if (depth > util.recursionLimit) throw new Error("max depth exceeded");
      for (let i = 0; i < encoders.length; i++) encoders[i]!(m, w, depth);
    };
    codec.decode = this.messageDecoder(type, fields);
    return codec;
  }

  /** Writes one field as `encode(fromObject(m))` would. */
  private fieldEncoder(field: protobuf.Field): (m: Obj, w: Writer, depth: number) => void {
    const name = field.name;
    const tag = (wt: number) => ((field.id << 3) | wt) >>> 0;
    const sub = field.resolvedType instanceof protobuf.Type ? this.typeCodec(field.resolvedType) : null;
    const en = field.resolvedType instanceof protobuf.Enum ? field.resolvedType : null;
    const type = valueType(field);

    if (field instanceof protobuf.MapField) {
      const mapTag = tag(2);
      const keyTag = (8 | types.mapKey[field.keyType]!) >>> 0;
      const writeKey = WRITE[field.keyType]!;
      if (sub) {
        return (m, w, depth) => {
          const v = m[name];
          if (!v) return;
          if (!isObject(v)) throw expected(field, "object");
          for (const k of Object.keys(v)) {
            const e = v[k];
            if (!isObject(e)) throw expected(field, "object");
            w.uint32(mapTag).fork().uint32(keyTag);
            writeKey(w, k);
            w.uint32(18).fork();
            sub.encodeFields(e, w, depth + 1);
            w.ldelim().ldelim();
          }
        };
      }
      const convert = en ? enumConvert(field, en, false) : scalarConvert(type);
      const valueTag = (16 | types.basic[type]!) >>> 0;
      const writeValue = WRITE[type]!;
      return (m, w) => {
        const v = m[name];
        if (!v) return;
        if (!isObject(v)) throw expected(field, "object");
        for (const k of Object.keys(v)) {
          const c = convert(v[k]);
          if (c === UNSET) continue;
          w.uint32(mapTag).fork().uint32(keyTag);
          writeKey(w, k);
          w.uint32(valueTag);
          writeValue(w, c);
          w.ldelim();
        }
      };
    }

    if (field.repeated) {
      if (sub) {
        const t = tag(2);
        return (m, w, depth) => {
          const v = m[name];
          if (!v) return;
          if (!Array.isArray(v)) throw expected(field, "array");
          for (let i = 0; i < v.length; i++) {
            const e: unknown = v[i];
            if (!isObject(e)) throw expected(field, "object");
            w.uint32(t).fork();
            sub.encodeFields(e, w, depth + 1);
            w.ldelim();
          }
        };
      }
      const convert = en ? enumConvert(field, en, true) : scalarConvert(type);
      const write = WRITE[type]!;
      if (field.packed && types.packed[type] !== undefined) {
        const t = tag(2);
        return (m, w) => {
          const v = m[name];
          if (!v) return;
          if (!Array.isArray(v)) throw expected(field, "array");
          if (v.length === 0) return;
          w.uint32(t).fork();
          for (let i = 0; i < v.length; i++) write(w, convert(v[i]));
          w.ldelim();
        };
      }
      const t = tag(types.basic[type]!);
      return (m, w) => {
        const v = m[name];
        if (!v) return;
        if (!Array.isArray(v)) throw expected(field, "array");
        for (let i = 0; i < v.length; i++) {
          const c = convert(v[i]);
          if (c === UNSET) {
            // `fromObject` leaves a hole there: the encoder fails on it, unless nothing is set
            // after it (the array then simply ends before it).
            for (let j = i + 1; j < v.length; j++) if (convert(v[j]) !== UNSET) throw expected(field, "bytes");
            return;
          }
          w.uint32(t);
          write(w, c);
        }
      };
    }

    if (sub) {
      const t = tag(2);
      return (m, w, depth) => {
        const v = m[name];
        if (v == null) return;
        if (!isObject(v)) throw expected(field, "object");
        w.uint32(t).fork();
        sub.encodeFields(v, w, depth + 1);
        w.ldelim();
      };
    }
    const write = WRITE[type]!;
    const t = tag(types.basic[type]!);
    if (en) {
      // The enum switch runs on null and undefined too (and leaves the field unset).
      const convert = enumConvert(field, en, false);
      return (m, w) => {
        const c = convert(m[name]);
        if (c === UNSET) return;
        w.uint32(t);
        write(w, c);
      };
    }
    const convert = scalarConvert(type);
    return (m, w) => {
      const v = m[name];
      if (v == null) return;
      const c = convert(v);
      if (c === UNSET) return;
      w.uint32(t);
      write(w, c);
    };
  }

  /** Reads a message as `toObject(decode(bytes), PROTO_LOAD_OPTIONS)` would build it. */
  private messageDecoder(type: protobuf.Type, fields: protobuf.Field[]): TypeCodec["decode"] {
    // `toObject` lays out repeated fields, then maps, then the other fields not in a oneof (each
    // in field-number order), then the set oneof members, each followed by its oneof's name.
    const template: Obj = {};
    const fresh: [string, () => unknown][] = [];
    for (const f of fields) {
      if (f.repeated && !f.partOf) {
        template[f.name] = null;
        fresh.push([f.name, () => []]);
      }
    }
    for (const f of fields) {
      if (f.map && !f.partOf) {
        template[f.name] = null;
        fresh.push([f.name, () => ({})]);
      }
    }
    for (const f of fields) {
      if (f.repeated || f.map || f.partOf) continue;
      const d = defaultOf(f);
      template[f.name] = d.value;
      if (d.fresh) fresh.push([f.name, d.fresh]);
    }
    const members = fields.filter((f) => f.partOf);
    const memberSlot = new Map(members.map((f, i) => [f, i]));

    type FieldReader = (r: Reader, t: number, d: Obj, depth: number, slots: unknown[] | null) => void;
    const readers: (FieldReader | undefined)[] = [];
    for (const f of fields) {
      const slot = memberSlot.get(f);
      readers[f.id] = this.fieldReader(f, slot);
    }
    // Maps of messages, whose missing values `toObject` fails on (unless the type has no fields).
    const nullMapValues = fields.filter((f) => f.map && f.resolvedType instanceof protobuf.Type && f.resolvedType.fieldsArray.length > 0);
    const freshCount = fresh.length;
    const memberCount = members.length;
    const recursionLimit = (protobuf.Reader as unknown as { recursionLimit: number }).recursionLimit;

    return (r, length, depth) => {
      if (depth > recursionLimit) throw new Error("maximum nesting depth exceeded");
      let end: number;
      let outerLen = 0;
      if (length === undefined) end = r.len;
      else {
        end = r.pos + length;
        if (end > r.len) throw new RangeError("index out of range");
        outerLen = r.len;
        r.len = end;
      }
      const d: Obj = { ...template };
      for (let i = 0; i < freshCount; i++) {
        const [k, make] = fresh[i]!;
        d[k] = make();
      }
      const slots = memberCount > 0 ? new Array<unknown>(memberCount) : null;
      while (r.pos < end) {
        const t = r.uint32();
        const read = readers[t >>> 3];
        if (read === undefined) r.skipType(t & 7, depth);
        else read(r, t, d, depth, slots);
      }
      if (length !== undefined) {
        if (r.pos !== end) throw new RangeError("index out of range");
        r.len = outerLen;
      }
      for (let i = 0; i < nullMapValues.length; i++) {
        const f = nullMapValues[i]!;
        const map = d[f.name] as Obj;
        for (const k in map) if (map[k] === null) throw new TypeError(`${f.fullName}: map value missing`);
      }
      if (slots !== null) {
        for (let i = 0; i < memberCount; i++) {
          const v = slots[i];
          if (v === undefined) continue;
          const f = members[i]!;
          d[f.name] = v;
          d[f.partOf!.name] = f.name;
        }
      }
      return d;
    };
  }

  private fieldReader(field: protobuf.Field, slot: number | undefined): (r: Reader, t: number, d: Obj, depth: number, slots: unknown[] | null) => void {
    const name = field.name;
    const sub = field.resolvedType instanceof protobuf.Type ? this.typeCodec(field.resolvedType) : null;
    const type = valueType(field);
    const read = READ[type];
    const render = renderer(field);

    if (field instanceof protobuf.MapField) {
      const readKey = READ[field.keyType]!;
      const keyDefault = types.defaults[field.keyType] ?? null;
      const valueDefault = sub ? null : types.defaults[type];
      const emptyValue = sub !== null && !sub.hasFields;
      return (r, _t, d, depth) => {
        const map = d[name] as Obj;
        const end = r.uint32() + r.pos;
        if (end > r.len) throw new RangeError("index out of range");
        const outerLen = r.len;
        r.len = end;
        let k: unknown = keyDefault;
        let value: unknown = valueDefault;
        while (r.pos < end) {
          const tag = r.uint32();
          switch (tag >>> 3) {
            case 1:
              k = readKey(r);
              break;
            case 2:
              value = sub ? sub.decode(r, r.uint32(), depth + 1) : read!(r);
              break;
            default:
              r.skipType(tag & 7, depth);
              break;
          }
        }
        if (r.pos !== end) throw new RangeError("index out of range");
        r.len = outerLen;
        // A missing message value stays null here: a later entry of the same key may still give
        // it one, and `toObject` only fails on what is null at the end (see `nullMapValues`).
        if (sub && value === null) value = emptyValue ? {} : null;
        else if (render) value = render(value);
        const key = k as string;
        if (key === "__proto__") util.makeProp(map, key);
        map[key] = value;
      };
    }

    if (field.repeated) {
      if (sub) {
        return (r, _t, d, depth) => {
          (d[name] as unknown[]).push(sub.decode(r, r.uint32(), depth + 1));
        };
      }
      const readOne = render ? (r: Reader) => render(read!(r)) : read!;
      if (types.packed[type] !== undefined) {
        return (r, t, d) => {
          const list = d[name] as unknown[];
          if ((t & 7) === 2) {
            const end = r.uint32() + r.pos;
            if (end > r.len) throw new RangeError("index out of range");
            const outerLen = r.len;
            r.len = end;
            while (r.pos < end) list.push(readOne(r));
            if (r.pos !== end) throw new RangeError("index out of range");
            r.len = outerLen;
          } else list.push(readOne(r));
        };
      }
      return (r, _t, d) => {
        (d[name] as unknown[]).push(readOne(r));
      };
    }

    const readValue: (r: Reader, depth: number) => unknown = sub
      ? (r, depth) => sub.decode(r, r.uint32(), depth + 1)
      : render
        ? (r) => render(read!(r))
        : (r) => read!(r);
    if (slot !== undefined) {
      return (r, _t, _d, depth, slots) => {
        slots![slot] = readValue(r, depth);
      };
    }
    return (r, _t, d, depth) => {
      d[name] = readValue(r, depth);
    };
  }
}
