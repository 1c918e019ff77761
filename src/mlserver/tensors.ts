/**
 * Open Inference Protocol tensors: the datatype table, reading input tensors from either their
 * typed `contents` or `raw_input_contents`, validating them, and writing output tensors back in
 * either form. Pure functions; a bad tensor throws `TensorError` with a message naming the input.
 *
 * Raw form (as the OIP spec and Triton define it): the flattened row-major elements, little
 * endian, no padding; BYTES elements each preceded by their length as a 4-byte little-endian
 * unsigned integer; BOOL one byte per element.
 */
import type { PbInferInputTensor, PbInferOutputTensor, PbTensorContents } from "./messages.ts";

export type ContentsField = keyof PbTensorContents;

export const CONTENTS_FIELDS: readonly ContentsField[] = [
  "bool_contents",
  "int_contents",
  "int64_contents",
  "uint_contents",
  "uint64_contents",
  "fp32_contents",
  "fp64_contents",
  "bytes_contents",
];

type Kind = "bool" | "int" | "float" | "bytes" | "fp16";

export interface DatatypeSpec {
  /** The typed contents field, or undefined when the datatype can only travel raw (FP16). */
  field: ContentsField | undefined;
  kind: Kind;
  /** Bytes per element in raw form; 0 for BYTES (variable). */
  size: number;
  /** Inclusive range for integer kinds. */
  min?: number;
  max?: number;
}

export const DATATYPES: Readonly<Record<string, DatatypeSpec>> = {
  BOOL: { field: "bool_contents", kind: "bool", size: 1 },
  UINT8: { field: "uint_contents", kind: "int", size: 1, min: 0, max: 0xff },
  UINT16: { field: "uint_contents", kind: "int", size: 2, min: 0, max: 0xffff },
  UINT32: { field: "uint_contents", kind: "int", size: 4, min: 0, max: 0xffffffff },
  UINT64: { field: "uint64_contents", kind: "int", size: 8, min: 0, max: 2 ** 64 - 1 },
  INT8: { field: "int_contents", kind: "int", size: 1, min: -0x80, max: 0x7f },
  INT16: { field: "int_contents", kind: "int", size: 2, min: -0x8000, max: 0x7fff },
  INT32: { field: "int_contents", kind: "int", size: 4, min: -0x80000000, max: 0x7fffffff },
  INT64: { field: "int64_contents", kind: "int", size: 8, min: -(2 ** 63), max: 2 ** 63 - 1 },
  FP16: { field: undefined, kind: "fp16", size: 2 },
  FP32: { field: "fp32_contents", kind: "float", size: 4 },
  FP64: { field: "fp64_contents", kind: "float", size: 8 },
  BYTES: { field: "bytes_contents", kind: "bytes", size: 0 },
};

/** Element values: numbers for numeric datatypes (FP16 as its 16-bit pattern), booleans for BOOL,
 * byte strings for BYTES. 64-bit integers are JavaScript numbers, as the loader decodes them. */
export type TensorData = number[] | boolean[] | Uint8Array[];

export interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: TensorData;
  /** The raw bytes the tensor was read from, kept so identity gives them back exactly (64-bit
   * integers beyond 2^53 do not survive a trip through JavaScript numbers). */
  raw?: Buffer;
}

export class TensorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TensorError";
  }
}

export function datatypeSpec(datatype: string): DatatypeSpec | undefined {
  return Object.prototype.hasOwnProperty.call(DATATYPES, datatype) ? DATATYPES[datatype] : undefined;
}

const showShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/** Number of elements a shape holds; throws if a dimension is not a non-negative integer. */
export function elementCount(inputName: string, shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new TensorError(`input "${inputName}": invalid shape ${showShape(shape)}: dimensions must be non-negative integers`);
    }
    n *= d;
  }
  return n;
}

function nonEmptyFields(contents: PbTensorContents | null | undefined): ContentsField[] {
  if (!contents) return [];
  return CONTENTS_FIELDS.filter((f) => (contents[f]?.length ?? 0) > 0);
}

/** True when the tensor carries no typed contents at all (so, if the request has raw contents,
 * it takes the next `raw_input_contents` entry, as MLServer pairs them). */
export function hasNoContents(input: PbInferInputTensor): boolean {
  return nonEmptyFields(input.contents).length === 0;
}

function checkValues(name: string, datatype: string, spec: DatatypeSpec, values: readonly unknown[]): void {
  values.forEach((v, i) => {
    switch (spec.kind) {
      case "bool":
        if (typeof v !== "boolean") throw new TensorError(`input "${name}": element ${i} of ${datatype} tensor is not a boolean`);
        return;
      case "bytes":
        if (!(v instanceof Uint8Array)) throw new TensorError(`input "${name}": element ${i} of BYTES tensor is not a byte string`);
        return;
      case "float":
        if (typeof v !== "number") throw new TensorError(`input "${name}": element ${i} of ${datatype} tensor is not a number`);
        return;
      case "int":
        if (typeof v !== "number" || !Number.isInteger(v)) {
          throw new TensorError(`input "${name}": element ${i} of ${datatype} tensor is not an integer`);
        }
        if (v < (spec.min ?? -Infinity) || v > (spec.max ?? Infinity)) {
          throw new TensorError(`input "${name}": element ${i} (${v}) is out of range for ${datatype}`);
        }
        return;
      case "fp16":
        return;
    }
  });
}

/** Reads and validates one input tensor from its typed contents. */
export function readFromContents(input: PbInferInputTensor): Tensor {
  const { name, datatype, shape, spec } = header(input);
  const count = elementCount(name, shape);
  if (spec.field === undefined) {
    throw new TensorError(`input "${name}": ${datatype} has no typed contents field; send it in raw_input_contents`);
  }
  const wrong = nonEmptyFields(input.contents).filter((f) => f !== spec.field);
  if (wrong.length > 0) {
    throw new TensorError(`input "${name}": datatype ${datatype} expects ${spec.field}, got ${wrong.join(", ")}`);
  }
  const values = (input.contents?.[spec.field] ?? []) as unknown[];
  if (values.length !== count) {
    throw new TensorError(`input "${name}": shape ${showShape(shape)} has ${count} elements but ${spec.field} has ${values.length}`);
  }
  checkValues(name, datatype, spec, values);
  return { name, datatype, shape, data: values.slice() as TensorData };
}

/** Reads and validates one input tensor from its raw bytes (the `index`-th raw entry). */
export function readFromRaw(input: PbInferInputTensor, raw: Uint8Array, index: number): Tensor {
  const { name, datatype, shape, spec } = header(input);
  const count = elementCount(name, shape);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const where = `raw_input_contents[${index}]`;
  if (spec.kind === "bytes") {
    const data = unpackBytes(name, where, buf);
    if (data.length !== count) {
      throw new TensorError(`input "${name}": shape ${showShape(shape)} has ${count} elements but ${where} holds ${data.length} BYTES elements`);
    }
    return { name, datatype, shape, data, raw: Buffer.from(buf) };
  }
  const expected = count * spec.size;
  if (buf.length !== expected) {
    throw new TensorError(
      `input "${name}": ${where} has ${buf.length} bytes, expected ${expected} (${count} x ${datatype} of ${spec.size} bytes)`,
    );
  }
  const read = reader(datatype);
  const data: (number | boolean)[] = [];
  for (let i = 0; i < count; i++) data.push(read(buf, i * spec.size));
  return { name, datatype, shape, data: data as TensorData, raw: Buffer.from(buf) };
}

function header(input: PbInferInputTensor): { name: string; datatype: string; shape: number[]; spec: DatatypeSpec } {
  const name = input.name ?? "";
  const datatype = input.datatype ?? "";
  const shape = (input.shape ?? []).slice();
  const spec = datatypeSpec(datatype);
  if (!spec) {
    throw new TensorError(`input "${name}": unsupported datatype "${datatype}" (expected one of ${Object.keys(DATATYPES).join(", ")})`);
  }
  return { name, datatype, shape, spec };
}

function unpackBytes(name: string, where: string, buf: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 4) {
      throw new TensorError(`input "${name}": ${where} is malformed: element ${out.length} has a truncated 4-byte length prefix`);
    }
    const len = buf.readUInt32LE(off);
    off += 4;
    if (len > buf.length - off) {
      throw new TensorError(
        `input "${name}": ${where} is malformed: element ${out.length} declares ${len} bytes but only ${buf.length - off} remain`,
      );
    }
    out.push(Buffer.from(buf.subarray(off, off + len)));
    off += len;
  }
  return out;
}

function reader(datatype: string): (buf: Buffer, off: number) => number | boolean {
  switch (datatype) {
    case "BOOL": return (b, o) => b.readUInt8(o) !== 0;
    case "UINT8": return (b, o) => b.readUInt8(o);
    case "UINT16": return (b, o) => b.readUInt16LE(o);
    case "UINT32": return (b, o) => b.readUInt32LE(o);
    case "UINT64": return (b, o) => Number(b.readBigUInt64LE(o));
    case "INT8": return (b, o) => b.readInt8(o);
    case "INT16": return (b, o) => b.readInt16LE(o);
    case "INT32": return (b, o) => b.readInt32LE(o);
    case "INT64": return (b, o) => Number(b.readBigInt64LE(o));
    case "FP16": return (b, o) => b.readUInt16LE(o);
    case "FP32": return (b, o) => b.readFloatLE(o);
    case "FP64": return (b, o) => b.readDoubleLE(o);
    default: throw new Error(`no raw reader for ${datatype}`);
  }
}

function writer(datatype: string): (buf: Buffer, v: number | boolean, off: number) => void {
  switch (datatype) {
    case "BOOL": return (b, v, o) => void b.writeUInt8(v ? 1 : 0, o);
    case "UINT8": return (b, v, o) => void b.writeUInt8(Number(v), o);
    case "UINT16": return (b, v, o) => void b.writeUInt16LE(Number(v), o);
    case "UINT32": return (b, v, o) => void b.writeUInt32LE(Number(v), o);
    case "UINT64": return (b, v, o) => void b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Number(v))), o);
    case "INT8": return (b, v, o) => void b.writeInt8(Number(v), o);
    case "INT16": return (b, v, o) => void b.writeInt16LE(Number(v), o);
    case "INT32": return (b, v, o) => void b.writeInt32LE(Number(v), o);
    case "INT64": return (b, v, o) => void b.writeBigInt64LE(BigInt.asIntN(64, BigInt(Number(v))), o);
    case "FP16": return (b, v, o) => void b.writeUInt16LE(Number(v), o);
    case "FP32": return (b, v, o) => void b.writeFloatLE(Number(v), o);
    case "FP64": return (b, v, o) => void b.writeDoubleLE(Number(v), o);
    default: throw new Error(`no raw writer for ${datatype}`);
  }
}

/** Packs a tensor's elements in raw form (its original raw bytes if it was read from raw). */
export function packRaw(t: Tensor): Buffer {
  if (t.raw) return Buffer.from(t.raw);
  const spec = datatypeSpec(t.datatype);
  if (!spec) throw new Error(`unknown datatype ${t.datatype}`);
  if (spec.kind === "bytes") {
    const parts: Buffer[] = [];
    for (const e of t.data as Uint8Array[]) {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(e.length, 0);
      parts.push(len, Buffer.from(e));
    }
    return Buffer.concat(parts);
  }
  const buf = Buffer.alloc(t.data.length * spec.size);
  const write = writer(t.datatype);
  (t.data as (number | boolean)[]).forEach((v, i) => write(buf, v, i * spec.size));
  return buf;
}

/** BYTES elements packed as raw (4-byte little-endian length, then the bytes), for clients and
 * tests that build raw requests. */
export function packBytesElements(elements: readonly (Uint8Array | string)[]): Buffer {
  return packRaw({ name: "", datatype: "BYTES", shape: [elements.length], data: elements.map((e) => (typeof e === "string" ? Buffer.from(e, "utf8") : e)) });
}

/** An output tensor in the response message: with typed contents, or (raw) without, its bytes
 * going to `raw_output_contents` at the same index. */
export function outputTensor(t: Tensor, raw: boolean): { tensor: PbInferOutputTensor; raw?: Buffer } {
  const base = { name: t.name, datatype: t.datatype, shape: t.shape.slice() };
  if (raw) return { tensor: base, raw: packRaw(t) };
  const spec = datatypeSpec(t.datatype);
  if (!spec?.field) throw new Error(`${t.datatype} output cannot use typed contents`);
  return { tensor: { ...base, contents: { [spec.field]: t.data.slice() } } };
}
