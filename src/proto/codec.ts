/**
 * A one-pass protobuf codec between our plain objects and bytes, built once per message type from
 * protobufjs reflection.
 *
 * `@grpc/proto-loader` serializes with `Type.encode(Type.fromObject(obj))` and deserializes with
 * `Type.toObject(Type.decode(bytes), options)`: two walks and a throw-away message instance each
 * way. This codec does each direction in one walk and gives the same result:
 * - encoding applies, field by field, the coercion `fromObject` would (`| 0`, `>>> 0`, `Number`,
 *   `String`, `Boolean`, `Long.fromValue`, base64 for bytes given as text, the enum switch) and
 *   writes in field-number order with `ByteWriter`, which writes each value as protobufjs's
 *   `BufferWriter` does, straight into one buffer, so the bytes are identical;
 * - decoding reads with protobufjs's own `Reader` exactly as its generated decoder does (dispatch
 *   on the field number only, packed and unpacked repeated scalars, the same bounds checks) and
 *   builds the object `toObject` would build with `PROTO_LOAD_OPTIONS` (defaults, enum names,
 *   64-bit values as decimal digits, oneof names), keys in the same order; strings come from
 *   `readString`, which gives what the reader's `string` gives.
 * Whenever either direction throws, `withFallback` reruns proto-loader's function, so an error
 * carries protobufjs's own text and a gRPC peer gets the status it got before.
 *
 * Only the options `PROTO_LOAD_OPTIONS` sets are implemented (keepCase, longs String, enums
 * String, defaults, oneofs); a type the codec cannot reproduce exactly (groups, required fields,
 * 64-bit map keys) makes `CodecBuilder#codec` throw `UnsupportedType` and the caller keeps
 * proto-loader for it.
 */
import protobuf from "protobufjs";
import { ByteWriter } from "./writer.ts";
import { readString } from "./strings.ts";

type Writer = ByteWriter;
type Reader = protobuf.Reader;
type Obj = Record<string, unknown>;

export interface MessageCodec {
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): Obj;
}

export class UnsupportedType extends Error {}

let spare: ByteWriter | null = null;

export interface Reference {
  serialize(value: object): Buffer;
  deserialize(bytes: Buffer): object;
}

/**
 * Our codec with the reference behind it: whenever ours throws, the reference runs again, so an
 * error is protobufjs's own (text and type) and the status a peer gets is unchanged; and where
 * ours declines a value it does not write itself (bytes given as a plain array, say), the
 * reference's result stands.
 */
export function withFallback(codec: MessageCodec, reference: Reference): Reference {
  return {
    serialize: (value) => {
      try {
        return codec.encode(value) as Buffer;
      } catch {
        return reference.serialize(value);
      }
    },
    deserialize: (bytes) => {
      try {
        return codec.decode(bytes);
      } catch {
        return reference.deserialize(bytes);
      }
    },
  };
}

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

/** The scalar types, by protobufjs type name (enums are written as `int32`). */
const SCALARS = new Set(["double", "float", "int32", "uint32", "sint32", "fixed32", "sfixed32", "int64", "uint64", "sint64", "fixed64", "sfixed64", "bool", "string", "bytes"]);

/** The value of a short run of decimal digits (1 to 15), or -1 for any other string: exact as
 * a double, so it needs no `Long`, and worked out in the loop that checks the digits, which
 * costs less than a regular expression and `Number` on a string of a few characters. */
function smallDigitsValue(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

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
        if (typeof v === "string") {
          const small = smallDigitsValue(v);
          if (small >= 0) return small;
        }
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

/** Field names become property accesses in generated code: only plain identifiers get there. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const key = (name: string) => JSON.stringify(name);

/**
 * Builds, once per message type, an encoder and a decoder as generated functions (as protobufjs
 * itself does for its own), because one closure per field kind shared by every type makes every
 * call site megamorphic and the codec slower than the two passes it replaces. What goes into the
 * generated source is numbers, `JSON.stringify`d strings and field names checked against
 * `IDENTIFIER`; everything else is passed in as values.
 */
export class CodecBuilder {
  private readonly built = new Map<protobuf.Type, TypeCodec>();

  codec(type: protobuf.Type): MessageCodec {
    const c = this.typeCodec(type);
    return {
      encode(message: unknown): Uint8Array {
        if (Array.isArray(message)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
        // One writer serves every encoding; a nested `encode` (from a getter, say) gets its own.
        const w = spare ?? new ByteWriter();
        spare = null;
        w.reset();
        try {
          if (c.hasFields) {
            if (!isObject(message)) throw new TypeError(`${type.fullName}: object expected`);
            c.encodeFields(message, w, 0);
          }
          return w.finish();
        } finally {
          spare = w;
        }
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
    const fields = type.fieldsArray.map((f) => f.resolve()).sort(byId);
    for (const f of fields) {
      if (!IDENTIFIER.test(f.name) || f.name === "__proto__") throw new UnsupportedType(`${f.fullName}: field name`);
      if (f.partOf && !IDENTIFIER.test(f.partOf.name)) throw new UnsupportedType(`${f.fullName}: oneof name`);
      if (f.required) throw new UnsupportedType(`${f.fullName}: required fields`);
      if (f.delimited) throw new UnsupportedType(`${f.fullName}: groups`);
      if (f instanceof protobuf.MapField && (types.long[f.keyType] !== undefined || !SCALARS.has(f.keyType))) throw new UnsupportedType(`${f.fullName}: map key type ${f.keyType}`);
      if (!(f.resolvedType instanceof protobuf.Type) && !(f.resolvedType instanceof protobuf.Enum) && !SCALARS.has(f.type)) throw new UnsupportedType(`${f.fullName}: type ${f.type}`);
    }
    // Registered before its fields are generated, so a type that contains itself finds its
    // codec; generated code reads `encodeFields`/`decode` of a nested codec when it runs.
    const codec = { type, hasFields: fields.length > 0 } as { -readonly [K in keyof TypeCodec]: TypeCodec[K] };
    this.built.set(type, codec);
    const subs = fields.map((f) => (f.resolvedType instanceof protobuf.Type ? this.typeCodec(f.resolvedType) : null));
    codec.encodeFields = generateEncoder(type, fields, subs);
    codec.decode = generateDecoder(type, fields, subs);
    return codec;
  }
}

/**
 * Values the generated functions refer to: each is a constant of the closure the function is
 * made in (`R0`, `R1`, ...), where reading them out of an array on every use cost a load each.
 */
class Refs {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `R${this.values.length - 1}`;
  }
}

function compile<F>(name: string, params: string[], body: string, refs: Refs): F {
  const n = refs.values.length;
  const constants = n === 0 ? "" : `const ${Array.from({ length: n }, (_, i) => `R${i}=R[${i}]`).join(",")};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see CodecBuilder
  const make = new Function("R", `${constants}return function ${name}(${params.join(",")}){\n${body}\n}`) as (r: unknown[]) => F;
  return make(refs.values);
}

const fnName = (type: protobuf.Type, what: string) => `${type.fullName.replace(/[^A-Za-z0-9_]/g, "_")}$${what}`;

/** The `fromObject` enum switch as code: `c` gets the number or `UNSET`. */
function enumSwitch(field: protobuf.Field, en: protobuf.Enum, repeated: boolean, v: string, refs: Refs, unset: string): string {
  const cases: string[] = [];
  const seen = new Set<string>();
  for (const [name, id] of Object.entries(en.values)) {
    for (const label of [key(name), String(id)]) {
      if (seen.has(label)) continue;
      seen.add(label);
      cases.push(`case ${label}:c=${id};break;`);
    }
  }
  const fallback = repeated ? String(field.typeDefault as number) : unset;
  return `switch(${v}){${cases.join("")}default:c=typeof ${v}==="number"?${v}:${fallback}}`;
}

/** Code giving `c` the value `fromObject` stores for `v` (a scalar or enum), `UNSET` if none. */
function convertCode(field: protobuf.Field, type: string, repeated: boolean, v: string, refs: Refs, unset: string): string {
  if (field.resolvedType instanceof protobuf.Enum) return enumSwitch(field, field.resolvedType, repeated, v, refs, unset);
  switch (type) {
    case "double":
    case "float":
      return `c=Number(${v});`;
    case "uint32":
    case "fixed32":
      return `c=${v}>>>0;`;
    case "int32":
    case "sint32":
    case "sfixed32":
      return `c=${v}|0;`;
    case "bool":
      return `c=!!${v};`;
    case "string":
      return `c=typeof ${v}==="string"?${v}:String(${v});`;
    default:
      return `c=${refs.add(scalarConvert(type))}(${v});`;
  }
}

function generateEncoder(type: protobuf.Type, fields: protobuf.Field[], subs: (TypeCodec | null)[]): TypeCodec["encodeFields"] {
  const refs = new Refs();
  const UNSETR = refs.add(UNSET);
  const isObj = refs.add(isObject);
  const lines: string[] = [`if(q>${refs.add(util)}.recursionLimit)throw Error("max depth exceeded");`, "var v,c,ks,k,e,i,j;"];
  fields.forEach((field, index) => {
    const tag = (wt: number) => ((field.id << 3) | wt) >>> 0;
    const sub = subs[index] ? refs.add(subs[index]) : null;
    const vt = valueType(field);
    const err = (what: string) => `throw ${refs.add(() => expected(field, what))}()`;
    lines.push(`v=m[${key(field.name)}];`);
    if (field instanceof protobuf.MapField) {
      const head = `w.nested(${tag(2)}).tag(${(8 | types.mapKey[field.keyType]!) >>> 0}).${field.keyType}(k)`;
      const body = sub
        ? `e=v[k];if(!${isObj}(e))${err("object")};${head}.nested(18);${sub}.encodeFields(e,w,q+1);w.ldelim().ldelim();`
        : `${convertCode(field, vt, false, "v[k]", refs, UNSETR)}if(c===${UNSETR})continue;${head}.tag(${(16 | types.basic[vt]!) >>> 0}).${vt}(c).ldelim();`;
      lines.push(`if(v){if(!${isObj}(v))${err("object")};ks=Object.keys(v);for(i=0;i<ks.length;i++){k=ks[i];${body}}}`);
    } else if (field.repeated) {
      if (sub) {
        lines.push(`if(v){if(!Array.isArray(v))${err("array")};for(i=0;i<v.length;i++){e=v[i];if(!${isObj}(e))${err("object")};w.nested(${tag(2)});${sub}.encodeFields(e,w,q+1);w.ldelim();}}`);
      } else if (field.packed && types.packed[vt] !== undefined) {
        lines.push(`if(v){if(!Array.isArray(v))${err("array")};if(v.length){w.nested(${tag(2)});for(i=0;i<v.length;i++){${convertCode(field, vt, true, "v[i]", refs, UNSETR)}w.${vt}(c);}w.ldelim();}}`);
      } else {
        // An unset element (bytes that are neither text nor array-like) is a hole `fromObject`
        // leaves: the encoder fails on it, unless nothing is set after it (the array then ends).
        const convAt = (x: string) => convertCode(field, vt, true, x, refs, UNSETR);
        lines.push(
          `if(v){if(!Array.isArray(v))${err("array")};for(i=0;i<v.length;i++){${convAt("v[i]")}if(c===${UNSETR}){for(j=i+1;j<v.length;j++){${convAt("v[j]")}if(c!==${UNSETR})${err("bytes")};}break;}w.tag(${tag(types.basic[vt]!)}).${vt}(c);}}`,
        );
      }
    } else if (sub) {
      lines.push(`if(v!=null){if(!${isObj}(v))${err("object")};w.nested(${tag(2)});${sub}.encodeFields(v,w,q+1);w.ldelim();}`);
    } else if (field.resolvedType instanceof protobuf.Enum) {
      // The enum switch runs on null and undefined too (and leaves the field unset).
      lines.push(`${convertCode(field, vt, false, "v", refs, UNSETR)}if(c!==${UNSETR})w.tag(${tag(types.basic[vt]!)}).${vt}(c);`);
    } else {
      lines.push(`if(v!=null){${convertCode(field, vt, false, "v", refs, UNSETR)}if(c!==${UNSETR})w.tag(${tag(types.basic[vt]!)}).${vt}(c);}`);
    }
  });
  return compile(fnName(type, "encode"), ["m", "w", "q"], lines.join("\n"), refs);
}

const TWO_32 = 4294967296;

/**
 * Reads an `int64`/`uint64` varint straight to its decimal digits, where `r.int64()` builds a
 * `LongBits` and a `Long` per value only to print it (memory sizes and generations are on most
 * messages). With ten bytes or more left, protobufjs reads a varint without bounds checks; this
 * reads the same bits the same way (and fails where it fails). Nearer the end, which is where
 * the last field of a nested message is (a generation, say), a value of up to four bytes that
 * ends within the bounds is read here too, as protobufjs reads it there; anything else near the
 * end goes to its own reader (cut short, longer, or a fourth byte that is not the last), as do
 * values outside ±2^53, whose digits `Long` prints exactly.
 */
function varint64Digits(unsigned: boolean): (r: Reader) => string {
  const slow = unsigned ? (r: Reader) => longDigits(r.uint64()) : (r: Reader) => longDigits(r.int64());
  if (!util.Long) return slow;
  return (r) => {
    const rr = r as unknown as { buf: Uint8Array; pos: number; len: number };
    let pos = rr.pos;
    const buf = rr.buf;
    if (rr.len - pos < 10) {
      const end = rr.len;
      let lo = 0;
      for (let i = 0; i < 4 && pos < end; i++) {
        const b = buf[pos++]!;
        lo |= (b & 127) << (7 * i);
        if (b < 128) {
          rr.pos = pos;
          return String(lo);
        }
      }
      return slow(r);
    }
    let b = buf[pos++]!;
    let lo = b & 127;
    if (b < 128) {
      rr.pos = pos;
      return String(lo);
    }
    for (let i = 1; i < 4; i++) {
      b = buf[pos++]!;
      lo |= (b & 127) << (7 * i);
      if (b < 128) {
        rr.pos = pos;
        return String(lo);
      }
    }
    b = buf[pos++]!;
    lo = (lo | ((b & 127) << 28)) >>> 0;
    let hi = (b & 127) >> 4;
    if (b >= 128) {
      let i = 0;
      for (; i < 5; i++) {
        b = buf[pos++]!;
        hi = (hi | ((b & 127) << (7 * i + 3))) >>> 0;
        if (b < 128) break;
      }
      if (i === 5) throw Error("invalid varint encoding");
    }
    rr.pos = pos;
    const high = unsigned ? hi >>> 0 : hi | 0;
    // within ±2^53 the value is exact as a double and its digits are the number's
    if (high < 0x200000 && high >= -0x200000) return String(high * TWO_32 + lo);
    return longDigits(new util.Long(lo | 0, hi | 0, unsigned));
  };
}

const readInt64Digits = varint64Digits(false);
const readUint64Digits = varint64Digits(true);

/** Code reading one value of a scalar or enum field, as `toObject` renders it. */
function readCode(field: protobuf.Field, vt: string, refs: Refs): string {
  if (vt === "int64") return `${refs.add(readInt64Digits)}(r)`;
  if (vt === "uint64") return `${refs.add(readUint64Digits)}(r)`;
  const render = renderer(field);
  return render ? `${refs.add(render)}(${rawRead(vt, refs)})` : rawRead(vt, refs);
}

/** Code reading one scalar as the reader gives it; strings through `readString` (see there). */
function rawRead(vt: string, refs: Refs): string {
  return vt === "string" ? `${refs.add(readString)}(r)` : `r.${vt}()`;
}

/**
 * Code reading a varint of 32 bits (a tag, a length): a value below 128 is its one byte, read
 * here as the reader's `uint32` reads it (the first byte unchecked, as there), and anything
 * else goes to `uint32`. Tags and lengths are most of what a message is read as, and nearly
 * all of them are one byte; the call for each was a tenth of decoding a status message.
 */
const VARINT32 = "((z=r.buf[r.pos])<128?(r.pos++,z):r.uint32())";

function generateDecoder(type: protobuf.Type, fields: protobuf.Field[], subs: (TypeCodec | null)[]): TypeCodec["decode"] {
  const refs = new Refs();
  const limit = (protobuf.Reader as unknown as { recursionLimit: number }).recursionLimit;
  // `toObject` lays out repeated fields, then maps, then the other fields not in a oneof (each
  // in field-number order), then the set oneof members, each followed by its oneof's name.
  const literal: string[] = [];
  for (const f of fields) if (f.repeated && !f.partOf) literal.push(`${key(f.name)}:[]`);
  for (const f of fields) if (f.map && !f.partOf) literal.push(`${key(f.name)}:{}`);
  for (const f of fields) {
    if (f.repeated || f.map || f.partOf) continue;
    const d = defaultOf(f);
    const plain = d.fresh === undefined && (typeof d.value === "string" || typeof d.value === "boolean" || d.value === null || (typeof d.value === "number" && Number.isFinite(d.value) && !Object.is(d.value, -0)));
    literal.push(`${key(f.name)}:${d.fresh ? `${refs.add(d.fresh)}()` : plain ? JSON.stringify(d.value) : refs.add(d.value)}`);
  }
  const members = fields.filter((f) => f.partOf);
  const slot = new Map(members.map((f, i) => [f, `s${i}`]));
  const lines: string[] = [
    `if(n>${limit})throw Error("maximum nesting depth exceeded");`,
    "var c,ol,t,c2,ol2,k,val,tag,z,nulls=false;",
    `if(l===undefined)c=r.len;else{c=r.pos+l;if(c>r.len)throw RangeError("index out of range");ol=r.len;r.len=c;}`,
    `var d={${literal.join(",")}};`,
  ];
  if (members.length) lines.push(`var ${members.map((_, i) => `s${i}`).join(",")};`);
  lines.push(`while(r.pos<c){t=${VARINT32};switch(t>>>3){`);
  fields.forEach((field, index) => {
    const sub = subs[index] ? refs.add(subs[index]) : null;
    const vt = valueType(field);
    const target = `d[${key(field.name)}]`;
    let code: string;
    if (field instanceof protobuf.MapField) {
      const keyDefault = JSON.stringify(types.defaults[field.keyType] ?? null);
      let value: string;
      let valueDefault: string;
      let finish = "";
      if (sub) {
        value = `${sub}.decode(r,${VARINT32},n+1)`;
        valueDefault = "null";
        // A missing message value stays null: a later entry of the same key may still give it
        // one, and `toObject` only fails on what is null at the end (checked below, only when
        // some entry was null), unless the type has no fields at all.
        finish = subs[index]!.hasFields ? "if(val===null)nulls=true;" : "if(val===null)val={};";
      } else {
        value = rawRead(vt, refs);
        const dv = types.defaults[vt];
        valueDefault = Array.isArray(dv) ? refs.add(dv) : JSON.stringify(dv);
        const render = renderer(field);
        if (render) finish = `val=${refs.add(render)}(val);`;
      }
      code =
        `c2=${VARINT32}+r.pos;if(c2>r.len)throw RangeError("index out of range");ol2=r.len;r.len=c2;k=${keyDefault};val=${valueDefault};` +
        `while(r.pos<c2){tag=${VARINT32};switch(tag>>>3){case 1:k=${rawRead(field.keyType, refs)};break;case 2:val=${value};break;default:r.skipType(tag&7,n);}}` +
        `if(r.pos!==c2)throw RangeError("index out of range");r.len=ol2;${finish}` +
        `if(k==="__proto__")${refs.add(util.makeProp)}(${target},k);${target}[k]=val;`;
    } else if (field.repeated) {
      if (sub) code = `${target}.push(${sub}.decode(r,${VARINT32},n+1));`;
      else {
        const one = readCode(field, vt, refs);
        code =
          types.packed[vt] !== undefined
            ? `if((t&7)===2){c2=r.uint32()+r.pos;if(c2>r.len)throw RangeError("index out of range");ol2=r.len;r.len=c2;var a=${target};while(r.pos<c2)a.push(${one});if(r.pos!==c2)throw RangeError("index out of range");r.len=ol2;}else ${target}.push(${one});`
            : `${target}.push(${one});`;
      }
    } else {
      const one = sub ? `${sub}.decode(r,${VARINT32},n+1)` : readCode(field, vt, refs);
      code = `${slot.get(field) ?? target}=${one};`;
    }
    lines.push(`case ${field.id}:{${code}break;}`);
  });
  lines.push("default:r.skipType(t&7,n);}}");
  lines.push(`if(l!==undefined){if(r.pos!==c)throw RangeError("index out of range");r.len=ol;}`);
  fields.forEach((f, index) => {
    if (f.map && subs[index]?.hasFields) {
      lines.push(`if(nulls)for(k in d[${key(f.name)}])if(d[${key(f.name)}][k]===null)throw ${refs.add(() => new TypeError(`${f.fullName}: map value missing`))}();`);
    }
  });
  members.forEach((f, i) => lines.push(`if(s${i}!==undefined){d[${key(f.name)}]=s${i};d[${key(f.partOf!.name)}]=${key(f.name)};}`));
  lines.push("return d;");
  return compile(fnName(type, "decode"), ["r", "l", "n"], lines.join("\n"), refs);
}
