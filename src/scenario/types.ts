/**
 * A scenario, once parsed and validated: a cluster, the resources applied to it, the network as
 * the platform shapes it, a timeline of what happens, and what must be true at the end.
 * Durations are milliseconds of run time; memory is bytes.
 */
import type { NetworkRule } from "../network/rules.ts";
import type { ChainNames } from "../scheduling/registry.ts";
import type { Fault } from "../faults/spec.ts";
import type { StorageLocation } from "../rclone/store.ts";

/** Where something came from in the scenario file(s), for error messages and reports. */
export interface Origin {
  file: string;
  /** YAML path inside the file, e.g. `timeline[2].crash`. */
  path: string;
  line?: number;
  column?: number;
}

export interface Scenario {
  name: string;
  description: string;
  file: string;
  /** Seed for every random choice of the run; the CLI's `--seed` overrides it. */
  seed: number;
  /** Wall-clock time of t=0, for log timestamps. */
  epochMs: number;
  /** Scheduler plugin chains by name (a changed policy); null keeps Seldon's. */
  schedulerChains: ChainNames | null;
  cluster: ClusterSpec;
  /** Fields of the applied manifests the simulator does not act on (printed before the run). */
  warnings: { file: string; path: string; line?: number; column?: number; message: string }[];
  /** Kubernetes resources present from the start (applied at t=0, in order). */
  resources: K8sResource[];
  network: NetworkRule[];
  /** Link toxics and message rules in force from t=0 (see docs/faults.md). */
  faults: Fault[];
  timeline: TimelineStep[];
  expect: Expectations;
  /** How long the run goes on after the last timeline step before expectations are checked. */
  settleMs: number;
}

import type { InstallKind, ServerType } from "../cluster/install.ts";

export interface ClusterSpec {
  /** How Seldon was installed: the server pods' defaults (src/cluster/install.ts). Default helm. */
  install?: InstallKind;
  /** Namespace of the cluster-wide controller, or null for none. */
  controllerNamespace: string | null;
  /**
   * The one namespace the controller watches (`--clusterwide=false --namespace=NS`), or
   * undefined for every namespace (`--clusterwide=true`).
   */
  controllerWatchNamespace?: string;
  /**
   * Every scheduler's `--scheduler-ready-timeout-seconds`; undefined takes the install's
   * (src/cluster/install.ts).
   */
  schedulerReadyTimeoutSeconds?: number;
  namespaces: NamespaceSpec[];
  servers: ServerTopology[];
  /** The schedulers' `--enable-model-autoscaling` (default false, as v2.9.0 and its Helm chart). */
  modelAutoscaling?: boolean;
  /** The object store (`storage:`) and the Secrets (`kind: Secret` resources) the server pods see. */
  artifacts?: ArtifactsSpec;
}

export interface ArtifactsSpec {
  /** Locations that exist; null when the scenario describes no storage (every source exists). */
  storage: StorageLocation[] | null;
  secrets: SecretSpec[];
  /** Per namespace, the SeldonRuntime's `config.agentConfig.rclone` (preloaded before the installed defaults). */
  agentRclone?: Record<string, { configSecrets: string[]; rawConfigs: string[] }>;
}

/** A `v1` Secret: `data` decoded from base64 with `stringData` merged over it, as the API server stores it. */
export interface SecretSpec {
  namespace: string;
  name: string;
  data: Record<string, string>;
  origin: Origin;
}

export interface NamespaceSpec {
  name: string;
  /** A `SeldonRuntime` in this namespace: its own scheduler. */
  runtime: boolean;
}

export type { ServerType } from "../cluster/install.ts";

/** The pods of one server: per replica an agent beside its inference server. */
export interface ServerTopology {
  name: string;
  namespace: string;
  replicas: number;
  type: ServerType;
  /** Agent environment, by Seldon's variable names (`MEMORY_REQUEST`, `SELDON_SERVER_CAPABILITIES`, ...). */
  env: Record<string, string>;
  /** Agent flags that Seldon v2.9.0 takes only as flags (e.g. `inference-host`). */
  agentFlags: Record<string, string>;
  /** First pod IP; replica i gets the i-th following address. Assigned when not given. */
  podIp?: string;
  /** Behaviour of the inference server. */
  inference: InferenceBehaviour;
  origin: Origin;
}

export interface InferenceBehaviour {
  loadDelayMs: number;
  /** Every load fails with this message. */
  loadFailure: string | null;
  /** Loads fail as out of memory. */
  outOfMemory: boolean;
}

/** A Seldon resource as the user wrote it (`apiVersion: mlops.seldon.io/v1alpha1`). */
export interface K8sResource {
  apiVersion: string;
  kind: "Model" | "Server" | "SeldonRuntime" | "ServerConfig";
  metadata: { name: string; namespace: string; generation?: number; [k: string]: unknown };
  spec: Record<string, unknown>;
  origin: Origin;
}

export type ContainerRef = {
  namespace: string;
  pod: string;
  container: "agent" | "mlserver" | "scheduler" | "controller" | "rclone";
};

export type TimelineStep = { at: number | null; origin: Origin } & (
  | { kind: "apply"; resource: K8sResource }
  | { kind: "delete"; resource: { kind: K8sResource["kind"]; namespace: string; name: string } }
  | { kind: "scale"; server: { namespace: string; name: string }; replicas: number }
  | { kind: "crash"; target: ContainerRef }
  | { kind: "restart"; target: ContainerRef }
  | { kind: "drain"; server: { namespace: string; name: string }; replica: number }
  | { kind: "block"; rule: NetworkRule }
  | { kind: "heal"; ruleId: string }
  | { kind: "fault"; fault: Fault }
  | { kind: "inference"; server: { namespace: string; name: string }; replica: number | null; behaviour: Partial<InferenceBehaviour> }
  /** Inference requests into the model's namespace, through its Envoy: `count`, `intervalMs` apart. */
  | { kind: "traffic"; model: { namespace: string; name: string }; protocol: "rest" | "grpc"; count: number; intervalMs: number }
  | { kind: "advance"; ms: number }
  | { kind: "wait"; condition: Condition; timeoutMs: number }
);

export type Condition =
  | { kind: "modelReady"; namespace: string; name: string }
  | { kind: "modelState"; namespace: string; name: string; state: string }
  | { kind: "log"; component: string; namespace: string | null; contains: string };

/**
 * When a state expectation is judged: at the end of the run (the default), at a run time (the
 * state after every input handled up to then), throughout an interval (at its start and after
 * every input inside it), or never (the described state must not hold at any moment).
 */
export type Moment =
  | { kind: "end" }
  | { kind: "at"; ms: number }
  | { kind: "during"; fromMs: number; toMs: number }
  | { kind: "never" };

export interface Expectations {
  models: ModelExpectation[];
  servers: ServerExpectation[];
  /** Every placement decision the scheduler made for a model, in order. */
  placements: PlacementExpectation[];
  logs: LogExpectation[];
  rejections: RejectionExpectation[];
  /** No model may ever be placed on a server of another namespace. */
  tenantIsolation: boolean;
  /** Properties (see `src/properties`) watched during the run; a violation fails the scenario. */
  properties: string[];
  /** Answers to the scenario's inference traffic, counted per model. */
  traffic: TrafficExpectation[];
}

/** Counts of a model's inference answers at the end of the run; only the given counts are checked. */
export interface TrafficExpectation {
  namespace: string;
  model: string;
  sent?: number;
  ok?: number;
  failed?: number;
  /** Per gRPC status name (`OK`, `NOT_FOUND`, …). */
  codes?: Record<string, number>;
  origin: Origin;
}

export interface ModelExpectation {
  namespace: string;
  name: string;
  ready?: boolean;
  desiredReplicas?: number;
  availableReplicas?: number;
  state?: string;
  reason?: string;
  /** Replica index → replica state. */
  replicaStates?: Record<string, string>;
  server?: string;
  when: Moment;
  origin: Origin;
}

/** One placement decision: the server and replicas chosen, or the reason scheduling failed. */
export type ExpectedDecision = { kind: "placed"; server: string; replicas: number[] } | { kind: "failed"; reason: string };

export interface PlacementExpectation {
  namespace: string;
  model: string;
  decisions: ExpectedDecision[];
  origin: Origin;
}

/** The Server resource's status as the controller writes it (`kubectl get servers`). */
export interface ServerResourceExpectation {
  ready?: boolean;
  /** `status.replicas`. */
  replicas?: number;
  /** `status.loadedModels`. */
  loadedModels?: number;
  /** The Ready condition's reason. */
  reason?: string;
}

export interface ServerExpectation {
  namespace: string;
  name: string;
  /** Replicas the scheduler knows (connected agents). */
  connectedReplicas?: number;
  loadedModels?: number;
  replicas?: { idx: number; availableMemoryBytes?: bigint; totalMemoryBytes?: bigint; loadedModels?: number }[];
  /** The Server resource's status, as the controller reports it. */
  status?: ServerResourceExpectation;
  when: Moment;
  origin: Origin;
}

export interface LogExpectation {
  /** `scheduler`, `agent`, `mlserver`, `controller`. */
  component: string;
  namespace: string | null;
  pod: string | null;
  contains: string;
  present: boolean;
  level?: string;
  /** Exactly this many matching lines (with `present`). */
  count?: number;
  /** Only lines logged at or after this run time... */
  afterMs?: number;
  /** ...and before this one. */
  beforeMs?: number;
  origin: Origin;
}

export interface RejectionExpectation {
  namespace: string;
  model: string;
  server: string;
  /** Replica index when the expectation is about a replica filter. */
  replica?: number;
  filter: string;
  origin: Origin;
}
