/**
 * Conversions between the Open Inference Protocol's REST (JSON) bodies and the gRPC message
 * shapes the component speaks. JSON tensors carry `data` (flat or nested row-major; BYTES as
 * UTF-8 strings, BOOL as booleans, numbers otherwise); gRPC tensors carry typed `contents`.
 */
import { readInt64AsNumber } from "../proto/int64.ts";
import type { PbInferInputTensor, PbModelInferRequest, PbModelInferResponse, PbTensorContents } from "./messages.ts";
import { TensorError, datatypeSpec, readFromRaw } from "./tensors.ts";

/** A JSON body that is not an inference request at all (FastAPI answers these with 422). */
export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BodyError";
  }
}

export interface JsonTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
  parameters?: Record<string, unknown>;
}

export interface JsonInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs?: JsonTensor[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function flatten(data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  const out: unknown[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else out.push(x);
  };
  walk(data);
  return out;
}

/** Typed contents for a JSON tensor's elements. Elements of the wrong JSON type are a bad tensor
 * (`TensorError`); an unknown datatype or FP16 yields no contents and the component rejects it. */
function contentsOf(name: string, datatype: string, data: unknown[]): PbTensorContents {
  const spec = datatypeSpec(datatype);
  if (!spec?.field) return {};
  const bad = (i: number, what: string): never => {
    throw new TensorError(`input "${name}": element ${i} of ${datatype} tensor is not ${what}`);
  };
  switch (spec.kind) {
    case "bytes":
      return { [spec.field]: data.map((v, i) => (typeof v === "string" ? Buffer.from(v, "utf8") : bad(i, "a string"))) };
    case "bool":
      return { [spec.field]: data.map((v, i) => (typeof v === "boolean" ? v : bad(i, "a boolean"))) };
    default:
      return { [spec.field]: data.map((v, i) => (typeof v === "number" ? v : bad(i, "a number"))) };
  }
}

/** The gRPC `ModelInferRequest` for a REST inference body. */
export function inferRequestFromJson(body: unknown, modelName: string, modelVersion: string | undefined): PbModelInferRequest {
  if (!isObject(body)) throw new BodyError("request body must be a JSON object");
  const inputs = body["inputs"];
  if (!Array.isArray(inputs)) throw new BodyError("field required: inputs (an array of tensors)");
  const id = body["id"];
  if (id !== undefined && id !== null && typeof id !== "string") throw new BodyError("id must be a string");
  const tensors: PbInferInputTensor[] = inputs.map((t, i) => {
    if (!isObject(t)) throw new BodyError(`inputs[${i}] must be an object`);
    const { name, shape, datatype, data } = t;
    if (typeof name !== "string") throw new BodyError(`inputs[${i}].name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number")) throw new BodyError(`inputs[${i}].shape must be an array of integers`);
    if (typeof datatype !== "string") throw new BodyError(`inputs[${i}].datatype must be a string`);
    if (data === undefined) throw new BodyError(`inputs[${i}].data is required`);
    return { name, datatype, shape: shape as number[], contents: contentsOf(name, datatype, flatten(data)) };
  });
  return { model_name: modelName, model_version: modelVersion ?? "", id: typeof id === "string" ? id : "", inputs: tensors };
}

const fromWire64 = (v: unknown): unknown => (typeof v === "string" ? readInt64AsNumber(v) : v);

/** The REST body for a gRPC `ModelInferResponse` (raw outputs are unpacked into `data`). */
export function inferResponseToJson(message: PbModelInferResponse): JsonInferResponse {
  const raws = message.raw_output_contents ?? [];
  const outputs = (message.outputs ?? []).map((o, i): JsonTensor => {
    const raw = raws[i];
    const shape = (o.shape ?? []).map(fromWire64) as number[];
    let data: unknown[];
    if (raws.length > 0 && raw !== undefined) {
      data = readFromRaw({ name: o.name, datatype: o.datatype, shape }, raw, i).data;
    } else {
      const field = datatypeSpec(o.datatype)?.field;
      data = field ? ((o.contents?.[field] ?? []) as unknown[]) : [];
      // 64-bit contents decode as decimal strings; JSON carries them as numbers, as MLServer does.
      if (field === "int64_contents" || field === "uint64_contents") data = data.map(fromWire64);
    }
    if (o.datatype === "BYTES") data = (data as Uint8Array[]).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8"));
    return { name: o.name, shape, datatype: o.datatype, data };
  });
  // Fields in MLServer's order; empty optional fields left out, as MLServer leaves out unset ones.
  const out: JsonInferResponse = { model_name: message.model_name };
  if (message.model_version) out.model_version = message.model_version;
  if (message.id) out.id = message.id;
  out.outputs = outputs;
  return out;
}
