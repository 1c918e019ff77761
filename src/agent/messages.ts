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

/** Deep copy of a decoded message (plain data only). */
export function cloneMessage<T>(m: T): T {
  return structuredClone(m);
}
