/**
 * The shapes of the agent-protocol messages the agent reads and writes, as plain objects in the
 * form `@grpc/proto-loader` decodes them (see `src/proto/`). Only the fields the agent looks at
 * are typed; the rest are carried along untouched.
 */

import type { Wire64 } from "../proto/int64.ts";

export interface MLServerModelSettingsMsg {
  parallelWorkers?: number;
}

export interface TritonModelConfigMsg {
  cpu?: Array<{ instanceCount?: number }>;
}

/** `ModelRuntimeInfo` (oneof mlserver | triton). */
export interface ModelRuntimeInfoMsg {
  mlserver?: MLServerModelSettingsMsg | null;
  triton?: TritonModelConfigMsg | null;
  [k: string]: unknown;
}

export interface ModelSpecMsg {
  /** uint64, decoded as decimal digits. */
  memoryBytes?: Wire64 | null;
  modelRuntimeInfo?: ModelRuntimeInfoMsg | null;
  [k: string]: unknown;
}

export interface ModelMsg {
  meta?: { name?: string; [k: string]: unknown } | null;
  modelSpec?: ModelSpecMsg | null;
  [k: string]: unknown;
}

export interface ModelVersionMsg {
  model?: ModelMsg | null;
  version?: number;
}

export interface ModelOperationMsg {
  operation?: string;
  modelVersion?: ModelVersionMsg | null;
  autoscalingEnabled?: boolean;
}

export type ModelEvent = "LOAD_FAIL_MEMORY" | "LOADED" | "LOAD_FAILED" | "UNLOADED" | "UNLOAD_FAILED";

export interface ModelEventMsg {
  serverName: string;
  replicaIdx: number;
  modelName: string;
  modelVersion: number;
  event: ModelEvent;
  message?: string;
  availableMemoryBytes: number;
  runtimeInfo?: ModelRuntimeInfoMsg;
}

/** `RepositoryIndexResponse.ModelIndex` (snake_case inference proto; only these fields). */
export interface ModelIndexMsg {
  name?: string;
  version?: string;
  state?: string;
  reason?: string;
}

/**
 * Deep copy of a decoded message: what `structuredClone` gives for the plain objects, arrays and
 * primitives a decoder produces (without aliases or cycles, which a decoder never makes), several
 * times faster; anything else is handed to `structuredClone`, which also rejects what it rejects.
 */
export function cloneMessage<T>(m: T): T {
  return clonePlain(m) as T;
}

function clonePlain(v: unknown): unknown {
  if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) return v;
  if (Array.isArray(v)) {
    if (Object.keys(v).length !== v.length) return structuredClone(v);
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clonePlain(v[i]);
    return out;
  }
  const proto = typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    // An own `__proto__` (a map key off the wire can be one) stays an own property.
    if (k === "__proto__") Object.defineProperty(out, k, { value: clonePlain(o[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = clonePlain(o[k]);
  }
  return out;
}
