/**
 * A recording → a scenario to replay in `sim`: the servers and replicas the agents announced
 * (Subscribe: memory, capabilities, over-commit), the models the controller sent (LoadModel) and
 * removed (UnloadModel) in the order and at the times they were recorded.
 */
import { stringify } from "yaml";
import { UserError } from "../core/errors.ts";
import { methodName, type RecordEntry } from "./entry.ts";

interface ServerSeen { name: string; namespace: string; replicas: number; memory: number; capabilities: string[]; overCommit: number }

type Rec = Record<string, any>;

/** Parses JSON Lines, naming the file and line of anything that is not a recording entry. */
export function readRecording(text: string, file: string): RecordEntry[] {
  const out: RecordEntry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch (err) {
      throw new UserError(`not JSON: ${(err as Error).message}`, { file, line: i + 1 });
    }
    const r = e as Partial<RecordEntry>;
    if (typeof r !== "object" || r === null || typeof r.method !== "string" || typeof r.virtualMs !== "number" || (r.kind !== "message" && r.kind !== "status")) {
      throw new UserError("expected a recording entry (method, virtualMs, kind; see schema/recording.schema.json)", { file, line: i + 1 });
    }
    out.push(r as RecordEntry);
  });
  return out;
}

/** The namespace of an end named `namespace/pod/container`, if it is one of ours. */
function namespaceOf(end: string): string | null {
  const parts = end.split("/");
  return parts.length === 3 && !end.startsWith("outside ") ? parts[0]! : null;
}

export function importScenario(entries: readonly RecordEntry[], name: string, fallbackNamespace = "seldon-mesh"): string {
  const servers = new Map<string, ServerSeen>();
  const timeline: Rec[] = [];
  const namespaces = new Set<string>();
  let t0: number | null = null;
  for (const e of entries) {
    if (e.kind !== "message" || e.direction !== "request") continue;
    const m = (e.message ?? {}) as Rec;
    const method = methodName(e.method);
    if (e.method.includes(".AgentService/") && method === "Subscribe") {
      const ns = namespaceOf(e.to) ?? fallbackNamespace;
      namespaces.add(ns);
      const key = `${ns}/${m.serverName}`;
      const s = servers.get(key) ?? { name: String(m.serverName ?? "server"), namespace: ns, replicas: 0, memory: 0, capabilities: [], overCommit: 0 };
      s.replicas = Math.max(s.replicas, Number(m.replicaIdx ?? 0) + 1);
      s.memory = Math.max(s.memory, Number(m.replicaConfig?.memoryBytes ?? 0));
      if (Array.isArray(m.replicaConfig?.capabilities) && m.replicaConfig.capabilities.length > 0) s.capabilities = m.replicaConfig.capabilities.map(String);
      s.overCommit = Number(m.replicaConfig?.overCommitPercentage ?? 0);
      servers.set(key, s);
      t0 ??= e.virtualMs;
    } else if (e.method.includes(".Scheduler/") && method === "LoadModel" && m.model?.meta?.name) {
      const ns = String(m.model.meta.kubernetesMeta?.namespace || namespaceOf(e.to) || fallbackNamespace);
      namespaces.add(ns);
      const spec: Rec = { storageUri: String(m.model.modelSpec?.uri ?? "") };
      if (Array.isArray(m.model.modelSpec?.requirements) && m.model.modelSpec.requirements.length > 0) spec.requirements = m.model.modelSpec.requirements;
      if (Number(m.model.modelSpec?.memoryBytes) > 0) spec.memory = String(m.model.modelSpec.memoryBytes);
      if (m.model.modelSpec?.server) spec.server = m.model.modelSpec.server;
      spec.replicas = Number(m.model.deploymentSpec?.replicas ?? 1);
      timeline.push({ at: e.virtualMs, apply: { apiVersion: "mlops.seldon.io/v1alpha1", kind: "Model", metadata: { name: m.model.meta.name, namespace: ns }, spec } });
    } else if (e.method.includes(".Scheduler/") && method === "UnloadModel" && m.model?.name) {
      const ns = String(m.kubernetesMeta?.namespace || namespaceOf(e.to) || fallbackNamespace);
      timeline.push({ at: e.virtualMs, delete: `Model/${ns}/${m.model.name}` });
    }
  }
  if (servers.size === 0 && timeline.length === 0) throw new UserError("import: the recording has no Subscribe, LoadModel or UnloadModel request to build a scenario from");
  // Times relative to the first agent's subscription (or the first step), rounded to ms; a
  // model applied before any agent subscribed comes right at the start.
  const start = t0 ?? Math.min(...timeline.map((s) => s.at as number));
  const steps: Rec[] = timeline.map((s) => ({ ...s, at: `${Math.max(0, Math.round((s.at as number) - start)) + 5000}ms` }));
  // A model deleted but never applied in the recording cannot be deleted in the scenario.
  const applied = new Set(steps.filter((s) => s.apply).map((s) => `${s.apply.metadata.namespace}/${s.apply.metadata.name}`));
  const kept = steps.filter((s) => !s.delete || applied.has(String(s.delete).slice("Model/".length)));
  const doc = {
    name,
    description: `Imported from a recording: ${servers.size} server(s) as their agents announced them, ${kept.length} step(s) in the recorded order.`,
    cluster: {
      controller: "seldon-system",
      namespaces: [...namespaces].sort(),
      servers: [...servers.values()].map((s) => ({
        name: s.name, namespace: s.namespace, replicas: s.replicas,
        ...(s.memory > 0 ? { memory: String(s.memory) } : {}),
        ...(s.capabilities.length > 0 ? { capabilities: s.capabilities } : {}),
        overCommitPercentage: s.overCommit,
      })),
    },
    timeline: kept,
  };
  return `# Imported by seldon-sim import; times are from the first agent's subscription, plus 5 s for the pods to come up.\n${stringify(doc)}`;
}
