/** The shapes of the four kinds of scheduling plugins. */
import type { ModelSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";

/** Decides whether a server may host the model at all. */
export interface ServerFilter {
  readonly kind: "serverFilter";
  readonly name: string;
  filter(model: ModelSnapshot, server: ServerSnapshot): boolean;
  /** Seldon's description text for this check (the same text whether it passes or not). */
  reason(model: ModelSnapshot, server: ServerSnapshot): string;
  /**
   * Everything of the model the verdict depends on, as a string: on one server snapshot, two
   * models with the same key get the same verdict. It lets a decision reuse the verdicts of
   * servers whose snapshot has not changed (`ServerVerdictCache`); a chain with a filter that
   * has no key is evaluated afresh on every server.
   */
  modelKey?(model: ModelSnapshot): string;
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
  /**
   * For a sorter whose `isLess(a, b)` looks only at `a`: that predicate for one model, so that
   * finding a list already in order takes one cheap call per server.
   */
  firstArgumentOnly?(model: ModelSnapshot): (server: ServerSnapshot) => boolean;
  /**
   * For a sorter whose `isLess(a, b)` is "`a` is the server of this name": the name for one
   * model, so that a decision told where each server sits (`DecideOptions.serverPositions`)
   * finds a list already in order without reading every server.
   */
  firstNamed?(model: ModelSnapshot): string;
}

/** Orders the suitable replicas of a server; applied with Go's stable sort. */
export interface ReplicaSorter {
  readonly kind: "replicaSorter";
  readonly name: string;
  isLess(a: CandidateReplica, b: CandidateReplica): boolean;
  /**
   * For a sorter whose `isLess(a, b)` is `key(a) < key(b)`: that key (never NaN), so that a
   * sort works the key out once per replica instead of twice per comparison.
   */
  key?(model: ModelSnapshot, server: ServerSnapshot, replica: ServerReplicaSnapshot): number;
}

export type SchedulingPlugin = ServerFilter | ReplicaFilter | ServerSorter | ReplicaSorter;
