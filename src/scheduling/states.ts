/**
 * Seldon Core v2.9.0 state names and the predicates the scheduler uses on them
 * (`scheduler/pkg/store/mesh.go`). The names are those Seldon prints with `String()`.
 */

/** Per-replica state of one model version (store `ModelReplicaState`), in Seldon's declaration order. */
export const MODEL_REPLICA_STATES = [
  "ModelReplicaStateUnknown",
  "LoadRequested",
  "Loading",
  "Loaded",
  "LoadFailed",
  "UnloadEnvoyRequested",
  "UnloadRequested",
  "Unloading",
  "Unloaded",
  "UnloadFailed",
  "Available",
  "LoadedUnavailable",
  "Draining",
] as const;
export type ModelReplicaState = (typeof MODEL_REPLICA_STATES)[number];

/** State of a model version as a whole (store `ModelState`). v2.9.0 has exactly these eight. */
export const MODEL_STATES = [
  "ModelStateUnknown",
  "ModelProgressing",
  "ModelAvailable",
  "ModelFailed",
  "ModelTerminating",
  "ModelTerminated",
  "ModelTerminateFailed",
  "ScheduleFailed",
] as const;
export type ModelState = (typeof MODEL_STATES)[number];

export function isModelReplicaState(s: string): s is ModelReplicaState {
  return (MODEL_REPLICA_STATES as readonly string[]).includes(s);
}

export function isModelState(s: string): s is ModelState {
  return (MODEL_STATES as readonly string[]).includes(s);
}

const states = (...s: ModelReplicaState[]): ReadonlySet<ModelReplicaState> => new Set(s);

/** `CanReceiveTraffic`: the replica serves (or may soon serve, via an envoy update) requests. */
export const CAN_RECEIVE_TRAFFIC = states("Loaded", "Available", "LoadedUnavailable", "Draining");
/** `AlreadyLoadingOrLoaded`: note that LoadRequested is NOT part of this set. */
export const ALREADY_LOADING_OR_LOADED = states("Loading", "Loaded", "Available", "LoadedUnavailable");
/** `IsLoadingOrLoaded`: like `ALREADY_LOADING_OR_LOADED` but LoadRequested counts too. */
export const LOADING_OR_LOADED = states("LoadRequested", "Loading", "Loaded", "Available", "LoadedUnavailable");
/** `UnloadingOrUnloaded` (the unknown state counts as unloaded). */
export const UNLOADING_OR_UNLOADED = states("UnloadEnvoyRequested", "UnloadRequested", "Unloading", "Unloaded", "ModelReplicaStateUnknown");

export const canReceiveTraffic = (s: ModelReplicaState): boolean => CAN_RECEIVE_TRAFFIC.has(s);
export const alreadyLoadingOrLoaded = (s: ModelReplicaState): boolean => ALREADY_LOADING_OR_LOADED.has(s);
export const isLoadingOrLoadedState = (s: ModelReplicaState): boolean => LOADING_OR_LOADED.has(s);
export const unloadingOrUnloaded = (s: ModelReplicaState): boolean => UNLOADING_OR_UNLOADED.has(s);
