/** The shapes of the four kinds of scheduling plugins. */
import type { ModelSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";

/** Decides whether a server may host the model at all. */
export interface ServerFilter {
  readonly kind: "serverFilter";
  readonly name: string;
  filter(model: ModelSnapshot, server: ServerSnapshot): boolean;
  /** Seldon's description text for this check (the same text whether it passes or not). */
  reason(model: ModelSnapshot, server: ServerSnapshot): string;
}

/** Decides whether one replica of an accepted server may take a copy of the model. */
export interface ReplicaFilter {
  readonly kind: "replicaFilter";
  readonly name: string;
  filter(model: ModelSnapshot, replica: ServerReplicaSnapshot): boolean;
  reason(model: ModelSnapshot, replica: ServerReplicaSnapshot): string;
}

export interface CandidateServer {
  readonly model: ModelSnapshot;
  readonly server: ServerSnapshot;
}

export interface CandidateReplica {
  readonly model: ModelSnapshot;
  readonly server: ServerSnapshot;
  readonly replica: ServerReplicaSnapshot;
}

/** Orders accepted servers; applied with Go's stable sort. */
export interface ServerSorter {
  readonly kind: "serverSorter";
  readonly name: string;
  isLess(a: CandidateServer, b: CandidateServer): boolean;
}

/** Orders the suitable replicas of a server; applied with Go's stable sort. */
export interface ReplicaSorter {
  readonly kind: "replicaSorter";
  readonly name: string;
  isLess(a: CandidateReplica, b: CandidateReplica): boolean;
}

export type SchedulingPlugin = ServerFilter | ReplicaFilter | ServerSorter | ReplicaSorter;
