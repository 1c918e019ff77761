/**
 * Read models of a running cluster for the control API: namespaces, servers with their replicas'
 * capacity, models with replica states, and the scheduler's decisions with their explanations.
 * Plain JSON (memory as decimal strings: byte counts exceed what JSON numbers hold exactly).
 */
import type { Session } from "../cluster/session.ts";
import { modelRow, type ModelRow } from "../scenario/runner.ts";
import { renderDecisionText } from "../scheduling/render.ts";
import { DEFAULT_CHAINS } from "../scheduling/registry.ts";

export interface NamespaceView {
  name: string;
  runtime: boolean;
  schedulerUp: boolean;
}

export interface ReplicaView {
  idx: number;
  totalMemoryBytes: string;
  availableMemoryBytes: string;
  reservedMemoryBytes: string;
  loadedModels: string[];
}

export interface ServerStateView {
  namespace: string;
  name: string;
  replicas: ReplicaView[];
}

export interface DecisionView {
  namespace: string;
  model: string;
  server: string | null;
  replicas: number[];
  error: string | null;
  explanation: string;
}

export function namespaces(session: Session): NamespaceView[] {
  return session.cluster.namespaces.map((n) => ({ name: n.name, runtime: n.runtime, schedulerUp: session.scheduler(n.name) !== null }));
}

export function servers(session: Session): ServerStateView[] {
  const out: ServerStateView[] = [];
  for (const ns of session.cluster.namespaces) {
    for (const s of session.scheduler(ns.name)?.store.servers.values() ?? []) {
      out.push({
        namespace: ns.name,
        name: s.name,
        replicas: [...s.replicas.values()].sort((a, b) => a.idx - b.idx).map((r) => ({
          idx: r.idx,
          totalMemoryBytes: String(r.memory),
          availableMemoryBytes: String(r.availableMemory),
          reservedMemoryBytes: String(r.reservedMemory),
          loadedModels: [...r.loaded].sort(),
        })),
      });
    }
  }
  return out;
}

export function models(session: Session): ModelRow[] {
  const seen = new Set<string>();
  const rows: ModelRow[] = [];
  const add = (ns: string, name: string): void => {
    const k = `${ns}/${name}`;
    if (seen.has(k)) return;
    seen.add(k);
    const r = modelRow(session, ns, name);
    if (r) rows.push(r);
  };
  for (const m of session.controller()?.models() ?? []) add(m.namespace, m.name);
  for (const ns of session.cluster.namespaces) for (const name of session.scheduler(ns.name)?.store.models.keys() ?? []) add(ns.name, name);
  return rows;
}

/** Decisions, most recent last; `limit` keeps the last ones. */
export function decisions(session: Session, filter: { namespace?: string; model?: string; limit?: number } = {}): DecisionView[] {
  const out: DecisionView[] = [];
  for (const ns of session.cluster.namespaces) {
    if (filter.namespace !== undefined && filter.namespace !== ns.name) continue;
    for (const d of session.scheduler(ns.name)?.decisions ?? []) {
      if (filter.model !== undefined && d.full.model !== filter.model) continue;
      out.push({
        namespace: ns.name, model: d.full.model, server: d.decision.server, replicas: d.decision.replicaIdxs, error: d.decision.error,
        explanation: renderDecisionText(d.full, DEFAULT_CHAINS),
      });
    }
  }
  return filter.limit !== undefined ? out.slice(-filter.limit) : out;
}
