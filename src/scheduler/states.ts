/**
 * Model replica states and model version states, as the scheduler's store keeps them.
 *
 * Seldon's store sets replica states from a handful of operations; each operation may only move
 * a replica from certain states. We name those operations (`ReplicaCause`) and keep the legal
 * moves in one table, so that a move the real store could never make is an error here instead of
 * a silent drift.
 */

// The names and Seldon's predicates over them are the placement layer's; the store adds its own sets.
import {
  ALREADY_LOADING_OR_LOADED,
  CAN_RECEIVE_TRAFFIC,
  LOADING_OR_LOADED,
  MODEL_REPLICA_STATES,
  MODEL_STATES,
  UNLOADING_OR_UNLOADED,
  type ModelReplicaState,
  type ModelState,
} from "../scheduling/states.ts";

export { ALREADY_LOADING_OR_LOADED, CAN_RECEIVE_TRAFFIC, LOADING_OR_LOADED, MODEL_STATES, UNLOADING_OR_UNLOADED, type ModelState };
export const REPLICA_STATES = MODEL_REPLICA_STATES;
export type ReplicaState = ModelReplicaState;

const set = (...s: ReplicaState[]): ReadonlySet<ReplicaState> => new Set(s);

/** Nothing of the version is (or is about to be) on the replica. */
export const INACTIVE = set("Unloaded", "UnloadFailed", "ModelReplicaStateUnknown", "LoadFailed");
/** States that count as an assignment (replicas envoy routes to). */
export const ASSIGNED = set("Loaded", "Available", "LoadedUnavailable");

/** Why the store moves a replica. Each names one place in the scheduler where the move happens. */
export type ReplicaCause =
  /** The placement chose this replica and the model is not already loading or loaded there. */
  | "schedule"
  /** The placement no longer includes this replica. */
  | "deschedule"
  /** The load request was written to the agent's stream. */
  | "loadSent"
  /** The agent stream could not take the load request. */
  | "loadSendFailed"
  /** Agent event LOADED / LOAD_FAILED / LOAD_FAIL_MEMORY. */
  | "agentLoaded"
  | "agentLoadFailed"
  /** The routing update (envoy) ran: routed replicas become Available (or LoadedUnavailable). */
  | "routed"
  | "routeFailed"
  /** The routing update removed the route: unloading may proceed. */
  | "unrouted"
  /** A whole version is to be unloaded (deleted model, superseded version). */
  | "unloadVersion"
  | "unloadSent"
  | "unloadSendFailed"
  | "agentUnloaded"
  | "agentUnloadFailed"
  /** The server replica disconnected while this version was superseded or deleted. */
  | "replicaRemoved"
  /** The server replica is being drained. */
  | "drain"
  /** The agent re-subscribed reporting the model as loaded. */
  | "agentReportsLoaded";

type From = ReadonlySet<ReplicaState> | "any";

const ALL_BUT = (...s: ReplicaState[]): ReadonlySet<ReplicaState> =>
  new Set(REPLICA_STATES.filter((x) => !s.includes(x)));

/** The legal moves per cause. `from` lists the states the real store can be in when it makes the move. */
export const REPLICA_TRANSITIONS: Record<ReplicaCause, { from: From; to: readonly ReplicaState[] }> = {
  schedule: { from: ALL_BUT(...ALREADY_LOADING_OR_LOADED), to: ["LoadRequested"] },
  deschedule: { from: ALL_BUT(...UNLOADING_OR_UNLOADED, "Draining"), to: ["UnloadEnvoyRequested"] },
  loadSent: { from: set("LoadRequested"), to: ["Loading"] },
  loadSendFailed: { from: set("LoadRequested"), to: ["LoadFailed"] },
  agentLoaded: { from: set("Loading"), to: ["Loaded"] },
  agentLoadFailed: { from: set("Loading"), to: ["LoadFailed"] },
  routed: { from: ASSIGNED, to: ["Available"] },
  routeFailed: { from: ASSIGNED, to: ["LoadedUnavailable"] },
  unrouted: { from: set("UnloadEnvoyRequested"), to: ["UnloadRequested"] },
  unloadVersion: { from: ALL_BUT(...UNLOADING_OR_UNLOADED), to: ["UnloadRequested"] },
  unloadSent: { from: set("UnloadRequested"), to: ["Unloading"] },
  unloadSendFailed: { from: set("UnloadRequested"), to: ["UnloadFailed"] },
  agentUnloaded: { from: set("Unloading"), to: ["Unloaded"] },
  agentUnloadFailed: { from: set("Unloading"), to: ["UnloadFailed"] },
  replicaRemoved: { from: "any", to: ["Unloaded"] },
  drain: { from: "any", to: ["Draining"] },
  agentReportsLoaded: { from: "any", to: ["Loaded"] },
};

export class IllegalTransition extends Error {
  constructor(readonly from: ReplicaState, readonly to: ReplicaState, readonly via: ReplicaCause) {
    super(`illegal model replica transition ${from} -> ${to} (${via})`);
    this.name = "IllegalTransition";
  }
}

export function isLegalReplicaTransition(from: ReplicaState, to: ReplicaState, cause: ReplicaCause): boolean {
  const rule = REPLICA_TRANSITIONS[cause];
  return (rule.from === "any" || rule.from.has(from)) && rule.to.includes(to);
}

/** Throws `IllegalTransition` unless the move is one the real store makes for that cause. */
export function checkReplicaTransition(from: ReplicaState, to: ReplicaState, cause: ReplicaCause): void {
  if (!isLegalReplicaTransition(from, to, cause)) throw new IllegalTransition(from, to, cause);
}

export interface ReplicaStatus {
  state: ReplicaState;
  reason: string;
  /** When the state was set (run time in ms). */
  at: number;
}

export interface ModelStatus {
  state: ModelState;
  reason: string;
  availableReplicas: number;
  unavailableReplicas: number;
  drainingReplicas: number;
  at: number;
}

interface ReplicaStats {
  available: number;
  loading: number;
  loadFailed: number;
  unloading: number;
  unloaded: number;
  unloadFailed: number;
  draining: number;
  lastFailedAt: number;
  lastFailedReason: string;
  latestAt: number;
}

function replicaStats(replicas: Iterable<ReplicaStatus>, deleted: boolean): ReplicaStats {
  const s: ReplicaStats = {
    available: 0, loading: 0, loadFailed: 0, unloading: 0, unloaded: 0, unloadFailed: 0, draining: 0,
    lastFailedAt: -1, lastFailedReason: "", latestAt: 0,
  };
  for (const r of replicas) {
    switch (r.state) {
      case "Available": s.available++; break;
      case "LoadRequested": case "Loading": case "Loaded": s.loading++; break;
      case "LoadFailed": case "LoadedUnavailable":
        s.loadFailed++;
        if (!deleted && r.at > s.lastFailedAt) { s.lastFailedAt = r.at; s.lastFailedReason = r.reason; }
        break;
      case "UnloadEnvoyRequested": case "UnloadRequested": case "Unloading": s.unloading++; break;
      case "Unloaded": s.unloaded++; break;
      case "UnloadFailed":
        s.unloadFailed++;
        if (deleted && r.at > s.lastFailedAt) { s.lastFailedAt = r.at; s.lastFailedReason = r.reason; }
        break;
      case "Draining": s.draining++; break;
      case "ModelReplicaStateUnknown": break;
    }
    if (r.at > s.latestAt) s.latestAt = r.at;
  }
  return s;
}

export interface DerivationInput {
  replicas: Iterable<ReplicaStatus>;
  /** The model is being deleted. */
  deleted: boolean;
  /** This version is the latest one. */
  isLatest: boolean;
  desiredReplicas: number;
  minReplicas: number;
  /** The last version in `ModelAvailable` is another version than this one. */
  replacingAvailableVersion: boolean;
}

/**
 * A version's state derived from its replicas. Note that `Loaded` is not yet available: a replica
 * counts as available only once routing made it `Available`. `ScheduleFailed` is never derived;
 * only a failed placement sets it.
 */
export function deriveModelStatus(input: DerivationInput): ModelStatus {
  const s = replicaStats(input.replicas, input.deleted);
  let state: ModelState;
  let reason = "";
  let at = s.latestAt;
  if (input.deleted || !input.isLatest) {
    if (s.unloadFailed > 0) {
      state = "ModelTerminateFailed";
      reason = s.lastFailedReason;
      at = s.lastFailedAt;
    } else if (s.unloading > 0 || s.available > 0 || s.loading > 0) {
      state = "ModelTerminating";
    } else {
      state = "ModelTerminated";
    }
  } else if (s.loadFailed > 0) {
    state = "ModelFailed";
    reason = s.lastFailedReason;
    at = s.lastFailedAt;
  } else if (
    s.available === input.desiredReplicas ||
    (input.minReplicas > 0 && s.available >= input.minReplicas) ||
    (s.available > 0 && input.replacingAvailableVersion)
  ) {
    state = "ModelAvailable";
  } else {
    state = "ModelProgressing";
  }
  return {
    state,
    reason,
    availableReplicas: s.available,
    unavailableReplicas: s.loading + s.loadFailed,
    drainingReplicas: s.draining,
    at,
  };
}
