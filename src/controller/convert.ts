/**
 * From Kubernetes resources to the scheduler's messages, as the v2.9.0 operator builds them:
 * `Model.AsSchedulerModel` (operator/apis/mlops/v1alpha1/model_types.go) for `LoadModelRequest`,
 * `SchedulerClient.UnloadModel` and `SchedulerClient.ServerNotify` (operator/scheduler/).
 *
 * Messages are plain objects as the rest of the simulator writes them (field names of the proto,
 * 64-bit integers as numbers); optional fields the operator leaves unset are left out.
 */
import type { PbKubernetesMeta, PbLoadModelRequest, PbModel, PbServerNotify, PbUnloadModelRequest } from "../proto/messages.ts";
import { BoundedMemo } from "../core/memo.ts";
import { parseQuantity, quantityAsInt64, quantityString, QuantityError } from "./quantity.ts";
import type { ModelResource, ServerResource } from "./resources.ts";

/** A conversion the operator refuses; `message` is the Go error text. */
export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConversionError";
  }
}

export interface ValidatedScalingSpec {
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * `GetValidatedScalingSpec`: replicas default to minReplicas (if > 0), else 1; min and max count
 * only when > 0; replicas must lie within them. The error texts are Seldon's, typos included.
 */
export function validatedScalingSpec(replicas?: number, minReplicas?: number, maxReplicas?: number): ValidatedScalingSpec {
  const spec: ValidatedScalingSpec = { replicas: 1, minReplicas: 0, maxReplicas: 0 };
  if (replicas !== undefined && replicas > 0) spec.replicas = replicas;
  else if (minReplicas !== undefined && minReplicas > 0) spec.replicas = minReplicas;
  if (minReplicas !== undefined && minReplicas > 0) {
    spec.minReplicas = minReplicas;
    if (spec.replicas < spec.minReplicas) {
      throw new ConversionError(`number of replicas ${spec.replicas} must be >= min replicas  ${spec.minReplicas}`);
    }
  }
  if (maxReplicas !== undefined && maxReplicas > 0) {
    spec.maxReplicas = maxReplicas;
    if (spec.replicas > spec.maxReplicas) {
      throw new ConversionError(`number of replicas ${spec.replicas} must be <= min replicas  ${spec.maxReplicas}`);
    }
  }
  return spec;
}

function kubernetesMeta(namespace: string, generation: number): PbKubernetesMeta {
  return { namespace, generation };
}

/**
 * `spec.memory` in bytes as the operator computes it: the quantity's `AsInt64()` (refused for
 * anything Kubernetes does not hold as a scaled int64, e.g. `1.5Gi` or `100m`), then reinterpreted
 * as uint64 (a negative quantity wraps around). Undefined when the spec has no memory.
 */
export function modelMemoryBytes(memory: string | number | undefined): bigint | undefined {
  if (memory === undefined) return undefined;
  return memoryBytesSeen.remember(memory, convertMemoryBytes);
}

function convertMemoryBytes(memory: string | number): bigint {
  let q;
  try {
    q = parseQuantity(memory);
  } catch (e) {
    // The API server lets a few strings through that the operator's decoder then refuses.
    if (e instanceof QuantityError) throw new ConversionError(e.message);
    throw e;
  }
  const v = quantityAsInt64(q);
  if (v === null) throw new ConversionError(`Can't convert model memory quantity to bytes. ${quantityString(q)}`);
  return BigInt.asUintN(64, v);
}

/**
 * Quantities already converted: every LoadModel of a rollout parses one of a few spellings, and
 * the parse is exact bigint work.
 */
const memoryBytesSeen = new BoundedMemo<string | number, bigint>(256);

/** `Model.AsSchedulerModel`, wrapped in a `LoadModelRequest`. Throws `ConversionError`. */
export function modelToLoadModelRequest(model: ModelResource, generation = model.metadata.generation ?? 1): PbLoadModelRequest {
  const spec = model.spec;
  if (spec.explainer !== undefined && spec.llm !== undefined) {
    throw new ConversionError("Can't have both explainer and llm in model spec.");
  }
  const modelSpec: NonNullable<PbModel["modelSpec"]> = { uri: spec.storageUri };
  if (spec.artifactVersion !== undefined) modelSpec.artifactVersion = spec.artifactVersion;
  modelSpec.requirements = [...(spec.requirements ?? [])];
  if (spec.server !== undefined) modelSpec.server = spec.server;
  if (spec.explainer !== undefined) {
    const e: { type: string; modelRef?: string; pipelineRef?: string } = { type: spec.explainer.type ?? "" };
    if (spec.explainer.modelRef !== undefined) e.modelRef = spec.explainer.modelRef;
    if (spec.explainer.pipelineRef !== undefined) e.pipelineRef = spec.explainer.pipelineRef;
    modelSpec.explainer = e;
  }
  if (spec.llm !== undefined) {
    const l: { modelRef?: string; pipelineRef?: string } = {};
    if (spec.llm.modelRef !== undefined) l.modelRef = spec.llm.modelRef;
    if (spec.llm.pipelineRef !== undefined) l.pipelineRef = spec.llm.pipelineRef;
    modelSpec.llm = l;
  }
  if (spec.parameters !== undefined && spec.parameters.length > 0) {
    modelSpec.parameters = spec.parameters.map((p) => ({ name: p.name, value: p.value }));
  }
  if (spec.secretName !== undefined) modelSpec.storageConfig = { storageSecretName: spec.secretName };
  if (spec.modelType !== undefined) modelSpec.requirements.push(spec.modelType);
  const scaling = validatedScalingSpec(spec.replicas, spec.minReplicas, spec.maxReplicas);
  const memory = modelMemoryBytes(spec.memory);
  if (memory !== undefined) modelSpec.memoryBytes = Number(memory);
  return {
    model: {
      meta: { name: model.metadata.name, kubernetesMeta: kubernetesMeta(model.metadata.namespace, generation) },
      modelSpec,
      deploymentSpec: { replicas: scaling.replicas, minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas, logPayloads: spec.logger !== undefined },
    },
  };
}

/** `SchedulerClient.UnloadModel`: the model by name (no version) with namespace and generation. */
export function modelToUnloadModelRequest(model: ModelResource, generation = model.metadata.generation ?? 1): PbUnloadModelRequest {
  return { model: { name: model.metadata.name }, kubernetesMeta: kubernetesMeta(model.metadata.namespace, generation) };
}

/**
 * One entry of `ServerNotifyRequest.servers`, as `SchedulerClient.ServerNotify` builds it: the
 * validated scaling spec (all zero for a server being deleted) and the Kubernetes metadata.
 * `shared` is left unset (false): the v2.9.0 operator never sets it; agents report `shared: true`
 * when they subscribe. Throws `ConversionError` for an invalid scaling spec.
 */
export function serverToServerNotify(server: ServerResource, options: { generation?: number; deleting?: boolean } = {}): PbServerNotify {
  const scaling = options.deleting
    ? { replicas: 0, minReplicas: 0, maxReplicas: 0 }
    : validatedScalingSpec(server.spec.replicas, server.spec.minReplicas, server.spec.maxReplicas);
  return {
    name: server.metadata.name,
    expectedReplicas: scaling.replicas,
    minReplicas: scaling.minReplicas,
    maxReplicas: scaling.maxReplicas,
    shared: false,
    kubernetesMeta: kubernetesMeta(server.metadata.namespace, options.generation ?? server.metadata.generation ?? 1),
  };
}

/**
 * The capabilities a server's agents advertise, as the operator rewrites the ServerConfig's
 * `SELDON_SERVER_CAPABILITIES` (only when the ServerConfig sets that variable): `capabilities`
 * replaces the list, else `extraCapabilities` is appended to it.
 */
export function effectiveCapabilities(server: ServerResource, serverConfigCapabilities: string | undefined): string | undefined {
  if (serverConfigCapabilities === undefined) return undefined;
  const caps = server.spec.capabilities ?? [];
  const extra = server.spec.extraCapabilities ?? [];
  if (caps.length > 0) return caps.join(",");
  if (extra.length > 0) return `${serverConfigCapabilities},${extra.join(",")}`;
  return serverConfigCapabilities;
}

/** Model fields that do not reach the scheduler, and why. */
export const MODEL_FIELDS_NOT_SENT: Record<string, string> = {
  "spec.schemaUri": "ignored by AsSchedulerModel",
  "spec.preloaded": "ignored by AsSchedulerModel",
  "spec.dedicated": "ignored by AsSchedulerModel",
  "spec.logger.percent": "only the presence of `logger` is sent (deploymentSpec.logPayloads)",
  "metadata.labels / annotations": "not sent",
};

/** Server fields that do not reach the scheduler: they shape the StatefulSet, which the simulator
 * does not build (pods come from the scenario's cluster topology). */
export const SERVER_FIELDS_NOT_SENT: Record<string, string> = {
  "spec.serverConfig": "selects the pod template; only its existence is checked",
  "spec.capabilities": "pod env SELDON_SERVER_CAPABILITIES (see effectiveCapabilities)",
  "spec.extraCapabilities": "pod env SELDON_SERVER_CAPABILITIES (see effectiveCapabilities)",
  "spec.podSpec": "pod template",
  "spec.imageOverrides": "pod template",
  "spec.statefulSetPersistentVolumeClaimRetentionPolicy": "StatefulSet",
  "spec.disableAutoUpdate": "whether ServerConfig changes re-reconcile the Server",
};
