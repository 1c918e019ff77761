/**
 * The input of one placement decision: what the Seldon scheduler reads from its store
 * when it schedules one model (`scheduleToServer`). Everything is read-only; memory
 * amounts are unsigned 64-bit values and are kept as `bigint`.
 */
import type { ModelReplicaState, ModelState } from "./states.ts";

export type { ModelReplicaState, ModelState } from "./states.ts";

/** One connected replica (agent) of a server, as in a store server snapshot. */
export interface ServerReplicaSnapshot {
  /** Replica index (the pod ordinal); unique within its server. */
  readonly idx: number;
  /** Name of the server this replica belongs to (always the owning server's name in Seldon's store). */
  readonly serverName: string;
  /** Memory the agent announced (uint64); not used by the default plugins, kept for reports. */
  readonly memoryBytes: bigint;
  /** Available memory last reported by the agent (uint64). */
  readonly availableMemoryBytes: bigint;
  /** Memory the scheduler reserved for loads in flight (uint64). */
  readonly reservedMemoryBytes: bigint;
  /** Capabilities, as the store holds them (the store trims each one when the agent subscribes). */
  readonly capabilities: readonly string[];
  /** Over-commit percentage announced by the agent (uint32); informational. */
  readonly overCommitPercentage: number;
  /** Whether the replica is being drained. */
  readonly draining: boolean;
  /** Model versions loaded on this replica (`name` or `name:version`); informational. */
  readonly loadedModels: readonly string[];
}

/** One server as in a store server snapshot. */
export interface ServerSnapshot {
  readonly name: string;
  readonly shared: boolean;
  /** -1 while unknown (the store's initial value), 0 when the server is being deleted. */
  readonly expectedReplicas: number;
  /** Connected replicas, in store order (Seldon itself iterates a Go map here, i.e. in random order). */
  readonly replicas: readonly ServerReplicaSnapshot[];
}

/** The scheduler-side state of one version of the model. */
export interface ModelVersionState {
  /** Version number (uint32); versions are listed in increasing order. */
  readonly version: number;
  /** The server the version is currently assigned to; "" when none (Seldon's `Server()`). */
  readonly scheduledServer: string;
  readonly modelState: ModelState;
  /** Replica index → state of this version on that replica of `scheduledServer`. Missing = unknown. */
  readonly replicaStates: ReadonlyMap<number, ModelReplicaState>;
}

/** A non-empty list: the scheduler refuses to work on a model without a latest version. */
export type NonEmptyList<T> = readonly [T, ...T[]];

/** The model to place. The spec fields are those of the latest version. */
export interface ModelSnapshot {
  readonly name: string;
  /** Required capabilities, untrimmed (Seldon trims each one only when comparing). */
  readonly requirements: readonly string[];
  /** Required memory (Seldon's `GetRequiredMemory()`: spec memory × runtime instance count), uint64. */
  readonly memoryBytes: bigint;
  /** Desired replicas (uint32). */
  readonly replicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The server named in the model spec, or null when the model may go to any shared server. */
  readonly server: string | null;
  /** Whether the spec carries an explainer. */
  readonly explainer: boolean;
  /** Whether the model is being deleted. */
  readonly deleted: boolean;
  readonly existingState: { readonly versions: NonEmptyList<ModelVersionState> };
}

export interface SchedulingSnapshot {
  /** All servers the scheduler knows, in store order. */
  readonly servers: readonly ServerSnapshot[];
  readonly model: ModelSnapshot;
}
