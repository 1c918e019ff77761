/**
 * Reading what peers send to the scheduler's two services, before any of it reaches the store.
 *
 * Seldon's Go server reads requests with nil-safe getters: a missing nested message reads as its
 * zero value, so the reader here turns every decoded request (or a hand-built one in a test) into
 * a fully populated shape with Go's zero values, 64-bit integers exact. It rejects, with
 * INVALID_ARGUMENT and the field's path, only what our store cannot represent without a crash or
 * a record that no real agent or controller could produce (see docs/agent.md, "What the scheduler
 * accepts from peers"). Pure functions; nothing here throws on any input.
 */
import { types } from "node:util";
import { Status, type GrpcStatus } from "../core/protocol.ts";
import { readInt64AsNumber, readUint64, uint64ToWire } from "../proto/int64.ts";
import type {
  PbAgentDrainRequest,
  PbAgentSubscribeRequest,
  PbKubernetesMeta,
  PbLoadModelRequest,
  PbModel,
  PbModelEventMessage,
  PbModelScalingTriggerMessage,
  PbModelStatusRequest,
  PbModelVersion,
  PbServerNotify,
  PbServerNotifyRequest,
  PbServerStatusRequest,
  PbSubscriptionRequest,
  PbUnloadModelRequest,
} from "../proto/messages.ts";

export type Read<T> = { ok: true; request: T } | { ok: false; status: GrpcStatus };

type Obj = Record<string, unknown>;

class Invalid {
  constructor(readonly field: string, readonly expected: string) {}
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (o: Obj, k: string): Obj | null => (isObj(o[k]) ? (o[k] as Obj) : null);
const str = (o: Obj, k: string): string => (typeof o[k] === "string" ? (o[k] as string) : "");
const bool = (o: Obj, k: string): boolean => o[k] === true;
const list = (o: Obj, k: string): unknown[] => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);
const strings = (o: Obj, k: string): string[] => list(o, k).filter((s): s is string => typeof s === "string");
/** uint32 / int32 fields: the decoder only ever gives integers in range; anything else reads 0. */
const u32 = (o: Obj, k: string): number => {
  const v = o[k];
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff ? v : 0;
};
const i32 = (o: Obj, k: string): number => {
  const v = o[k];
  return typeof v === "number" && Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff ? v : 0;
};
/** Decimal digits without a leading zero: at most 19 of them are always a uint64. */
const CANONICAL_UINT64 = /^(?:0|[1-9]\d{0,18})$/;

/**
 * A uint64 field as exact decimal digits, Go's zero value when it does not read as one: what
 * `uint64ToWire(readUint64(v))` gives. The decoder sends 64-bit integers as their digits,
 * which are then the answer as they are, without a round trip through a bigint.
 */
export function uint64Text(v: unknown): string {
  if (typeof v === "string" && CANONICAL_UINT64.test(v)) return v;
  return uint64ToWire(readUint64(v));
}

/** An enum decoded as its name; an unknown value arrives as its number and reads as the default. */
function enumName<T extends string>(o: Obj, k: string, names: readonly T[]): T {
  const v = o[k];
  return typeof v === "string" && (names as readonly string[]).includes(v) ? (v as T) : names[0]!;
}

function read<T>(message: string, f: (o: Obj) => T): (raw: unknown) => Read<T> {
  return (raw) => {
    try {
      return { ok: true, request: f(isObj(raw) ? raw : {}) };
    } catch (e) {
      if (e instanceof Invalid) {
        return { ok: false, status: { code: Status.INVALID_ARGUMENT, details: `${message}.${e.field}: ${e.expected}` } };
      }
      throw e;
    }
  };
}

function kubernetesMeta(o: Obj | null): PbKubernetesMeta | null {
  if (!o) return null;
  return { namespace: str(o, "namespace"), generation: readInt64AsNumber(o["generation"]) };
}

/**
 * A `Model` as the store keeps it: the nested messages our code reads are present (meta always;
 * the others null when unset), memory as exact decimal digits, everything else carried as sent.
 */
export function readModel(o: Obj | null): PbModel {
  const src = o ?? {};
  const meta = obj(src, "meta") ?? {};
  const spec = obj(src, "modelSpec");
  const dep = obj(src, "deploymentSpec");
  const stream = obj(src, "streamSpec");
  const model: PbModel = {
    meta: {
      name: str(meta, "name"),
      ...(typeof meta["kind"] === "string" ? { kind: meta["kind"] } : {}),
      ...(typeof meta["version"] === "string" ? { version: meta["version"] } : {}),
      kubernetesMeta: kubernetesMeta(obj(meta, "kubernetesMeta")),
    },
    modelSpec: spec ? readModelSpec(spec) : null,
    deploymentSpec: dep
      ? { replicas: u32(dep, "replicas"), minReplicas: u32(dep, "minReplicas"), maxReplicas: u32(dep, "maxReplicas"), logPayloads: bool(dep, "logPayloads") }
      : null,
    streamSpec: stream ? { inputTopic: str(stream, "inputTopic"), outputTopic: str(stream, "outputTopic") } : null,
  };
  return model;
}

type ModelSpec = NonNullable<PbModel["modelSpec"]>;

/** A `ModelRuntimeInfo` oneof (MLServer's parallel workers or Triton's CPU instances), or null. */
function readRuntimeInfo(info: Obj | null): ModelSpec["modelRuntimeInfo"] {
  if (!info) return null;
  const ml = obj(info, "mlserver");
  const tr = obj(info, "triton");
  return ml
    ? { mlserver: { parallelWorkers: u32(ml, "parallelWorkers") } }
    : tr
      ? { triton: { cpu: list(tr, "cpu").filter(isObj).map((c) => ({ instanceCount: u32(c, "instanceCount") })) } }
      : {};
}

function readModelSpec(spec: Obj): ModelSpec {
  // the flat copy is a new object already; only a clone's result is copied again, as before
  const out = (copyFlatData(spec) ?? { ...(structuredCloneSafe(spec) as object) }) as ModelSpec;
  out.uri = str(spec, "uri");
  out.requirements = strings(spec, "requirements");
  // optional uint64: unset stays unset (Seldon's GetMemoryBytes() reads 0 then)
  if (spec["memoryBytes"] === undefined || spec["memoryBytes"] === null) out.memoryBytes = null;
  else out.memoryBytes = uint64Text(spec["memoryBytes"]);
  if (typeof spec["server"] !== "string") delete out.server;
  out.modelRuntimeInfo = readRuntimeInfo(obj(spec, "modelRuntimeInfo"));
  const explainer = obj(spec, "explainer");
  out.explainer = explainer ? { ...(structuredCloneSafe(explainer) as object), type: str(explainer, "type") } as ModelSpec["explainer"] : null;
  return out;
}

/**
 * The copy `structuredClone` makes of a plain object whose values are all primitives or dense
 * plain arrays of primitives (a decoded ModelSpec: strings, `requirements`, an empty
 * `parameters`), made without the serialiser's round trip; null for anything else, which the
 * caller clones the general way.
 */
export function copyFlatData(o: Obj): Obj | null {
  try {
    // a proxy is something structuredClone refuses (and the general way then drops)
    if (types.isProxy(o)) return null;
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) return null;
    const out: Obj = {};
    for (const k of Object.keys(o)) {
      // assigning "__proto__" would set the prototype where the clone defines a property
      if (k === "__proto__") return null;
      const v = o[k];
      if (isPrimitiveData(v)) out[k] = v;
      else if (Array.isArray(v) && !types.isProxy(v) && Object.getPrototypeOf(v) === Array.prototype && isDensePrimitiveArray(v)) out[k] = v.slice();
      else return null;
    }
    return out;
  } catch {
    return null; // a getter that throws: the general way gives up the same way
  }
}

/** What structuredClone copies as itself: everything that is not an object but a symbol. */
const isPrimitiveData = (v: unknown): boolean => v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol");

function isDensePrimitiveArray(a: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (!(i in a) || !isPrimitiveData(a[i])) return false;
  // an array carrying named properties as well: left to structuredClone, which copies them
  return Object.keys(a).length === a.length;
}

/** Decoded messages are plain data; a hand-built one with a function or symbol in it is not
 * worth a crash, so what cannot be cloned is dropped. */
function structuredCloneSafe(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return {};
  }
}

function modelVersion(o: Obj, path: string): PbModelVersion {
  const m = obj(o, "model");
  if (!m) throw new Invalid(`${path}.model`, "required (the model this replica has loaded)");
  const model = readModel(m);
  if (model.meta!.name === "") throw new Invalid(`${path}.model.meta.name`, "required (the name of the loaded model)");
  return { model, version: u32(o, "version") };
}

export const readAgentSubscribe = read("AgentSubscribeRequest", (o): PbAgentSubscribeRequest => {
  const cfg = obj(o, "replicaConfig") ?? {};
  return {
    serverName: str(o, "serverName"),
    shared: bool(o, "shared"),
    replicaIdx: u32(o, "replicaIdx"),
    replicaConfig: {
      inferenceSvc: str(cfg, "inferenceSvc"),
      inferenceHttpPort: i32(cfg, "inferenceHttpPort"),
      inferenceGrpcPort: i32(cfg, "inferenceGrpcPort"),
      memoryBytes: uint64Text(cfg["memoryBytes"]),
      capabilities: strings(cfg, "capabilities"),
      overCommitPercentage: u32(cfg, "overCommitPercentage"),
    },
    loadedModels: list(o, "loadedModels").map((m, i) => modelVersion(isObj(m) ? m : {}, `loadedModels[${i}]`)),
    availableMemoryBytes: uint64Text(o["availableMemoryBytes"]),
  };
});

const MODEL_EVENTS = ["UNKNOWN_EVENT", "LOAD_FAIL_MEMORY", "LOADED", "LOAD_FAILED", "UNLOADED", "UNLOAD_FAILED", "REMOVED", "REMOVE_FAILED", "RSYNC"] as const;

export const readModelEvent = read("ModelEventMessage", (o): PbModelEventMessage => {
  const ev: PbModelEventMessage = {
    serverName: str(o, "serverName"),
    replicaIdx: u32(o, "replicaIdx"),
    modelName: str(o, "modelName"),
    modelVersion: u32(o, "modelVersion"),
    event: enumName(o, "event", MODEL_EVENTS),
    message: str(o, "message"),
    availableMemoryBytes: uint64Text(o["availableMemoryBytes"]),
  };
  // what the agent learnt of the model's runtime on LOADED; the store keeps the first it hears
  const info = obj(o, "runtimeInfo");
  if (info) ev.runtimeInfo = readRuntimeInfo(info) ?? undefined;
  return ev;
});

export const readAgentDrain = read("AgentDrainRequest", (o): PbAgentDrainRequest => ({
  serverName: str(o, "serverName"),
  replicaIdx: u32(o, "replicaIdx"),
}));

export const readScalingTrigger = read("ModelScalingTriggerMessage", (o): PbModelScalingTriggerMessage => ({
  serverName: str(o, "serverName"),
  replicaIdx: u32(o, "replicaIdx"),
  modelName: str(o, "modelName"),
  modelVersion: u32(o, "modelVersion"),
  trigger: enumName(o, "trigger", ["SCALE_UP", "SCALE_DOWN"] as const),
  amount: u32(o, "amount"),
  metrics: {},
}));

function serverNotify(o: Obj): PbServerNotify {
  return {
    name: str(o, "name"),
    expectedReplicas: u32(o, "expectedReplicas"),
    minReplicas: u32(o, "minReplicas"),
    maxReplicas: u32(o, "maxReplicas"),
    shared: bool(o, "shared"),
    kubernetesMeta: kubernetesMeta(obj(o, "kubernetesMeta")),
  };
}

export const readServerNotify = read("ServerNotifyRequest", (o): PbServerNotifyRequest => ({
  servers: list(o, "servers").map((s) => serverNotify(isObj(s) ? s : {})),
  isFirstSync: bool(o, "isFirstSync"),
}));

export const readLoadModel = read("LoadModelRequest", (o): PbLoadModelRequest => {
  const m = obj(o, "model");
  return { model: m ? readModel(m) : null };
});

export const readUnloadModel = read("UnloadModelRequest", (o): PbUnloadModelRequest => {
  const m = obj(o, "model");
  // Seldon v2.9.0 reads `req.GetModel().Name` without a nil check and panics; we answer instead.
  if (!m) throw new Invalid("model", "required (a ModelReference naming the model to unload)");
  return {
    model: { name: str(m, "name"), ...(typeof m["version"] === "number" ? { version: u32(m, "version") } : {}) },
    kubernetesMeta: kubernetesMeta(obj(o, "kubernetesMeta")),
  };
});

export const readModelStatus = read("ModelStatusRequest", (o): PbModelStatusRequest => {
  const m = obj(o, "model");
  return {
    subscriberName: str(o, "subscriberName"),
    model: m ? { name: str(m, "name"), ...(typeof m["version"] === "number" ? { version: u32(m, "version") } : {}) } : null,
    allVersions: bool(o, "allVersions"),
  };
});

export const readServerStatus = read("ServerStatusRequest", (o): PbServerStatusRequest => ({
  subscriberName: str(o, "subscriberName"),
  ...(typeof o["name"] === "string" ? { name: o["name"] } : {}),
}));

export const readSubscription = read("SubscriptionRequest", (o): PbSubscriptionRequest => ({
  subscriberName: str(o, "subscriberName"),
}));
