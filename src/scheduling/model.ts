/**
 * The questions the scheduler asks of a model's latest version (Seldon's `ModelVersion`
 * methods), answered from a snapshot.
 */
import {
  alreadyLoadingOrLoaded,
  canReceiveTraffic,
  isLoadingOrLoadedState,
  type ModelReplicaState,
} from "./states.ts";
import type { ModelSnapshot, ModelVersionState } from "./types.ts";

/** The last listed version, which the scheduler works on. */
export function latestVersion(model: ModelSnapshot): ModelVersionState {
  const versions = model.existingState.versions;
  return versions[versions.length - 1] ?? versions[0];
}

/** `Server()`: the server the latest version is assigned to, "" when none. */
export function currentServer(model: ModelSnapshot): string {
  return latestVersion(model).scheduledServer;
}

/** `HasServer()`. */
export function hasServer(model: ModelSnapshot): boolean {
  return currentServer(model) !== "";
}

/** `GetModelReplicaState(idx)`: a replica without an entry is in the unknown state. */
export function replicaStateOf(version: ModelVersionState, idx: number): ModelReplicaState {
  return version.replicaStates.get(idx) ?? "ModelReplicaStateUnknown";
}

/** `IsLoadingOrLoaded(server, idx)`: only on the version's own server; LoadRequested counts. */
export function isLoadingOrLoaded(model: ModelSnapshot, server: string, idx: number): boolean {
  const v = latestVersion(model);
  if (server !== v.scheduledServer) return false;
  const s = v.replicaStates.get(idx);
  return s !== undefined && isLoadingOrLoadedState(s);
}

/** `IsLoadingOrLoadedOnServer()`: any replica Loading/Loaded/Available/LoadedUnavailable. */
export function isLoadingOrLoadedOnServer(version: ModelVersionState): boolean {
  for (const s of version.replicaStates.values()) if (alreadyLoadingOrLoaded(s)) return true;
  return false;
}

/** `HasLiveReplicas()`: any replica Loaded/Available/LoadedUnavailable/Draining. */
export function hasLiveReplicas(version: ModelVersionState): boolean {
  for (const s of version.replicaStates.values()) if (canReceiveTraffic(s)) return true;
  return false;
}

/**
 * `len(GetAssignment())`: the replicas that are Loaded/Available/LoadedUnavailable, or,
 * when there are none, the Draining ones.
 */
export function assignmentCount(version: ModelVersionState): number {
  let serving = 0;
  let draining = 0;
  for (const s of version.replicaStates.values()) {
    if (s === "Loaded" || s === "Available" || s === "LoadedUnavailable") serving++;
    if (s === "Draining") draining++;
  }
  return serving > 0 ? serving : draining;
}
