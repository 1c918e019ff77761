/**
 * Why a decision went as it did: every filter's verdict on every server and replica, and the
 * orders Seldon tries them in. Recorded compactly as the decision is made (verdicts as bytes,
 * orders as positions), and spelled out with Seldon's reason texts only when read: the text
 * is the same whenever it is read, because it is formatted from the snapshot the decision saw,
 * and snapshots never change.
 */
import { sortReplicaPositions, sortedServerPositions } from "./ordering.ts";
import type { SchedulerChains } from "./registry.ts";
import type { ServerVerdictCache } from "./server-verdicts.ts";
import type { ModelSnapshot, SchedulingSnapshot, ServerSnapshot } from "./types.ts";

/** The outcome of one plugin check. `reason` is Seldon's description text, pass or fail. */
export interface FilterResult {
  readonly name: string;
  readonly pass: boolean;
  readonly reason: string;
}

export interface ReplicaExplanation {
  readonly idx: number;
  /** All replica filters pass. Only meaningful when the server is accepted. */
  readonly accepted: boolean;
  readonly filters: readonly FilterResult[];
}

export interface ServerExplanation {
  readonly name: string;
  /** All server filters pass. */
  readonly accepted: boolean;
  readonly filters: readonly FilterResult[];
  readonly replicas: readonly ReplicaExplanation[];
}

export interface Explanation {
  /** Every server in snapshot order, every filter evaluated (even after one rejected). */
  readonly servers: readonly ServerExplanation[];
  /** Accepted servers after the server sorters, in the order Seldon tries them. */
  readonly serverOrder: readonly string[];
  /** For each accepted server: its suitable replica indexes after the replica sorters. */
  readonly replicaOrder: Readonly<Record<string, readonly number[]>>;
}

export const EMPTY_EXPLANATION: Explanation = { servers: [], serverOrder: [], replicaOrder: {} };

/** Every verdict and order of one decision, as small integers over its snapshot. */
export interface ExplanationRecord {
  readonly snapshot: SchedulingSnapshot;
  readonly chains: SchedulerChains;
  /** `serverPass[i * serverFilters + j]`: server filter j accepts server i (1) or not (0). */
  readonly serverPass: Uint8Array;
  /** Replica filter verdicts, server by server and replica by replica, `replicaFilters` each. */
  readonly replicaPass: Uint8Array;
  /** Positions of the accepted servers, in the order Seldon tries them. */
  readonly order: readonly number[];
  /** Where each server's replica verdicts start in `replicaPass`, in replicas. */
  readonly firstReplica: readonly number[];
  /**
   * Positions of the suitable replicas of `order[k]`, sorted: worked out from the verdicts
   * when the decision tries that server or a reader asks for the replica order.
   */
  readonly suitable: (readonly number[] | undefined)[];
}

/** Positions of the suitable replicas of the k-th accepted server, after the replica sorters. */
export function suitableReplicas(record: ExplanationRecord, k: number): readonly number[] {
  let positions = record.suitable[k];
  if (positions === undefined) {
    const { snapshot, chains, replicaPass } = record;
    const i = record.order[k]!;
    const server = snapshot.servers[i]!;
    const kr = chains.replicaFilters.length;
    const base = record.firstReplica[i]!;
    const found: number[] = [];
    for (let p = 0; p < server.replicas.length; p++) if (allSet(replicaPass, (base + p) * kr, kr)) found.push(p);
    sortReplicaPositions(snapshot.model, server, found, chains.replicaSorters);
    positions = found;
    record.suitable[k] = positions;
  }
  return positions;
}

/**
 * Evaluates every filter on every server and replica (none skipped) and orders the accepted
 * servers; each one's replicas are ordered when first needed (`suitableReplicas`). With a
 * cache, server filter verdicts on unchanged server snapshots are reused.
 */
export function recordExplanation(
  snapshot: SchedulingSnapshot,
  chains: SchedulerChains,
  cache?: ServerVerdictCache,
): ExplanationRecord {
  const { model, servers } = snapshot;
  const serverFilters = chains.serverFilters;
  const replicaFilters = chains.replicaFilters;
  const ks = serverFilters.length;
  const kr = replicaFilters.length;
  const masks = cache?.masks(model, servers, serverFilters) ?? null;
  let replicaCount = 0;
  for (const s of servers) replicaCount += s.replicas.length;
  const serverPass = new Uint8Array(servers.length * ks);
  const replicaPass = new Uint8Array(replicaCount * kr);
  const accepted: number[] = [];
  const firstReplica: number[] = [];
  let r = 0;
  for (let i = 0; i < servers.length; i++) {
    const server = servers[i]!;
    let passesAll = true;
    for (let j = 0; j < ks; j++) {
      const pass = masks !== null ? (masks[i]! >>> j) & 1 : serverFilters[j]!.filter(model, server) ? 1 : 0;
      serverPass[i * ks + j] = pass;
      if (pass === 0) passesAll = false;
    }
    if (passesAll) accepted.push(i);
    firstReplica.push(r);
    for (const replica of server.replicas) {
      for (let j = 0; j < kr; j++) replicaPass[r * kr + j] = replicaFilters[j]!.filter(model, replica) ? 1 : 0;
      r++;
    }
  }
  const order = sortedServerPositions(model, servers, accepted, chains.serverSorters);
  return { snapshot, chains, serverPass, replicaPass, order, firstReplica, suitable: [] };
}

function allSet(bytes: Uint8Array, from: number, count: number): boolean {
  for (let j = 0; j < count; j++) if (bytes[from + j] === 0) return false;
  return true;
}

/** The explanation spelled out: names, verdicts and Seldon's reason texts. */
export function formatExplanation(record: ExplanationRecord): Explanation {
  const { snapshot, chains, serverPass, replicaPass } = record;
  const model: ModelSnapshot = snapshot.model;
  const serverFilters = chains.serverFilters;
  const replicaFilters = chains.replicaFilters;
  const ks = serverFilters.length;
  const kr = replicaFilters.length;
  let r = 0;
  const servers = snapshot.servers.map((server, i): ServerExplanation => {
    const filters = serverFilters.map((f, j) => ({
      name: f.name,
      pass: serverPass[i * ks + j] === 1,
      reason: f.reason(model, server),
    }));
    const replicas = server.replicas.map((replica): ReplicaExplanation => {
      const from = r * kr;
      r++;
      const rf = replicaFilters.map((f, j) => ({
        name: f.name,
        pass: replicaPass[from + j] === 1,
        reason: f.reason(model, replica),
      }));
      return { idx: replica.idx, accepted: allSet(replicaPass, from, kr), filters: rf };
    });
    return { name: server.name, accepted: allSet(serverPass, i * ks, ks), filters, replicas };
  });
  const tried: ServerSnapshot[] = record.order.map((i) => snapshot.servers[i]!);
  const replicaOrder: Record<string, readonly number[]> = {};
  tried.forEach((server, k) => {
    replicaOrder[server.name] = suitableReplicas(record, k).map((p) => server.replicas[p]!.idx);
  });
  return { servers, serverOrder: tried.map((s) => s.name), replicaOrder };
}
