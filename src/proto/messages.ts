/**
 * TypeScript shapes of the messages the components read and write, as `@grpc/proto-loader`
 * decodes them with `PROTO_LOAD_OPTIONS`. Only the fields the simulator uses are spelled out.
 * What a peer sends is read through `src/scheduler/requests.ts` (or the receiving component's own
 * reader) before any code relies on a field being present. 64-bit memory sizes are `Wire64`:
 * decimal strings when decoded, exact at any size (see `int64.ts`).
 */
import type { Wire64 } from "./int64.ts";

export interface PbKubernetesMeta {
  namespace: string;
  generation: number;
}

export interface PbModel {
  meta?: { name: string; kind?: string; version?: string; kubernetesMeta?: PbKubernetesMeta | null } | null;
  modelSpec?: {
    uri?: string;
    artifactVersion?: number;
    storageConfig?: { storageSecretName?: string; storageRcloneConfig?: string; config?: string } | null;
    requirements?: string[];
    memoryBytes?: Wire64 | null;
    server?: string | null;
    parameters?: { name: string; value: string }[];
    explainer?: { type: string; modelRef?: string; pipelineRef?: string } | null;
    llm?: object | null;
    modelRuntimeInfo?: {
      mlserver?: { parallelWorkers: number } | null;
      triton?: { cpu: { instanceCount: number }[] } | null;
    } | null;
  } | null;
  deploymentSpec?: { replicas: number; minReplicas: number; maxReplicas: number; logPayloads?: boolean } | null;
  streamSpec?: { inputTopic: string; outputTopic: string } | null;
}

export interface PbModelVersion {
  model: PbModel | null;
  version: number;
}

export interface PbReplicaConfig {
  inferenceSvc: string;
  inferenceHttpPort: number;
  inferenceGrpcPort: number;
  memoryBytes: Wire64;
  capabilities: string[];
  overCommitPercentage: number;
}

export interface PbAgentSubscribeRequest {
  serverName: string;
  shared: boolean;
  replicaIdx: number;
  replicaConfig: PbReplicaConfig | null;
  loadedModels: PbModelVersion[];
  availableMemoryBytes: Wire64;
}

export type PbModelEvent =
  | "UNKNOWN_EVENT" | "LOAD_FAIL_MEMORY" | "LOADED" | "LOAD_FAILED" | "UNLOADED" | "UNLOAD_FAILED"
  | "REMOVED" | "REMOVE_FAILED" | "RSYNC";

export interface PbModelEventMessage {
  serverName: string;
  replicaIdx: number;
  modelName: string;
  modelVersion: number;
  event: PbModelEvent;
  message: string;
  availableMemoryBytes: Wire64;
  runtimeInfo?: PbModel["modelSpec"] extends infer S ? (S extends { modelRuntimeInfo?: infer R } ? R : never) : never;
}

export interface PbModelOperationMessage {
  operation: "UNKNOWN_EVENT" | "LOAD_MODEL" | "UNLOAD_MODEL";
  modelVersion: PbModelVersion | null;
  autoscalingEnabled: boolean;
}

export interface PbModelScalingTriggerMessage {
  serverName: string;
  replicaIdx: number;
  modelName: string;
  modelVersion: number;
  trigger: "SCALE_UP" | "SCALE_DOWN";
  amount: number;
  metrics: Record<string, number>;
}

export interface PbAgentDrainRequest {
  serverName: string;
  replicaIdx: number;
}

export interface PbServerNotify {
  name: string;
  expectedReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  shared: boolean;
  kubernetesMeta?: PbKubernetesMeta | null;
}

export interface PbServerNotifyRequest {
  servers: PbServerNotify[];
  isFirstSync: boolean;
}

export interface PbLoadModelRequest {
  model: PbModel | null;
}

export interface PbUnloadModelRequest {
  model: { name: string; version?: number | null } | null;
  kubernetesMeta?: PbKubernetesMeta | null;
}

export interface PbModelReplicaStatus {
  state: string;
  reason: string;
}

export interface PbModelVersionStatus {
  version: number;
  serverName: string;
  kubernetesMeta?: PbKubernetesMeta | null;
  modelReplicaState: Record<string, PbModelReplicaStatus>;
  state: { state: string; reason: string; availableReplicas: number; unavailableReplicas: number } | null;
  modelDefn?: PbModel | null;
}

export interface PbModelStatusResponse {
  modelName: string;
  versions: PbModelVersionStatus[];
  deleted: boolean;
}

export interface PbModelStatusRequest {
  subscriberName: string;
  model?: { name: string; version?: number | null } | null;
  allVersions: boolean;
}

export interface PbServerReplicaResources {
  replicaIdx: number;
  totalMemoryBytes: Wire64;
  availableMemoryBytes: Wire64;
  numLoadedModels: number;
  overCommitPercentage: number;
}

export interface PbServerStatusResponse {
  type: "StatusResponseTypeUnknown" | "StatusUpdate" | "NonAuthoritativeReplicaInfo" | "ScalingRequest";
  serverName: string;
  resources: PbServerReplicaResources[];
  expectedReplicas: number;
  availableReplicas: number;
  numLoadedModelReplicas: number;
  kubernetesMeta?: PbKubernetesMeta | null;
}

export interface PbServerStatusRequest {
  subscriberName: string;
  name?: string | null;
}

export interface PbSubscriptionRequest {
  subscriberName: string;
}
