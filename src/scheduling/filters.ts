/**
 * Seldon v2.9.0's server and replica filters (`scheduler/pkg/scheduler/filters`), each with
 * the description text Seldon logs for it, formatted as Go's fmt would.
 */
import { goBool, goInt, goStringSlice } from "../core/gofmt.ts";
import { goTrimSpace } from "../core/goparse.ts";
import { currentServer, hasServer, latestVersion, replicaStateOf } from "./model.ts";
import type { ReplicaFilter, ServerFilter } from "./plugins.ts";
import { alreadyLoadingOrLoaded } from "./states.ts";
import type { ModelSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";
import { float64ToUint64, uint64ToFloat64 } from "./uint64.ts";

/**
 * `%v` of a string list, remembering the last two lists: an explanation prints the model's
 * requirements and the first replica's capabilities for every server, and that replica's
 * capabilities again, so most lists come back at once (snapshot lists never change). Two
 * entries and no map: nothing to allocate or collect.
 */
function listText(items: readonly string[]): string {
  if (items === lastLists[0]) return lastTexts[0];
  if (items === lastLists[1]) return lastTexts[1];
  const text = goStringSlice(items);
  lastLists[1] = lastLists[0];
  lastTexts[1] = lastTexts[0];
  lastLists[0] = items;
  lastTexts[0] = text;
  return text;
}

const lastLists: [readonly string[] | null, readonly string[] | null] = [null, null];
const lastTexts: [string, string] = ["", ""];

/** Rejects servers with no connected replica. */
export const serverReplicaFilter: ServerFilter = {
  kind: "serverFilter",
  name: "ServerReplicaFilter",
  filter: (_model, server) => server.replicas.length > 0,
  modelKey: () => "",
  reason: (_model, server) =>
    `${goInt(server.replicas.length)} server replicas (waiting for server replicas to connect)`,
};

/** A model that names a server goes only there; any other model goes only to shared servers. */
export const sharingServerFilter: ServerFilter = {
  kind: "serverFilter",
  name: "SharingServerFilter",
  filter: (model, server) =>
    model.server === null ? server.shared : model.server === server.name,
  // A requested server name is quoted, so no name can be taken for the shared case.
  modelKey: (model) => (model.server === null ? "*" : JSON.stringify(model.server)),
  reason: (model, server) =>
    model.server !== null
      ? `requested server ${model.server} == ${server.name}`
      : `sharing ${goBool(server.shared)}`,
};

/** Rejects servers whose expected replica count is 0 (being deleted); -1 (unknown) passes. */
export const deletedServerFilter: ServerFilter = {
  kind: "serverFilter",
  name: "DeletedServerFilter",
  filter: (_model, server) => server.expectedReplicas !== 0,
  modelKey: () => "",
  reason: (_model, server) => `expected replicas ${goInt(server.expectedReplicas)} != 0`,
};

/**
 * The capabilities Seldon checks requirements against: those of the "first" replica. Seldon
 * takes whichever replica a Go map iteration yields first (random when there are several);
 * we take the first replica in snapshot order.
 */
export function firstReplicaCapabilities(server: ServerSnapshot): readonly string[] {
  return server.replicas[0]?.capabilities ?? [];
}

/** Every requirement, trimmed, must equal one of the (untrimmed) capabilities. */
export const serverRequirementsFilter: ServerFilter = {
  kind: "serverFilter",
  name: "ServerRequirementsFilter",
  filter: (model, server) => {
    if (server.replicas.length === 0) return false;
    const caps = firstReplicaCapabilities(server);
    for (const req of model.requirements) if (!caps.includes(goTrimSpace(req))) return false;
    return true;
  },
  modelKey: (model) => JSON.stringify(model.requirements),
  reason: (model, server) =>
    server.replicas.length === 0
      ? `model requirements ${listText(model.requirements)}, server capabilities unknown`
      : `model requirements ${listText(model.requirements)}, server capabilities ${listText(firstReplicaCapabilities(server))}`,
};

/**
 * Whether this replica already holds (or is loading) the model on the model's current
 * server: state Loading, Loaded, Available or LoadedUnavailable (LoadRequested does not count).
 */
export function modelLoadedOnReplica(model: ModelSnapshot, replica: ServerReplicaSnapshot): boolean {
  if (!hasServer(model)) return false;
  return (
    currentServer(model) === replica.serverName &&
    alreadyLoadingOrLoaded(replicaStateOf(latestVersion(model), replica.idx))
  );
}

/**
 * Free memory as the filter sees it: available and reserved are each converted to float64,
 * subtracted, clamped at 0, and converted back to uint64.
 */
export function filterFreeMemory(replica: ServerReplicaSnapshot): bigint {
  const free = Math.max(
    0,
    uint64ToFloat64(replica.availableMemoryBytes) - uint64ToFloat64(replica.reservedMemoryBytes),
  );
  return float64ToUint64(free);
}

const TWO_POW_63 = 2 ** 63;
const TWO_POW_64 = 2 ** 64;
/** Below this a uint64's float64 is the same integer, and so is the difference of two such. */
const EXACT_IN_FLOAT64_BELOW = 1n << 53n;

/**
 * `memory <= filterFreeMemory(replica)` without building the bigint: the float64 difference
 * is a whole number (both operands are), so `uint64(free)` is `free` itself, or 2^63 from
 * 2^64 up; and comparing a bigint with a number compares their exact values.
 *
 * Memory sizes are far below 2^53, where converting both to float64 and subtracting gives the
 * integer difference exactly: the check is then `memory + reserved <= available` (or, with more
 * reserved than available, a free memory of 0) in integers. Each `Number` of a bigint is a call
 * into the runtime, and an explained decision checks every replica: at 1,000 replicas the two
 * conversions were a third of its time.
 */
export function fitsFilterFreeMemory(memory: bigint, replica: ServerReplicaSnapshot): boolean {
  const available = replica.availableMemoryBytes;
  const reserved = replica.reservedMemoryBytes;
  if (available >= 0n && available < EXACT_IN_FLOAT64_BELOW && reserved >= 0n && reserved < EXACT_IN_FLOAT64_BELOW) {
    return available >= reserved ? memory + reserved <= available : memory <= 0n;
  }
  const free = Math.max(0, uint64ToFloat64(available) - uint64ToFloat64(reserved));
  return memory <= (free >= TWO_POW_64 ? TWO_POW_63 : free);
}

/** The model fits in the replica's free memory, or is already there on its current server. */
export const availableMemoryReplicaFilter: ReplicaFilter = {
  kind: "replicaFilter",
  name: "AvailableMemoryReplicaFilter",
  filter: (model, replica) =>
    fitsFilterFreeMemory(model.memoryBytes, replica) || modelLoadedOnReplica(model, replica),
  // Seldon prints the raw available memory, not the free memory the check used.
  reason: (model, replica) =>
    `model memory ${goInt(model.memoryBytes)} replica memory ${goInt(replica.availableMemoryBytes)}`,
};

const ALIBI_EXPLAIN = "alibi-explain";

/** Explainer models need a replica with the `alibi-explain` capability; other models pass. */
export const explainerFilter: ReplicaFilter = {
  kind: "replicaFilter",
  name: "ExplainerFilter",
  filter: (model, replica) => !model.explainer || replica.capabilities.includes(ALIBI_EXPLAIN),
  // Seldon prints whether the explainer spec is ABSENT after "model is explainer".
  reason: (model, replica) =>
    `model is explainer ${goBool(!model.explainer)} replica capabilities ${listText(replica.capabilities)}`,
};

/** Rejects replicas being drained. */
export const replicaDrainingFilter: ReplicaFilter = {
  kind: "replicaFilter",
  name: "ReplicaDrainingFilter",
  filter: (_model, replica) => !replica.draining,
  reason: (_model, replica) =>
    `Replica server ${goInt(replica.idx)} is draining check ${goBool(replica.draining)}`,
};
