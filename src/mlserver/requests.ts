/**
 * Reading an inference request as it comes off the wire. The loader decodes 64-bit integers
 * (tensor shapes, INT64/UINT64 contents, int64 parameters) as decimal strings; MLServer works
 * with Python integers, and the identity model with JavaScript numbers, so they become numbers
 * here (exact up to 2^53, as a float64 holds them). Everything else is left for `tensors.ts`,
 * which validates every tensor and names the offending input.
 */
import { readInt64AsNumber } from "../proto/int64.ts";
import type { PbInferInputTensor, PbInferParameter, PbModelInferRequest, PbTensorContents } from "./messages.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A 64-bit integer as a number; anything else is kept, for the tensor checks to reject. */
function int64(v: unknown): unknown {
  return typeof v === "string" && /^-?\d+$/.test(v) ? readInt64AsNumber(v) : v;
}

const int64s = (v: unknown): unknown => (Array.isArray(v) ? v.map(int64) : v);

function parameters(v: unknown): Record<string, PbInferParameter> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, PbInferParameter> = {};
  for (const [k, p] of Object.entries(v)) {
    out[k] = isObj(p) && "int64_param" in p ? ({ ...p, int64_param: int64(p["int64_param"]) } as PbInferParameter) : (p as PbInferParameter);
  }
  return out;
}

function input(t: unknown): PbInferInputTensor {
  if (!isObj(t)) return {};
  const out: Obj = { ...t, shape: int64s(t["shape"]) };
  const params = parameters(t["parameters"]);
  if (params) out["parameters"] = params;
  const contents = t["contents"];
  if (isObj(contents)) {
    out["contents"] = { ...contents, int64_contents: int64s(contents["int64_contents"]), uint64_contents: int64s(contents["uint64_contents"]) } as PbTensorContents;
  }
  return out as PbInferInputTensor;
}

export function readInferRequest(raw: unknown): PbModelInferRequest {
  if (!isObj(raw)) return {};
  const out: Obj = { ...raw };
  if (Array.isArray(raw["inputs"])) out["inputs"] = raw["inputs"].map(input);
  const params = parameters(raw["parameters"]);
  if (params) out["parameters"] = params;
  return out as PbModelInferRequest;
}
