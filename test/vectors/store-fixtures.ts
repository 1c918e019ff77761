/**
 * Builds a scheduler store in a given state directly (models, versions, replica states, server
 * replicas and what they hold), so that one store operation can be checked from a known start.
 */
import { MemoryStore } from "../../src/scheduler/store.ts";
import { Model, ModelVersion, Server, versionKey } from "../../src/scheduler/model.ts";
import type { ModelState, ReplicaState } from "../../src/scheduler/states.ts";
import type { PbModel } from "../../src/proto/messages.ts";

export interface VersionFixture {
  version: number;
  defn?: Partial<PbModel>;
  server?: string;
  replicas?: Record<number, ReplicaState | { state: ReplicaState; reason?: string; at?: number }>;
  state?: ModelState;
}

export interface ReplicaFixture {
  loaded?: [string, number][];
  loading?: [string, number][];
  reservedMemory?: bigint;
  memory?: bigint;
  availableMemory?: bigint;
  draining?: boolean;
}

export interface StoreFixture {
  models?: Record<string, { versions: VersionFixture[]; deleted?: boolean }>;
  servers?: Record<string, { replicas: Record<number, ReplicaFixture>; expectedReplicas?: number; shared?: boolean }>;
}

export function buildStore(f: StoreFixture, clock: () => number = () => 1000): MemoryStore {
  const store = new MemoryStore(clock);
  for (const [name, m] of Object.entries(f.models ?? {})) {
    const model = new Model(name);
    model.deleted = m.deleted ?? false;
    for (const v of m.versions) {
      const defn: PbModel = { meta: { name }, ...structuredClone(v.defn ?? {}) };
      const mv = new ModelVersion(defn, v.version);
      mv.server = v.server ?? "";
      for (const [idx, r] of Object.entries(v.replicas ?? {})) {
        const rs = typeof r === "string" ? { state: r } : r;
        mv.replicas.set(Number(idx), { state: rs.state, reason: rs.reason ?? "", at: rs.at ?? 0 });
      }
      if (v.state) mv.status = { ...mv.status, state: v.state };
      model.versions.push(mv);
    }
    store.models.set(name, model);
  }
  for (const [name, s] of Object.entries(f.servers ?? {})) {
    const server = new Server(name, s.shared ?? true);
    if (s.expectedReplicas !== undefined) server.expectedReplicas = s.expectedReplicas;
    for (const [i, r] of Object.entries(s.replicas)) {
      const idx = Number(i);
      server.replicas.set(idx, {
        serverName: name, idx, inferenceSvc: "", inferenceHttpPort: 0, inferenceGrpcPort: 0, capabilities: [],
        memory: r.memory ?? 0n, availableMemory: r.availableMemory ?? 0n, reservedMemory: r.reservedMemory ?? 0n,
        overCommitPercentage: 0,
        loaded: new Set((r.loaded ?? []).map(([n, v]) => versionKey(n, v))),
        loading: new Set((r.loading ?? []).map(([n, v]) => versionKey(n, v))),
        draining: r.draining ?? false, revision: 0, loadedChanges: 0, lastLoadedChange: null,
      });
    }
    store.servers.set(name, server);
  }
  return store;
}

/** Distinct model names a server replica holds loaded (Seldon's `GetNumLoadedModels`). */
export function uniqueLoadedModels(store: MemoryStore, server: string, idx: number): string[] {
  const replica = store.servers.get(server)!.replicas.get(idx)!;
  return [...new Set([...replica.loaded].map((k) => k.slice(0, k.lastIndexOf(":"))))].sort();
}
