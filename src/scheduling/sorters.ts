/** Seldon v2.9.0's server and replica sorters (`scheduler/pkg/scheduler/sorters`). */
import { currentServer, isLoadingOrLoaded } from "./model.ts";
import type { ReplicaSorter, ServerSorter } from "./plugins.ts";
import type { ServerReplicaSnapshot } from "./types.ts";
import { uint64Sub, uint64ToFloat64 } from "./uint64.ts";

/**
 * Puts the model's current server first. Its comparator looks only at its first argument
 * ("is a the current server?"), so it is not irreflexive; Go's stable sort never compares an
 * element with itself and server names are unique, so in practice the result is "current
 * server first, the others in their previous order".
 */
export const modelAlreadyLoadedOnServerSorter: ServerSorter = {
  kind: "serverSorter",
  name: "ModelAlreadyLoadedOnServerSorter",
  isLess: (a) => currentServer(a.model) === a.server.name,
  firstArgumentOnly: (model) => {
    const current = currentServer(model);
    return (server) => current === server.name;
  },
  firstNamed: (model) => currentServer(model),
};

/** Lower replica index first. */
export const replicaIndexSorter: ReplicaSorter = {
  kind: "replicaSorter",
  name: "ReplicaIndexSorter",
  isLess: (a, b) => a.replica.idx < b.replica.idx,
  key: (_model, _server, replica) => replica.idx,
};

/**
 * Free memory as the sorter sees it: the subtraction happens in uint64, so reserved memory
 * above the available memory wraps around to a huge value, which sorts such a replica first.
 */
export function sorterFreeMemory(replica: ServerReplicaSnapshot): number {
  return Math.max(0, uint64ToFloat64(uint64Sub(replica.availableMemoryBytes, replica.reservedMemoryBytes)));
}

/** More free memory first. */
export const availableMemorySorter: ReplicaSorter = {
  kind: "replicaSorter",
  name: "AvailableMemorySorter",
  isLess: (a, b) => sorterFreeMemory(a.replica) > sorterFreeMemory(b.replica),
  key: (_model, _server, replica) => -sorterFreeMemory(replica),
};

/** Replicas where the model is requested, loading or loaded (on its current server) first. */
export const modelAlreadyLoadedSorter: ReplicaSorter = {
  kind: "replicaSorter",
  name: "ModelAlreadyLoadedSorter",
  isLess: (a, b) =>
    isLoadingOrLoaded(a.model, a.server.name, a.replica.idx) &&
    !isLoadingOrLoaded(b.model, b.server.name, b.replica.idx),
  key: (model, server, replica) => (isLoadingOrLoaded(model, server.name, replica.idx) ? 0 : 1),
};
