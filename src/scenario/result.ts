/**
 * What a scenario run yields: every expectation's verdict, the model and server tables, the
 * explanations, logs and trace. Kept apart from the runner so that whatever judges results
 * (properties, reports, the CLI) depends on this shape, not on the runner.
 */
import type { RuntimeKind } from "../runtime/index.ts";
import type { LogRecord, TraceEvent } from "../runtime/engine.ts";
import type { PlacementView } from "../scheduler/placement.ts";
import type { PodRow } from "./pods.ts";
import type { Condition } from "../controller/conditions.ts";
import type { KubeEvent } from "../controller/controller.ts";

export interface ModelObject {
  conditions: Condition[];
  events: KubeEvent[];
}
import type { Origin } from "./types.ts";
import type { Keeping } from "./keep.ts";

/** A property that failed in a run. */
export interface Violation {
  property: string;
  /** Run time of the failure (the end of the run for end checks and comparisons). */
  t: number;
  message: string;
}

export interface ExpectationResult {
  description: string;
  passed: boolean;
  /** What was found instead, when it failed. */
  actual?: string;
  origin: Origin;
}

export interface ModelRow {
  namespace: string;
  name: string;
  ready: boolean;
  desiredReplicas: number;
  availableReplicas: number;
  state: string;
  reason: string;
  server: string;
  version: number;
  replicaStates: Record<string, string>;
}

export interface ServerRow {
  namespace: string;
  name: string;
  connectedReplicas: number;
  loadedModels: number;
  replicas: { idx: number; totalMemoryBytes: bigint; availableMemoryBytes: bigint; reservedMemoryBytes: bigint; loadedModels: number }[];
}

/** What a model's inference requests came to: how many were answered, and with which status. */
export interface TrafficRow {
  namespace: string;
  model: string;
  sent: number;
  ok: number;
  failed: number;
  /** Answers not back when the run ended. */
  pending: number;
  /** gRPC status name → count (REST answers too: their status as the hop carried it). */
  codes: Record<string, number>;
}

export interface ScenarioResult {
  name: string;
  description: string;
  file: string;
  runtime: RuntimeKind;
  seed: number;
  passed: boolean;
  expectations: ExpectationResult[];
  models: ModelRow[];
  servers: ServerRow[];
  /** `namespace/model` → the last placement explanation, for models that are not available. */
  explanations: Map<string, string>;
  /** `namespace/model` → the last placement decision with its snapshot, for models that are not available. */
  decisions: Map<string, PlacementView>;
  /** `namespace/model` → every placement decision recorded for it, oldest first. */
  history: Map<string, PlacementView[]>;
  /** The run's trace events (messages, calls, logs, observations, lifecycles), as they stood at the end. */
  readonly trace: readonly TraceEvent[];
  /** Whether the trace holds the run's gRPC messages (`RunOptions.messages`). */
  messages: boolean;
  /**
   * What the run kept (`RunOptions.reads`): `trace` and `logs` hold only those events and log
   * levels (without events, pods carry no start times or exit reasons); without decisions,
   * `explanations`, `decisions` and `history` are empty.
   */
  kept: Keeping;
  kubectlModels: string;
  kubectlServers: string;
  /** Every pod as `kubectl get pods` would show it when the run ended. */
  pods: PodRow[];
  /** `namespace/model` → the Model resource's status conditions and the events the operator
   * recorded for it (what `kubectl describe model` shows). */
  modelObjects: Map<string, ModelObject>;
  logs: LogRecord[];
  epochMs: number;
  endMs: number;
  /** The inference traffic's answers, per model (empty without traffic). */
  traffic: TrafficRow[];
  /** A problem that stopped the run (not an expectation failure). */
  error: string | null;
  /** Properties that failed. */
  violations: Violation[];
  /** The whole trace, one canonical JSON line per event, and its SHA-256 (rendered when asked for). */
  readonly traceText: string;
  readonly fingerprint: string;
}
