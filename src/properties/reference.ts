/**
 * Reference model of Seldon Core v2.9.0's placement of one model (`scheduleToServer`), written
 * as plain predicates over a store snapshot so that it can be diffed against `decide()`.
 * It is deliberately formulated differently from the production code: the filter chains are
 * single conjunctions and the three replica sorts are one lexicographic comparator.
 *
 * Where docs/seldon-v2-essentials.md §5 and Seldon v2.9.0 differ, Seldon's behaviour is modelled:
 * - The "first replica" whose capabilities ServerRequirementsFilter checks is whichever replica a Go map iteration yields (unspecified); we take the first in store order.
 * - ServerRequirementsFilter rejects a server without replicas even when the model has no requirements.
 * - AvailableMemoryReplicaFilter subtracts reserved from available in float64, clamps at 0 and converts back to uint64 (so large amounts are rounded, and a difference of 2^64 becomes 2^63 on amd64).
 * - AvailableMemoryReplicaFilter's "already there" exemption counts Loading, Loaded, Available and LoadedUnavailable on the model's current server, not LoadRequested.
 * - AvailableMemorySorter subtracts reserved from available in uint64, so reserved above available wraps to a huge free amount that sorts first.
 * - AvailableMemorySorter compares the free amounts as float64, so amounts that round to the same double tie.
 * - ModelAlreadyLoadedSorter also counts LoadRequested, and only on the model version's current server.
 * - The server scale-up event after a min-replicas placement is published only when the version has a server at that point; it is also published on the not-enough-replicas failure.
 * - On the not-enough-replicas failure FailedScheduling clears the version's server only when it has no live replica and no replica Loading, Loaded, Available or LoadedUnavailable.
 * - With 0 desired replicas the first accepted server (in sorted order) is chosen with an empty replica list.
 */
import type { Decision } from "../scheduling/decide.ts";
import type {
  ModelReplicaState,
  ModelSnapshot,
  ModelVersionState,
  SchedulingSnapshot,
  ServerReplicaSnapshot,
  ServerSnapshot,
} from "../scheduling/types.ts";

export interface ReferenceOutcome {
  /** True when replicas were placed. */
  scheduled: boolean;
  server: string | null;
  /** In the order handed to the store. */
  replicaIdxs: number[];
  /** Seldon's FailedScheduling message, or null. */
  error: string | null;
  /** The placement came from the minReplicas second pass. */
  minReplicasFallback: boolean;
}

const NO_SERVER_MSG = "Failed to schedule model as no matching servers are available";
const NO_REPLICAS_MSG = "Failed to schedule model as no matching server had enough suitable replicas";

// ---- Go numerics -----------------------------------------------------------------------------

const TWO_64 = 2n ** 64n;

/** Go's `float64(u)` for a uint64: the nearest double (ties to even), as `Number` rounds. */
const toFloat = (u: bigint): number => Number(u);

/**
 * Go's `uint64(f)` for a non-negative float on amd64: truncation; at or above 2^64 the compiled
 * code (subtract 2^63, convert as int64 which overflows to the sign bit, set the top bit) gives 2^63.
 */
function toUint64(f: number): bigint {
  return f >= 2 ** 64 ? 2n ** 63n : BigInt(Math.trunc(f));
}

/** Go's `a - b` on uint64 (wraps). */
const subUint64 = (a: bigint, b: bigint): bigint => (((a - b) % TWO_64) + TWO_64) % TWO_64;

/** Go's `strings.TrimSpace`: Unicode White_Space at both ends (not U+FEFF, unlike JS `trim`). */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const goTrimSpace = (s: string): string => s.replace(GO_SPACE, "");

// ---- The model's latest version -----------------------------------------------------------

const latest = (m: ModelSnapshot): ModelVersionState => m.existingState.versions[m.existingState.versions.length - 1]!;

/** `Server()` of the latest version; "" when it has none. */
const currentServerOf = (m: ModelSnapshot): string => latest(m).scheduledServer;

const stateOn = (m: ModelSnapshot, idx: number): ModelReplicaState | undefined => latest(m).replicaStates.get(idx);

// ---- Server filters: all four must hold (the order only matters for log lines) ------------------

function serverAccepts(m: ModelSnapshot, s: ServerSnapshot): boolean {
  const hasReplicas = s.replicas.length > 0;
  const sharingOk = m.server === null ? s.shared : m.server === s.name;
  const notBeingDeleted = s.expectedReplicas !== 0; // -1 (unknown) passes
  // Capabilities live on replicas; the first one speaks for the whole server. Only the
  // requirement is trimmed, so a capability stored with spaces never matches.
  const caps = s.replicas[0]?.capabilities ?? [];
  const requirementsOk = hasReplicas && m.requirements.every((r) => caps.includes(goTrimSpace(r)));
  return hasReplicas && sharingOk && notBeingDeleted && requirementsOk;
}

// ---- Replica filters: all three must hold --------------------------------------------------------

/** The model already occupies memory here: a load is under way or done on its current server. */
function occupiesReplica(m: ModelSnapshot, r: ServerReplicaSnapshot): boolean {
  const here = currentServerOf(m);
  const st = stateOn(m, r.idx);
  return (
    here !== "" &&
    here === r.serverName &&
    (st === "Loading" || st === "Loaded" || st === "Available" || st === "LoadedUnavailable")
  );
}

function replicaAccepts(m: ModelSnapshot, r: ServerReplicaSnapshot): boolean {
  const free = toUint64(Math.max(0, toFloat(r.availableMemoryBytes) - toFloat(r.reservedMemoryBytes)));
  const memoryOk = m.memoryBytes <= free || occupiesReplica(m, r);
  const explainerOk = !m.explainer || r.capabilities.includes("alibi-explain");
  return memoryOk && explainerOk && !r.draining;
}

// ---- Orders ------------------------------------------------------------------------------------

/** The model's current server first, the others in store order (server names are unique). */
function orderServers(m: ModelSnapshot, servers: ServerSnapshot[]): ServerSnapshot[] {
  const cur = currentServerOf(m);
  return [...servers].sort((a, b) => Number(b.name === cur) - Number(a.name === cur));
}

/** Counts for ModelAlreadyLoadedSorter: requested, loading or loaded on the version's own server. */
function requestedOrLoaded(m: ModelSnapshot, serverName: string, idx: number): boolean {
  const st = stateOn(m, idx);
  return (
    serverName === currentServerOf(m) &&
    (st === "LoadRequested" || st === "Loading" || st === "Loaded" || st === "Available" || st === "LoadedUnavailable")
  );
}

/**
 * Seldon stable-sorts by index, then by free memory, then by "already loaded"; that equals one
 * stable sort keyed (already loaded first, more free memory first, lower index first).
 */
function orderReplicas(m: ModelSnapshot, s: ServerSnapshot, replicas: ServerReplicaSnapshot[]): ServerReplicaSnapshot[] {
  const sorterFree = (r: ServerReplicaSnapshot) => toFloat(subUint64(r.availableMemoryBytes, r.reservedMemoryBytes));
  return [...replicas].sort((a, b) => {
    const loaded = Number(requestedOrLoaded(m, s.name, b.idx)) - Number(requestedOrLoaded(m, s.name, a.idx));
    if (loaded !== 0) return loaded;
    const fa = sorterFree(a);
    const fb = sorterFree(b);
    if (fa !== fb) return fa > fb ? -1 : 1;
    return a.idx - b.idx;
  });
}

// ---- The decision ------------------------------------------------------------------------------

/** Where Seldon v2.9.0 places the snapshot's model (UpdateLoadedModels cannot fail on a snapshot). */
export function referencePlace(snapshot: SchedulingSnapshot): ReferenceOutcome {
  const m = snapshot.model;
  const nothing = { scheduled: false, server: null, replicaIdxs: [], minReplicasFallback: false };
  // A deleted model is only unloaded; no server is looked at and no error is returned.
  if (m.deleted) return { ...nothing, error: null };

  const accepted = orderServers(m, snapshot.servers.filter((s) => serverAccepts(m, s)));
  if (accepted.length === 0) return { ...nothing, error: NO_SERVER_MSG };

  const candidates = accepted.map((s) => ({
    name: s.name,
    idxs: orderReplicas(m, s, s.replicas.filter((r) => replicaAccepts(m, r))).map((r) => r.idx),
  }));
  const desired = m.replicas;

  // Pass 1: the first server with enough suitable replicas for the desired count.
  const full = candidates.find((c) => c.idxs.length >= desired);
  if (full) {
    return { scheduled: true, server: full.name, replicaIdxs: full.idxs.slice(0, desired), error: null, minReplicasFallback: false };
  }
  // Pass 2 (only with minReplicas > 0): the first server with at least minReplicas gets as
  // many as it has, up to the desired count.
  if (m.minReplicas > 0) {
    const partial = candidates.find((c) => c.idxs.length >= m.minReplicas);
    if (partial) {
      return {
        scheduled: true,
        server: partial.name,
        replicaIdxs: partial.idxs.slice(0, Math.min(partial.idxs.length, desired)),
        error: null,
        minReplicasFallback: true,
      };
    }
  }
  return { ...nothing, error: NO_REPLICAS_MSG };
}

/** The production decision, reduced to the fields the reference predicts. */
function outcomeOf(d: Decision): ReferenceOutcome {
  if (d.outcome === "deleted") {
    return { scheduled: false, server: null, replicaIdxs: [], error: null, minReplicasFallback: false };
  }
  return {
    scheduled: d.scheduled,
    server: d.server,
    replicaIdxs: [...d.replicaIdxs],
    error: d.error,
    minReplicasFallback: d.minReplicasFallback === "succeeded",
  };
}

/** Compare with the production decision; returns null when they agree, else a one-line description of the first difference. */
export function diffWithReference(snapshot: SchedulingSnapshot, decision: Decision): string | null {
  const want = referencePlace(snapshot);
  const got = outcomeOf(decision);
  const fields = ["scheduled", "server", "replicaIdxs", "error", "minReplicasFallback"] as const;
  for (const f of fields) {
    const w = JSON.stringify(want[f]);
    const g = JSON.stringify(got[f]);
    if (w !== g) return `${f}: reference ${w}, production ${g}`;
  }
  return null;
}
