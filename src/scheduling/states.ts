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

/** `CanReceiveTraffic`: the replica serves (or may soon serve, via an envoy update) requests. */
export function canReceiveTraffic(s: ModelReplicaState): boolean {
  return s === "Loaded" || s === "Available" || s === "LoadedUnavailable" || s === "Draining";
}

/** `AlreadyLoadingOrLoaded`: note that LoadRequested is NOT part of this set. */
export function alreadyLoadingOrLoaded(s: ModelReplicaState): boolean {
  return s === "Loading" || s === "Loaded" || s === "Available" || s === "LoadedUnavailable";
}

/** `IsLoadingOrLoaded`: like `alreadyLoadingOrLoaded` but LoadRequested counts too. */
export function isLoadingOrLoadedState(s: ModelReplicaState): boolean {
  return (
    s === "Loaded" || s === "LoadRequested" || s === "Loading" || s === "Available" || s === "LoadedUnavailable"
  );
}

/** `UnloadingOrUnloaded` (the unknown state counts as unloaded). */
export function unloadingOrUnloaded(s: ModelReplicaState): boolean {
  return (
    s === "UnloadEnvoyRequested" ||
    s === "UnloadRequested" ||
    s === "Unloading" ||
    s === "Unloaded" ||
    s === "ModelReplicaStateUnknown"
  );
}
