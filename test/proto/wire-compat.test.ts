/**
 * Pins the wire layout of our protos (protos/mlops/**) to Seldon Core v2.9's: gRPC method paths and
 * streaming kinds, every message's fields (name, number, type, label, map key, oneof) and every
 * enum's values. The tables below are data on purpose: if a proto edit changes anything a peer
 * would see on the wire, one of these comparisons fails. Field `type` is the scalar name, or the
 * full name of the message/enum the field resolves to. `rule: "optional"` marks a proto3
 * `optional` field (protobufjs reports it as a synthetic oneof `_<name>` plus the
 * `proto3_optional` option, not as a rule).
 */
import { describe, it, expect } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import * as protoLoader from "@grpc/proto-loader";

const PROTOS_DIR = fileURLToPath(new URL("../../protos/", import.meta.url));
const PROTO_FILES = [
  "mlops/scheduler/scheduler.proto",
  "mlops/agent/agent.proto",
  "mlops/v2_dataplane/v2_dataplane.proto",
];
const SERVICES = ["seldon.mlops.scheduler.Scheduler", "seldon.mlops.agent.AgentService", "inference.GRPCInferenceService"];

interface PinnedMethod {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  request: string;
  response: string;
}

interface PinnedField {
  id: number;
  type: string;
  rule?: "repeated" | "optional";
  keyType?: string;
  oneof?: string;
}

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports such as "mlops/scheduler/scheduler.proto" are relative to the protos dir, as with protoc -I.
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTOS_DIR, target));
  root.loadSync(
    PROTO_FILES.map((f) => path.join(PROTOS_DIR, f)),
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}

function loadPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(PROTO_FILES, {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [PROTOS_DIR],
  });
}

const stripDot = (name: string): string => name.replace(/^\./, "");

/** Every type, enum or service below the root, outside google.protobuf. */
function reflected<T extends protobuf.ReflectionObject>(root: protobuf.Root, kind: abstract new (...args: never[]) => T): T[] {
  const out: T[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj.fullName.startsWith(".google.")) continue;
      if (obj instanceof kind) out.push(obj);
      if (obj instanceof protobuf.Namespace) walk(obj);
    }
  };
  walk(root);
  return out;
}

/** The same shape as a PinnedField, read from protobufjs, with absent attributes left out. */
function actualFields(type: protobuf.Type): Record<string, PinnedField> {
  const out: Record<string, PinnedField> = {};
  for (const f of type.fieldsArray) {
    f.resolve();
    const field: PinnedField = { id: f.id, type: f.resolvedType ? stripDot(f.resolvedType.fullName) : f.type };
    // `rule` is set at runtime ("repeated", or undefined) but missing from protobufjs' Field typings.
    const declared = (f as protobuf.Field & { rule?: string }).rule;
    const rule = declared ?? (f.options?.["proto3_optional"] === true ? "optional" : undefined);
    if (rule !== undefined) field.rule = rule as PinnedField["rule"];
    if (f instanceof protobuf.MapField) field.keyType = f.keyType;
    if (f.partOf) field.oneof = f.partOf.name;
    out[f.name] = field;
  }
  return out;
}

const METHODS: readonly PinnedMethod[] = [
  { path: "/seldon.mlops.scheduler.Scheduler/ServerNotify", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.ServerNotifyRequest", response: "seldon.mlops.scheduler.ServerNotifyResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/LoadModel", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.LoadModelRequest", response: "seldon.mlops.scheduler.LoadModelResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/UnloadModel", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.UnloadModelRequest", response: "seldon.mlops.scheduler.UnloadModelResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/LoadPipeline", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.LoadPipelineRequest", response: "seldon.mlops.scheduler.LoadPipelineResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/UnloadPipeline", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.UnloadPipelineRequest", response: "seldon.mlops.scheduler.UnloadPipelineResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/StartExperiment", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.StartExperimentRequest", response: "seldon.mlops.scheduler.StartExperimentResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/StopExperiment", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.StopExperimentRequest", response: "seldon.mlops.scheduler.StopExperimentResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/ServerStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ServerStatusRequest", response: "seldon.mlops.scheduler.ServerStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/ModelStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ModelStatusRequest", response: "seldon.mlops.scheduler.ModelStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/PipelineStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.PipelineStatusRequest", response: "seldon.mlops.scheduler.PipelineStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/ExperimentStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ExperimentStatusRequest", response: "seldon.mlops.scheduler.ExperimentStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SchedulerStatus", requestStream: false, responseStream: false, request: "seldon.mlops.scheduler.SchedulerStatusRequest", response: "seldon.mlops.scheduler.SchedulerStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SubscribeServerStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ServerSubscriptionRequest", response: "seldon.mlops.scheduler.ServerStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SubscribeModelStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ModelSubscriptionRequest", response: "seldon.mlops.scheduler.ModelStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SubscribeExperimentStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ExperimentSubscriptionRequest", response: "seldon.mlops.scheduler.ExperimentStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SubscribePipelineStatus", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.PipelineSubscriptionRequest", response: "seldon.mlops.scheduler.PipelineStatusResponse" },
  { path: "/seldon.mlops.scheduler.Scheduler/SubscribeControlPlane", requestStream: false, responseStream: true, request: "seldon.mlops.scheduler.ControlPlaneSubscriptionRequest", response: "seldon.mlops.scheduler.ControlPlaneResponse" },
  { path: "/seldon.mlops.agent.AgentService/AgentEvent", requestStream: false, responseStream: false, request: "seldon.mlops.agent.ModelEventMessage", response: "seldon.mlops.agent.ModelEventResponse" },
  { path: "/seldon.mlops.agent.AgentService/Subscribe", requestStream: false, responseStream: true, request: "seldon.mlops.agent.AgentSubscribeRequest", response: "seldon.mlops.agent.ModelOperationMessage" },
  { path: "/seldon.mlops.agent.AgentService/ModelScalingTrigger", requestStream: true, responseStream: false, request: "seldon.mlops.agent.ModelScalingTriggerMessage", response: "seldon.mlops.agent.ModelScalingTriggerResponse" },
  { path: "/seldon.mlops.agent.AgentService/AgentDrain", requestStream: false, responseStream: false, request: "seldon.mlops.agent.AgentDrainRequest", response: "seldon.mlops.agent.AgentDrainResponse" },
  { path: "/inference.GRPCInferenceService/ServerLive", requestStream: false, responseStream: false, request: "inference.ServerLiveRequest", response: "inference.ServerLiveResponse" },
  { path: "/inference.GRPCInferenceService/ServerReady", requestStream: false, responseStream: false, request: "inference.ServerReadyRequest", response: "inference.ServerReadyResponse" },
  { path: "/inference.GRPCInferenceService/ModelReady", requestStream: false, responseStream: false, request: "inference.ModelReadyRequest", response: "inference.ModelReadyResponse" },
  { path: "/inference.GRPCInferenceService/ServerMetadata", requestStream: false, responseStream: false, request: "inference.ServerMetadataRequest", response: "inference.ServerMetadataResponse" },
  { path: "/inference.GRPCInferenceService/ModelMetadata", requestStream: false, responseStream: false, request: "inference.ModelMetadataRequest", response: "inference.ModelMetadataResponse" },
  { path: "/inference.GRPCInferenceService/ModelInfer", requestStream: false, responseStream: false, request: "inference.ModelInferRequest", response: "inference.ModelInferResponse" },
  { path: "/inference.GRPCInferenceService/ModelStreamInfer", requestStream: true, responseStream: true, request: "inference.ModelInferRequest", response: "inference.ModelInferResponse" },
  { path: "/inference.GRPCInferenceService/RepositoryIndex", requestStream: false, responseStream: false, request: "inference.RepositoryIndexRequest", response: "inference.RepositoryIndexResponse" },
  { path: "/inference.GRPCInferenceService/RepositoryModelLoad", requestStream: false, responseStream: false, request: "inference.RepositoryModelLoadRequest", response: "inference.RepositoryModelLoadResponse" },
  { path: "/inference.GRPCInferenceService/RepositoryModelUnload", requestStream: false, responseStream: false, request: "inference.RepositoryModelUnloadRequest", response: "inference.RepositoryModelUnloadResponse" },
];

const MESSAGES: Readonly<Record<string, Readonly<Record<string, PinnedField>>>> = {
  "seldon.mlops.scheduler.LoadModelRequest": {
    model: { id: 1, type: "seldon.mlops.scheduler.Model" },
  },
  "seldon.mlops.scheduler.LoadModelResponse": {},
  "seldon.mlops.scheduler.Model": {
    meta: { id: 1, type: "seldon.mlops.scheduler.MetaData" },
    modelSpec: { id: 2, type: "seldon.mlops.scheduler.ModelSpec" },
    deploymentSpec: { id: 3, type: "seldon.mlops.scheduler.DeploymentSpec" },
    streamSpec: { id: 4, type: "seldon.mlops.scheduler.StreamSpec" },
  },
  "seldon.mlops.scheduler.MetaData": {
    name: { id: 1, type: "string" },
    kind: { id: 2, type: "string", rule: "optional", oneof: "_kind" },
    version: { id: 3, type: "string", rule: "optional", oneof: "_version" },
    kubernetesMeta: { id: 4, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
  },
  "seldon.mlops.scheduler.DeploymentSpec": {
    replicas: { id: 1, type: "uint32" },
    minReplicas: { id: 2, type: "uint32" },
    maxReplicas: { id: 3, type: "uint32" },
    logPayloads: { id: 4, type: "bool" },
  },
  "seldon.mlops.scheduler.ModelSpec": {
    uri: { id: 1, type: "string" },
    artifactVersion: { id: 2, type: "uint32", rule: "optional", oneof: "_artifactVersion" },
    storageConfig: { id: 3, type: "seldon.mlops.scheduler.StorageConfig", rule: "optional", oneof: "_storageConfig" },
    requirements: { id: 4, type: "string", rule: "repeated" },
    memoryBytes: { id: 5, type: "uint64", rule: "optional", oneof: "_memoryBytes" },
    server: { id: 6, type: "string", rule: "optional", oneof: "_server" },
    explainer: { id: 7, type: "seldon.mlops.scheduler.ExplainerSpec", oneof: "model_spec" },
    parameters: { id: 8, type: "seldon.mlops.scheduler.ParameterSpec", rule: "repeated" },
    modelRuntimeInfo: { id: 9, type: "seldon.mlops.scheduler.ModelRuntimeInfo", rule: "optional", oneof: "_modelRuntimeInfo" },
    llm: { id: 10, type: "seldon.mlops.scheduler.LlmSpec", oneof: "model_spec" },
  },
  "seldon.mlops.scheduler.ParameterSpec": {
    name: { id: 1, type: "string" },
    value: { id: 2, type: "string" },
  },
  "seldon.mlops.scheduler.ExplainerSpec": {
    type: { id: 1, type: "string" },
    modelRef: { id: 2, type: "string", rule: "optional", oneof: "_modelRef" },
    pipelineRef: { id: 3, type: "string", rule: "optional", oneof: "_pipelineRef" },
  },
  "seldon.mlops.scheduler.LlmSpec": {
    modelRef: { id: 1, type: "string", rule: "optional", oneof: "_modelRef" },
    pipelineRef: { id: 2, type: "string", rule: "optional", oneof: "_pipelineRef" },
  },
  "seldon.mlops.scheduler.ModelRuntimeInfo": {
    mlserver: { id: 1, type: "seldon.mlops.scheduler.MLServerModelSettings", oneof: "modelRuntimeInfo" },
    triton: { id: 2, type: "seldon.mlops.scheduler.TritonModelConfig", oneof: "modelRuntimeInfo" },
  },
  "seldon.mlops.scheduler.MLServerModelSettings": {
    parallelWorkers: { id: 1, type: "uint32" },
  },
  "seldon.mlops.scheduler.TritonModelConfig": {
    cpu: { id: 1, type: "seldon.mlops.scheduler.TritonCPU", rule: "repeated" },
  },
  "seldon.mlops.scheduler.TritonCPU": {
    instanceCount: { id: 1, type: "uint32" },
  },
  "seldon.mlops.scheduler.KubernetesMeta": {
    namespace: { id: 1, type: "string" },
    generation: { id: 2, type: "int64" },
  },
  "seldon.mlops.scheduler.StreamSpec": {
    inputTopic: { id: 2, type: "string" },
    outputTopic: { id: 3, type: "string" },
  },
  "seldon.mlops.scheduler.StorageConfig": {
    storageSecretName: { id: 1, type: "string", oneof: "config" },
    storageRcloneConfig: { id: 2, type: "string", oneof: "config" },
  },
  "seldon.mlops.scheduler.ModelReference": {
    name: { id: 1, type: "string" },
    version: { id: 2, type: "uint32", rule: "optional", oneof: "_version" },
  },
  "seldon.mlops.scheduler.UnloadModelRequest": {
    model: { id: 1, type: "seldon.mlops.scheduler.ModelReference" },
    kubernetesMeta: { id: 2, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
  },
  "seldon.mlops.scheduler.UnloadModelResponse": {},
  "seldon.mlops.scheduler.ModelStatusRequest": {
    subscriberName: { id: 1, type: "string" },
    model: { id: 2, type: "seldon.mlops.scheduler.ModelReference", rule: "optional", oneof: "_model" },
    allVersions: { id: 3, type: "bool" },
  },
  "seldon.mlops.scheduler.ModelSubscriptionRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.ModelStatusResponse": {
    modelName: { id: 1, type: "string" },
    versions: { id: 2, type: "seldon.mlops.scheduler.ModelVersionStatus", rule: "repeated" },
    deleted: { id: 3, type: "bool" },
  },
  "seldon.mlops.scheduler.ModelVersionStatus": {
    version: { id: 2, type: "uint32" },
    serverName: { id: 3, type: "string" },
    kubernetesMeta: { id: 4, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
    modelReplicaState: { id: 5, type: "seldon.mlops.scheduler.ModelReplicaStatus", keyType: "int32" },
    state: { id: 6, type: "seldon.mlops.scheduler.ModelStatus" },
    modelDefn: { id: 7, type: "seldon.mlops.scheduler.Model", rule: "optional", oneof: "_modelDefn" },
  },
  "seldon.mlops.scheduler.ModelStatus": {
    state: { id: 1, type: "seldon.mlops.scheduler.ModelStatus.ModelState" },
    reason: { id: 2, type: "string" },
    availableReplicas: { id: 3, type: "uint32" },
    unavailableReplicas: { id: 4, type: "uint32" },
    lastChangeTimestamp: { id: 5, type: "google.protobuf.Timestamp" },
  },
  "seldon.mlops.scheduler.ModelReplicaStatus": {
    state: { id: 1, type: "seldon.mlops.scheduler.ModelReplicaStatus.ModelReplicaState" },
    reason: { id: 2, type: "string" },
    lastChangeTimestamp: { id: 3, type: "google.protobuf.Timestamp" },
  },
  "seldon.mlops.scheduler.ServerNotifyRequest": {
    servers: { id: 1, type: "seldon.mlops.scheduler.ServerNotify", rule: "repeated" },
    isFirstSync: { id: 2, type: "bool" },
  },
  "seldon.mlops.scheduler.ServerNotify": {
    name: { id: 1, type: "string" },
    expectedReplicas: { id: 2, type: "uint32" },
    shared: { id: 3, type: "bool" },
    kubernetesMeta: { id: 4, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
    minReplicas: { id: 5, type: "uint32" },
    maxReplicas: { id: 6, type: "uint32" },
  },
  "seldon.mlops.scheduler.ServerNotifyResponse": {},
  "seldon.mlops.scheduler.ServerStatusRequest": {
    subscriberName: { id: 1, type: "string" },
    name: { id: 2, type: "string", rule: "optional", oneof: "_name" },
  },
  "seldon.mlops.scheduler.ServerSubscriptionRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.ServerStatusResponse": {
    serverName: { id: 1, type: "string" },
    resources: { id: 2, type: "seldon.mlops.scheduler.ServerReplicaResources", rule: "repeated" },
    expectedReplicas: { id: 3, type: "int32" },
    availableReplicas: { id: 4, type: "int32" },
    numLoadedModelReplicas: { id: 5, type: "int32" },
    kubernetesMeta: { id: 6, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
    type: { id: 7, type: "seldon.mlops.scheduler.ServerStatusResponse.Type" },
  },
  "seldon.mlops.scheduler.ServerReplicaResources": {
    replicaIdx: { id: 1, type: "uint32" },
    totalMemoryBytes: { id: 2, type: "uint64" },
    availableMemoryBytes: { id: 3, type: "uint64" },
    numLoadedModels: { id: 4, type: "int32" },
    overCommitPercentage: { id: 5, type: "uint32" },
  },
  "seldon.mlops.scheduler.StartExperimentRequest": {
    experiment: { id: 1, type: "seldon.mlops.scheduler.Experiment" },
  },
  "seldon.mlops.scheduler.StartExperimentResponse": {},
  "seldon.mlops.scheduler.StopExperimentRequest": {
    name: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.StopExperimentResponse": {},
  "seldon.mlops.scheduler.Experiment": {
    name: { id: 1, type: "string" },
    "default": { id: 2, type: "string", rule: "optional", oneof: "_default" },
    candidates: { id: 3, type: "seldon.mlops.scheduler.ExperimentCandidate", rule: "repeated" },
    mirror: { id: 4, type: "seldon.mlops.scheduler.ExperimentMirror", rule: "optional", oneof: "_mirror" },
    config: { id: 5, type: "seldon.mlops.scheduler.ExperimentConfig", rule: "optional", oneof: "_config" },
    kubernetesMeta: { id: 6, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
    resourceType: { id: 7, type: "seldon.mlops.scheduler.ResourceType" },
  },
  "seldon.mlops.scheduler.ExperimentConfig": {
    stickySessions: { id: 1, type: "bool" },
  },
  "seldon.mlops.scheduler.ExperimentCandidate": {
    name: { id: 1, type: "string" },
    weight: { id: 2, type: "uint32" },
  },
  "seldon.mlops.scheduler.ExperimentMirror": {
    name: { id: 1, type: "string" },
    percent: { id: 2, type: "uint32" },
  },
  "seldon.mlops.scheduler.ExperimentStatusRequest": {
    subscriberName: { id: 1, type: "string" },
    name: { id: 2, type: "string", rule: "optional", oneof: "_name" },
  },
  "seldon.mlops.scheduler.ExperimentSubscriptionRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.ExperimentStatusResponse": {
    experimentName: { id: 1, type: "string" },
    active: { id: 2, type: "bool" },
    candidatesReady: { id: 3, type: "bool" },
    mirrorReady: { id: 4, type: "bool" },
    statusDescription: { id: 5, type: "string" },
    kubernetesMeta: { id: 6, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
  },
  "seldon.mlops.scheduler.LoadPipelineRequest": {
    pipeline: { id: 1, type: "seldon.mlops.scheduler.Pipeline" },
  },
  "seldon.mlops.scheduler.LoadPipelineResponse": {},
  "seldon.mlops.scheduler.UnloadPipelineRequest": {
    name: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.UnloadPipelineResponse": {},
  "seldon.mlops.scheduler.Pipeline": {
    name: { id: 1, type: "string" },
    uid: { id: 2, type: "string" },
    version: { id: 3, type: "uint32" },
    steps: { id: 4, type: "seldon.mlops.scheduler.PipelineStep", rule: "repeated" },
    output: { id: 5, type: "seldon.mlops.scheduler.PipelineOutput", rule: "optional", oneof: "_output" },
    kubernetesMeta: { id: 6, type: "seldon.mlops.scheduler.KubernetesMeta", rule: "optional", oneof: "_kubernetesMeta" },
    input: { id: 7, type: "seldon.mlops.scheduler.PipelineInput", rule: "optional", oneof: "_input" },
  },
  "seldon.mlops.scheduler.PipelineStep": {
    name: { id: 1, type: "string" },
    inputs: { id: 2, type: "string", rule: "repeated" },
    joinWindowMs: { id: 3, type: "uint32", rule: "optional", oneof: "_joinWindowMs" },
    tensorMap: { id: 4, type: "string", keyType: "string" },
    inputsJoin: { id: 5, type: "seldon.mlops.scheduler.PipelineStep.JoinOp" },
    triggers: { id: 6, type: "string", rule: "repeated" },
    triggersJoin: { id: 7, type: "seldon.mlops.scheduler.PipelineStep.JoinOp" },
    batch: { id: 8, type: "seldon.mlops.scheduler.Batch" },
  },
  "seldon.mlops.scheduler.Batch": {
    size: { id: 1, type: "uint32", rule: "optional", oneof: "_size" },
    windowMs: { id: 2, type: "uint32", rule: "optional", oneof: "_windowMs" },
  },
  "seldon.mlops.scheduler.PipelineInput": {
    externalInputs: { id: 1, type: "string", rule: "repeated" },
    externalTriggers: { id: 2, type: "string", rule: "repeated" },
    joinWindowMs: { id: 3, type: "uint32", rule: "optional", oneof: "_joinWindowMs" },
    joinType: { id: 4, type: "seldon.mlops.scheduler.PipelineInput.JoinOp" },
    triggersJoin: { id: 5, type: "seldon.mlops.scheduler.PipelineInput.JoinOp" },
    tensorMap: { id: 6, type: "string", keyType: "string" },
  },
  "seldon.mlops.scheduler.PipelineOutput": {
    steps: { id: 1, type: "string", rule: "repeated" },
    joinWindowMs: { id: 2, type: "uint32" },
    stepsJoin: { id: 3, type: "seldon.mlops.scheduler.PipelineOutput.JoinOp" },
    tensorMap: { id: 4, type: "string", keyType: "string" },
  },
  "seldon.mlops.scheduler.PipelineStatusRequest": {
    subscriberName: { id: 1, type: "string" },
    name: { id: 2, type: "string", rule: "optional", oneof: "_name" },
    allVersions: { id: 3, type: "bool" },
  },
  "seldon.mlops.scheduler.PipelineSubscriptionRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.PipelineStatusResponse": {
    pipelineName: { id: 1, type: "string" },
    versions: { id: 2, type: "seldon.mlops.scheduler.PipelineWithState", rule: "repeated" },
  },
  "seldon.mlops.scheduler.PipelineWithState": {
    pipeline: { id: 1, type: "seldon.mlops.scheduler.Pipeline" },
    state: { id: 2, type: "seldon.mlops.scheduler.PipelineVersionState" },
  },
  "seldon.mlops.scheduler.PipelineVersionState": {
    pipelineVersion: { id: 1, type: "uint32" },
    status: { id: 2, type: "seldon.mlops.scheduler.PipelineVersionState.PipelineStatus" },
    reason: { id: 3, type: "string" },
    lastChangeTimestamp: { id: 4, type: "google.protobuf.Timestamp" },
    modelsReady: { id: 5, type: "bool" },
  },
  "seldon.mlops.scheduler.SchedulerStatusRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.SchedulerStatusResponse": {
    applicationVersion: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.ControlPlaneSubscriptionRequest": {
    subscriberName: { id: 1, type: "string" },
  },
  "seldon.mlops.scheduler.ControlPlaneResponse": {
    event: { id: 1, type: "seldon.mlops.scheduler.ControlPlaneResponse.Event" },
  },
  "seldon.mlops.agent.AgentSubscribeRequest": {
    serverName: { id: 1, type: "string" },
    shared: { id: 2, type: "bool" },
    replicaIdx: { id: 3, type: "uint32" },
    replicaConfig: { id: 4, type: "seldon.mlops.agent.ReplicaConfig" },
    loadedModels: { id: 5, type: "seldon.mlops.agent.ModelVersion", rule: "repeated" },
    availableMemoryBytes: { id: 6, type: "uint64" },
  },
  "seldon.mlops.agent.ReplicaConfig": {
    inferenceSvc: { id: 1, type: "string" },
    inferenceHttpPort: { id: 2, type: "int32" },
    inferenceGrpcPort: { id: 3, type: "int32" },
    memoryBytes: { id: 4, type: "uint64" },
    capabilities: { id: 5, type: "string", rule: "repeated" },
    overCommitPercentage: { id: 6, type: "uint32" },
  },
  "seldon.mlops.agent.ModelVersion": {
    model: { id: 1, type: "seldon.mlops.scheduler.Model" },
    version: { id: 2, type: "uint32" },
  },
  "seldon.mlops.agent.ModelOperationMessage": {
    operation: { id: 1, type: "seldon.mlops.agent.ModelOperationMessage.Operation" },
    modelVersion: { id: 2, type: "seldon.mlops.agent.ModelVersion" },
    autoscalingEnabled: { id: 3, type: "bool" },
  },
  "seldon.mlops.agent.ModelEventMessage": {
    serverName: { id: 1, type: "string" },
    replicaIdx: { id: 2, type: "uint32" },
    modelName: { id: 3, type: "string" },
    modelVersion: { id: 4, type: "uint32" },
    event: { id: 5, type: "seldon.mlops.agent.ModelEventMessage.Event" },
    message: { id: 6, type: "string" },
    availableMemoryBytes: { id: 7, type: "uint64" },
    runtimeInfo: { id: 8, type: "seldon.mlops.scheduler.ModelRuntimeInfo" },
  },
  "seldon.mlops.agent.ModelEventResponse": {},
  "seldon.mlops.agent.ModelScalingTriggerMessage": {
    serverName: { id: 1, type: "string" },
    replicaIdx: { id: 2, type: "uint32" },
    modelName: { id: 3, type: "string" },
    modelVersion: { id: 4, type: "uint32" },
    trigger: { id: 5, type: "seldon.mlops.agent.ModelScalingTriggerMessage.Trigger" },
    amount: { id: 6, type: "uint32" },
    metrics: { id: 7, type: "uint32", keyType: "string" },
  },
  "seldon.mlops.agent.ModelScalingTriggerResponse": {},
  "seldon.mlops.agent.AgentDrainRequest": {
    serverName: { id: 1, type: "string" },
    replicaIdx: { id: 2, type: "uint32" },
  },
  "seldon.mlops.agent.AgentDrainResponse": {
    success: { id: 1, type: "bool" },
  },
  "inference.ServerLiveRequest": {},
  "inference.ServerLiveResponse": {
    live: { id: 1, type: "bool" },
  },
  "inference.ServerReadyRequest": {},
  "inference.ServerReadyResponse": {
    ready: { id: 1, type: "bool" },
  },
  "inference.ModelReadyRequest": {
    name: { id: 1, type: "string" },
    version: { id: 2, type: "string" },
  },
  "inference.ModelReadyResponse": {
    ready: { id: 1, type: "bool" },
  },
  "inference.ServerMetadataRequest": {},
  "inference.ServerMetadataResponse": {
    name: { id: 1, type: "string" },
    version: { id: 2, type: "string" },
    extensions: { id: 3, type: "string", rule: "repeated" },
  },
  "inference.ModelMetadataRequest": {
    name: { id: 1, type: "string" },
    version: { id: 2, type: "string" },
  },
  "inference.ModelMetadataResponse": {
    name: { id: 1, type: "string" },
    versions: { id: 2, type: "string", rule: "repeated" },
    platform: { id: 3, type: "string" },
    inputs: { id: 4, type: "inference.ModelMetadataResponse.TensorMetadata", rule: "repeated" },
    outputs: { id: 5, type: "inference.ModelMetadataResponse.TensorMetadata", rule: "repeated" },
    parameters: { id: 6, type: "inference.InferParameter", keyType: "string" },
  },
  "inference.ModelMetadataResponse.TensorMetadata": {
    name: { id: 1, type: "string" },
    datatype: { id: 2, type: "string" },
    shape: { id: 3, type: "int64", rule: "repeated" },
    parameters: { id: 4, type: "inference.InferParameter", keyType: "string" },
  },
  "inference.ModelInferRequest": {
    model_name: { id: 1, type: "string" },
    model_version: { id: 2, type: "string" },
    id: { id: 3, type: "string" },
    parameters: { id: 4, type: "inference.InferParameter", keyType: "string" },
    inputs: { id: 5, type: "inference.ModelInferRequest.InferInputTensor", rule: "repeated" },
    outputs: { id: 6, type: "inference.ModelInferRequest.InferRequestedOutputTensor", rule: "repeated" },
    raw_input_contents: { id: 7, type: "bytes", rule: "repeated" },
  },
  "inference.ModelInferRequest.InferInputTensor": {
    name: { id: 1, type: "string" },
    datatype: { id: 2, type: "string" },
    shape: { id: 3, type: "int64", rule: "repeated" },
    parameters: { id: 4, type: "inference.InferParameter", keyType: "string" },
    contents: { id: 5, type: "inference.InferTensorContents" },
  },
  "inference.ModelInferRequest.InferRequestedOutputTensor": {
    name: { id: 1, type: "string" },
    parameters: { id: 2, type: "inference.InferParameter", keyType: "string" },
  },
  "inference.ModelInferResponse": {
    model_name: { id: 1, type: "string" },
    model_version: { id: 2, type: "string" },
    id: { id: 3, type: "string" },
    parameters: { id: 4, type: "inference.InferParameter", keyType: "string" },
    outputs: { id: 5, type: "inference.ModelInferResponse.InferOutputTensor", rule: "repeated" },
    raw_output_contents: { id: 6, type: "bytes", rule: "repeated" },
  },
  "inference.ModelInferResponse.InferOutputTensor": {
    name: { id: 1, type: "string" },
    datatype: { id: 2, type: "string" },
    shape: { id: 3, type: "int64", rule: "repeated" },
    parameters: { id: 4, type: "inference.InferParameter", keyType: "string" },
    contents: { id: 5, type: "inference.InferTensorContents" },
  },
  "inference.InferParameter": {
    bool_param: { id: 1, type: "bool", oneof: "parameter_choice" },
    int64_param: { id: 2, type: "int64", oneof: "parameter_choice" },
    string_param: { id: 3, type: "string", oneof: "parameter_choice" },
  },
  "inference.InferTensorContents": {
    bool_contents: { id: 1, type: "bool", rule: "repeated" },
    int_contents: { id: 2, type: "int32", rule: "repeated" },
    int64_contents: { id: 3, type: "int64", rule: "repeated" },
    uint_contents: { id: 4, type: "uint32", rule: "repeated" },
    uint64_contents: { id: 5, type: "uint64", rule: "repeated" },
    fp32_contents: { id: 6, type: "float", rule: "repeated" },
    fp64_contents: { id: 7, type: "double", rule: "repeated" },
    bytes_contents: { id: 8, type: "bytes", rule: "repeated" },
  },
  "inference.ModelRepositoryParameter": {
    bool_param: { id: 1, type: "bool", oneof: "parameter_choice" },
    int64_param: { id: 2, type: "int64", oneof: "parameter_choice" },
    string_param: { id: 3, type: "string", oneof: "parameter_choice" },
    bytes_param: { id: 4, type: "bytes", oneof: "parameter_choice" },
  },
  "inference.RepositoryIndexRequest": {
    repository_name: { id: 1, type: "string" },
    ready: { id: 2, type: "bool" },
  },
  "inference.RepositoryIndexResponse": {
    models: { id: 1, type: "inference.RepositoryIndexResponse.ModelIndex", rule: "repeated" },
  },
  "inference.RepositoryIndexResponse.ModelIndex": {
    name: { id: 1, type: "string" },
    version: { id: 2, type: "string" },
    state: { id: 3, type: "string" },
    reason: { id: 4, type: "string" },
  },
  "inference.RepositoryModelLoadRequest": {
    repository_name: { id: 1, type: "string" },
    model_name: { id: 2, type: "string" },
    parameters: { id: 3, type: "inference.ModelRepositoryParameter", keyType: "string" },
  },
  "inference.RepositoryModelLoadResponse": {},
  "inference.RepositoryModelUnloadRequest": {
    repository_name: { id: 1, type: "string" },
    model_name: { id: 2, type: "string" },
    parameters: { id: 3, type: "inference.ModelRepositoryParameter", keyType: "string" },
  },
  "inference.RepositoryModelUnloadResponse": {},
};

const ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "seldon.mlops.scheduler.ModelStatus.ModelState": { ModelStateUnknown: 0, ModelProgressing: 1, ModelAvailable: 2, ModelFailed: 3, ModelTerminating: 4, ModelTerminated: 5, ModelTerminateFailed: 6, ScheduleFailed: 7 },
  "seldon.mlops.scheduler.ModelReplicaStatus.ModelReplicaState": { ModelReplicaStateUnknown: 0, LoadRequested: 1, Loading: 2, Loaded: 3, LoadFailed: 4, UnloadRequested: 5, Unloading: 6, Unloaded: 7, UnloadFailed: 8, Available: 9, LoadedUnavailable: 10, UnloadEnvoyRequested: 11, Draining: 12 },
  "seldon.mlops.scheduler.ServerStatusResponse.Type": { StatusResponseTypeUnknown: 0, StatusUpdate: 1, NonAuthoritativeReplicaInfo: 2, ScalingRequest: 4 },
  "seldon.mlops.scheduler.ResourceType": { MODEL: 0, PIPELINE: 1 },
  "seldon.mlops.scheduler.PipelineStep.JoinOp": { INNER: 0, OUTER: 1, ANY: 2 },
  "seldon.mlops.scheduler.PipelineInput.JoinOp": { INNER: 0, OUTER: 1, ANY: 2 },
  "seldon.mlops.scheduler.PipelineOutput.JoinOp": { INNER: 0, OUTER: 1, ANY: 2 },
  "seldon.mlops.scheduler.PipelineVersionState.PipelineStatus": { PipelineStatusUnknown: 0, PipelineCreate: 1, PipelineCreating: 2, PipelineReady: 3, PipelineFailed: 4, PipelineTerminate: 5, PipelineTerminating: 6, PipelineTerminated: 7 },
  "seldon.mlops.scheduler.ControlPlaneResponse.Event": { UNKNOWN_EVENT: 0, SEND_SERVERS: 1, SEND_RESOURCES: 2 },
  "seldon.mlops.agent.ModelOperationMessage.Operation": { UNKNOWN_EVENT: 0, LOAD_MODEL: 1, UNLOAD_MODEL: 2 },
  "seldon.mlops.agent.ModelEventMessage.Event": { UNKNOWN_EVENT: 0, LOAD_FAIL_MEMORY: 1, LOADED: 2, LOAD_FAILED: 3, UNLOADED: 4, UNLOAD_FAILED: 5, REMOVED: 6, REMOVE_FAILED: 7, RSYNC: 9 },
  "seldon.mlops.agent.ModelScalingTriggerMessage.Trigger": { SCALE_UP: 0, SCALE_DOWN: 1 },
};

/** The messages the scheduling path exchanges; the tables above must keep covering them. */
const SCHEDULING_PATH = [
  "seldon.mlops.scheduler.LoadModelRequest", "seldon.mlops.scheduler.Model", "seldon.mlops.scheduler.MetaData",
  "seldon.mlops.scheduler.DeploymentSpec", "seldon.mlops.scheduler.ModelSpec", "seldon.mlops.scheduler.ExplainerSpec",
  "seldon.mlops.scheduler.LlmSpec", "seldon.mlops.scheduler.ParameterSpec", "seldon.mlops.scheduler.StorageConfig",
  "seldon.mlops.scheduler.KubernetesMeta", "seldon.mlops.scheduler.StreamSpec", "seldon.mlops.scheduler.ModelRuntimeInfo",
  "seldon.mlops.scheduler.MLServerModelSettings", "seldon.mlops.scheduler.TritonModelConfig", "seldon.mlops.scheduler.TritonCPU",
  "seldon.mlops.scheduler.LoadModelResponse", "seldon.mlops.scheduler.UnloadModelRequest", "seldon.mlops.scheduler.ModelReference",
  "seldon.mlops.scheduler.ModelStatusRequest", "seldon.mlops.scheduler.ModelStatusResponse", "seldon.mlops.scheduler.ModelVersionStatus",
  "seldon.mlops.scheduler.ModelStatus", "seldon.mlops.scheduler.ModelReplicaStatus", "seldon.mlops.scheduler.ServerNotifyRequest",
  "seldon.mlops.scheduler.ServerNotify", "seldon.mlops.scheduler.ServerStatusRequest", "seldon.mlops.scheduler.ServerStatusResponse",
  "seldon.mlops.scheduler.ServerReplicaResources", "seldon.mlops.scheduler.ServerSubscriptionRequest",
  "seldon.mlops.scheduler.ModelSubscriptionRequest", "seldon.mlops.scheduler.ControlPlaneSubscriptionRequest",
  "seldon.mlops.scheduler.ControlPlaneResponse", "seldon.mlops.scheduler.SchedulerStatusRequest", "seldon.mlops.scheduler.SchedulerStatusResponse",
  "seldon.mlops.agent.ModelEventMessage", "seldon.mlops.agent.ModelScalingTriggerMessage", "seldon.mlops.agent.AgentDrainRequest",
  "seldon.mlops.agent.AgentDrainResponse", "seldon.mlops.agent.AgentSubscribeRequest", "seldon.mlops.agent.ReplicaConfig",
  "seldon.mlops.agent.ModelOperationMessage", "seldon.mlops.agent.ModelVersion",
  "inference.ServerLiveRequest", "inference.ServerLiveResponse", "inference.ServerReadyRequest", "inference.ServerReadyResponse",
  "inference.ServerMetadataRequest", "inference.ServerMetadataResponse", "inference.ModelReadyRequest", "inference.ModelReadyResponse",
  "inference.ModelMetadataRequest", "inference.ModelMetadataResponse", "inference.ModelMetadataResponse.TensorMetadata",
  "inference.ModelInferRequest", "inference.ModelInferRequest.InferInputTensor", "inference.ModelInferRequest.InferRequestedOutputTensor",
  "inference.ModelInferResponse", "inference.ModelInferResponse.InferOutputTensor", "inference.InferParameter",
  "inference.InferTensorContents", "inference.RepositoryIndexRequest", "inference.RepositoryIndexResponse",
  "inference.RepositoryIndexResponse.ModelIndex", "inference.RepositoryModelLoadRequest", "inference.RepositoryModelLoadResponse",
  "inference.RepositoryModelUnloadRequest", "inference.RepositoryModelUnloadResponse", "inference.ModelRepositoryParameter",
];

const root = loadRoot();

describe("gRPC services", () => {
  const pkg = loadPackageDefinition();

  it("pins the table to the three services and nothing else", () => {
    const services = [...new Set(METHODS.map((m) => m.path.slice(1, m.path.lastIndexOf("/"))))];
    expect(services.sort()).toStrictEqual([...SERVICES].sort());
    expect(reflected(root, protobuf.Service).map((s) => stripDot(s.fullName)).sort()).toStrictEqual([...SERVICES].sort());
  });

  it.each(SERVICES)("%s has exactly the pinned methods (proto-loader and protobufjs)", (service) => {
    const pinned = METHODS.filter((m) => m.path.startsWith(`/${service}/`)).map((m) => m.path.slice(service.length + 2)).sort();
    const def = pkg[service] as protoLoader.ServiceDefinition;
    expect(def).toBeDefined();
    expect(Object.keys(def).sort()).toStrictEqual(pinned);
    expect(Object.keys(root.lookupService(service).methods).sort()).toStrictEqual(pinned);
  });

  it.each(METHODS)("$path", (pinned) => {
    const service = pinned.path.slice(1, pinned.path.lastIndexOf("/"));
    const name = pinned.path.slice(pinned.path.lastIndexOf("/") + 1);

    // What grpc-js will actually register and call.
    const def = (pkg[service] as protoLoader.ServiceDefinition)[name];
    expect(def).toBeDefined();
    expect({ path: def!.path, requestStream: def!.requestStream, responseStream: def!.responseStream }).toStrictEqual({
      path: pinned.path,
      requestStream: pinned.requestStream,
      responseStream: pinned.responseStream,
    });
    const requestDef = pkg[pinned.request] as protoLoader.MessageTypeDefinition<object, object>;
    const responseDef = pkg[pinned.response] as protoLoader.MessageTypeDefinition<object, object>;
    expect(def!.requestType.type).toStrictEqual(requestDef.type);
    expect(def!.responseType.type).toStrictEqual(responseDef.type);

    // The same, as protobufjs resolves it.
    const m = root.lookupService(service).methods[name]!;
    expect({
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      request: stripDot(m.resolvedRequestType!.fullName),
      response: stripDot(m.resolvedResponseType!.fullName),
    }).toStrictEqual({
      requestStream: pinned.requestStream,
      responseStream: pinned.responseStream,
      request: pinned.request,
      response: pinned.response,
    });
  });
});

describe("message layouts", () => {
  it("the tables cover every message and enum the protos declare, and vice versa", () => {
    expect(reflected(root, protobuf.Type).map((t) => stripDot(t.fullName)).sort()).toStrictEqual(Object.keys(MESSAGES).sort());
    expect(reflected(root, protobuf.Enum).map((e) => stripDot(e.fullName)).sort()).toStrictEqual(Object.keys(ENUMS).sort());
  });

  it("the tables cover the scheduling path", () => {
    const missing = SCHEDULING_PATH.filter((name) => !(name in MESSAGES));
    expect(missing).toStrictEqual([]);
  });

  it.each(Object.entries(MESSAGES))("%s", (name, pinned) => {
    const type = root.lookupType(name);
    expect(actualFields(type)).toStrictEqual(pinned);

    // No oneof without a pinned member, and each oneof holds exactly its pinned members.
    const pinnedOneofs: Record<string, string[]> = {};
    for (const [field, f] of Object.entries(pinned)) if (f.oneof) (pinnedOneofs[f.oneof] ??= []).push(field);
    const actualOneofs = Object.fromEntries(type.oneofsArray.map((o) => [o.name, [...o.oneof].sort()]));
    for (const members of Object.values(pinnedOneofs)) members.sort();
    expect(actualOneofs).toStrictEqual(pinnedOneofs);
  });

  it.each(Object.entries(ENUMS))("enum %s", (name, values) => {
    expect({ ...root.lookupEnum(name).values }).toStrictEqual(values);
  });
});

describe("round trip", () => {
  const convert: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true };

  function roundTrip(typeName: string, input: Record<string, unknown>): { bytes: Uint8Array; decoded: Record<string, unknown> } {
    const type = root.lookupType(typeName);
    const message = type.fromObject(input);
    const bytes = type.encode(message).finish();
    const decodedMessage = type.decode(bytes);
    const decoded = type.toObject(decodedMessage, convert);
    // Nothing lost or altered by the wire, and re-encoding is byte-identical.
    expect(decoded).toStrictEqual(type.toObject(message, convert));
    expect(Buffer.from(type.encode(decodedMessage).finish())).toStrictEqual(Buffer.from(bytes));
    return { bytes, decoded };
  }

  const model = {
    meta: { name: "iris", kind: "Model", version: "1", kubernetesMeta: { namespace: "seldon-mesh", generation: 7 } },
    modelSpec: {
      uri: "gs://models/iris",
      artifactVersion: 2,
      storageConfig: { storageSecretName: "gcs-secret" },
      requirements: ["sklearn", "python"],
      memoryBytes: 6 * 2 ** 30, // above 2^32: exercises the uint64 path
      server: "mlserver",
      parameters: [{ name: "p", value: "v" }],
      modelRuntimeInfo: { mlserver: { parallelWorkers: 3 } },
      explainer: { type: "anchor_tabular", modelRef: "iris" },
    },
    deploymentSpec: { replicas: 2, minReplicas: 1, maxReplicas: 4, logPayloads: true },
    streamSpec: { inputTopic: "in", outputTopic: "out" },
  };

  it("AgentSubscribeRequest", () => {
    const input = {
      serverName: "mlserver",
      shared: true,
      replicaIdx: 1,
      replicaConfig: {
        inferenceSvc: "mlserver-1.seldon-mesh",
        inferenceHttpPort: 9000,
        inferenceGrpcPort: 9500,
        memoryBytes: 16 * 2 ** 30,
        capabilities: ["sklearn", "xgboost", "python"],
        overCommitPercentage: 10,
      },
      loadedModels: [{ model, version: 3 }],
      availableMemoryBytes: 10 * 2 ** 30,
    };
    const { decoded } = roundTrip("seldon.mlops.agent.AgentSubscribeRequest", input);
    expect(decoded).toMatchObject(input);

    // The same message through the serializers grpc-js uses for Subscribe.
    const m = (loadPackageDefinition()["seldon.mlops.agent.AgentService"] as protoLoader.ServiceDefinition)["Subscribe"]!;
    expect(m.requestDeserialize(m.requestSerialize(input))).toMatchObject(input);
  });

  it("ModelOperationMessage", () => {
    const input = { operation: "UNLOAD_MODEL", modelVersion: { model, version: 5 }, autoscalingEnabled: true };
    const { decoded } = roundTrip("seldon.mlops.agent.ModelOperationMessage", input);
    expect(decoded).toMatchObject(input);

    const m = (loadPackageDefinition()["seldon.mlops.agent.AgentService"] as protoLoader.ServiceDefinition)["Subscribe"]!;
    expect(m.responseDeserialize(m.responseSerialize(input))).toMatchObject(input);
  });

  it("ModelOperationMessage encodes to the expected bytes", () => {
    // operation=LOAD_MODEL (tag 1 varint), modelVersion (tag 2, 12 bytes) holding
    // model.meta.name="iris" and version=3, then autoscalingEnabled=true (tag 3 varint).
    const { bytes } = roundTrip("seldon.mlops.agent.ModelOperationMessage", {
      operation: "LOAD_MODEL",
      modelVersion: { model: { meta: { name: "iris" } }, version: 3 },
      autoscalingEnabled: true,
    });
    expect(Buffer.from(bytes).toString("hex")).toBe("0801" + "120c" + "0a08" + "0a06" + "0a04" + "69726973" + "1003" + "1801");
  });
});
