/**
 * The run as one JSON document (`seldon-sim run --json`, described by schema/run.schema.json):
 * everything the HTML report draws, so other tools can draw it too. Byte counts are strings
 * (uint64 does not fit a JSON number); times are virtual milliseconds since the run began.
 */
import { formatLog } from "../runtime/logfmt.ts";
import type { TraceEvent } from "../runtime/engine.ts";
import type { ModelRow, ScenarioResult, TrafficRow } from "../scenario/result.ts";
import type { TrafficResponse } from "../traffic/envoy.ts";
import type { Explanation } from "../scheduling/decide.ts";
import { DEFAULT_CHAINS } from "../scheduling/registry.ts";
import { diagnose, type Finding } from "./diagnosis.ts";

export const RUN_DOCUMENT_FORMAT = "seldon-sim-run/v1";

export interface RunDocument {
  format: typeof RUN_DOCUMENT_FORMAT;
  scenarios: ScenarioDocument[];
}

export interface DecisionDocument {
  /** Virtual time of the decision when the trace holds it, else null. */
  t: number | null;
  version: number;
  outcome: string;
  error: string | null;
  server: string | null;
  replicaIdxs: number[];
  explanation: Explanation;
}

/** A model's row as the run reports it, with its diagnosis and decisions. */
export interface ModelDocument extends ModelRow {
  diagnosis: { sentence: string; fix: string | null; findings: Finding[] } | null;
  decisions: DecisionDocument[];
}

export interface TrafficDocument extends TrafficRow {
  responses: { t: number; id: number; protocol: string; version?: number; endpoint?: string; code: string; httpStatus?: number; details: string; latencyMs: number }[];
}

export interface ScenarioDocument {
  name: string;
  file: string;
  description: string;
  runtime: string;
  seed: number;
  passed: boolean;
  error: string | null;
  epochMs: number;
  endMs: number;
  expectations: { description: string; passed: boolean; actual: string | null; origin: { file: string; line: number | null; path: string } }[];
  kubectl: { models: string; servers: string };
  /** Inference traffic per model, with every answer. */
  traffic: TrafficDocument[];
  pods: { namespace: string; name: string; ready: string; status: string; restarts: number; startedAt: number | null; containers: { name: string; up: boolean; restarts: number; lastExit: string | null }[] }[];
  /** Filter names in the order Seldon runs them: the columns of every explanation matrix. */
  filters: { server: string[]; replica: string[] };
  servers: {
    namespace: string;
    name: string;
    replicas: { idx: number; totalMemoryBytes: string; availableMemoryBytes: string; reservedMemoryBytes: string; loadedModels: number }[];
  }[];
  models: ModelDocument[];
  /** Processes as `namespace/pod/container`, with their role. */
  processes: { id: string; namespace: string; pod: string; container: string }[];
  /** Who called whom, how often, and how many calls failed (a blocked link fails them all). */
  links: { from: string; to: string; method: string; calls: number; failures: number; lastError: string | null }[];
  messages: { t: number; from: string; to: string; method: string; kind: "request" | "response" | "error"; code: number | null; text: string }[];
  timeline: { t: number; lane: string; kind: string; label: string }[];
  logs: { t: number; namespace: string; pod: string; container: string; role: string; level: string; line: string }[];
}

/** A message is summarised to this many characters: enough to see which model it is about. */
const MESSAGE_TEXT = 240;

export function runDocument(results: readonly ScenarioResult[]): RunDocument {
  return { format: RUN_DOCUMENT_FORMAT, scenarios: results.map(scenarioDocument) };
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? "";

function scenarioDocument(r: ScenarioResult): ScenarioDocument {
  const trace = r.trace;
  const decisionTimes = new Map<string, number[]>();
  for (const ev of trace) {
    if (ev.type !== "observe") continue;
    const e = ev.event as { type?: unknown; model?: unknown };
    if (e.type !== "scheduler.decision" || typeof e.model !== "string") continue;
    const key = `${ev.proc.split("/")[0]}/${e.model}`;
    (decisionTimes.get(key) ?? decisionTimes.set(key, []).get(key)!).push(ev.t);
  }
  const models: ModelDocument[] = r.models.map((m) => {
    const key = `${m.namespace}/${m.name}`;
    const last = r.decisions.get(key);
    const d = last && !last.full.scheduled ? diagnose(last) : null;
    const times = decisionTimes.get(key) ?? [];
    const history = r.history.get(key) ?? [];
    return {
      ...m,
      replicaStates: { ...m.replicaStates },
      diagnosis: d ? { sentence: d.sentence, fix: d.fix, findings: [...d.findings] } : null,
      decisions: history.map((v, i) => ({
        t: times.length === history.length ? times[i]! : null,
        version: v.full.version,
        outcome: v.full.outcome,
        error: v.full.error,
        server: v.full.scheduled ? v.full.server : null,
        replicaIdxs: v.full.scheduled ? [...v.full.replicaIdxs] : [],
        explanation: v.full.explanation,
      })),
    };
  });
  const procs = new Map<string, { id: string; namespace: string; pod: string; container: string }>();
  const proc = (id: string) => {
    const [namespace = "", pod = "", container = ""] = id.split("/");
    if (container && !procs.has(id)) procs.set(id, { id, namespace, pod, container });
  };
  const links = new Map<string, ScenarioDocument["links"][number]>();
  const messages: ScenarioDocument["messages"] = [];
  const timeline: ScenarioDocument["timeline"] = [];
  // A call's opening names the pod and port it dials; its messages name the process it reached.
  for (const ev of trace) addEvent(ev);
  function addEvent(ev: TraceEvent): void {
    switch (ev.type) {
      case "message":
        proc(ev.from);
        proc(ev.to);
        messages.push({ t: ev.t, from: ev.from, to: ev.to, method: ev.method, kind: ev.dir, code: null, text: json(ev.message).slice(0, MESSAGE_TEXT) });
        if (ev.dir === "request") link(ev.from, ev.to, ev.method).calls++;
        return;
      case "callClose":
        if (ev.code === 0) return;
        proc(ev.from);
        {
          const l = link(ev.from, ev.to, ev.method);
          l.failures++;
          l.lastError = ev.details;
          if (!procs.has(ev.to)) l.calls++;
        }
        messages.push({ t: ev.t, from: ev.from, to: ev.to, method: ev.method, kind: "error", code: ev.code, text: ev.details.slice(0, MESSAGE_TEXT) });
        timeline.push({ t: ev.t, lane: ev.from, kind: "grpc-error", label: `${shortMethod(ev.method)} → ${ev.to}: code ${ev.code} ${ev.details}`.slice(0, MESSAGE_TEXT) });
        return;
      case "lifecycle":
        proc(ev.proc);
        timeline.push({ t: ev.t, lane: ev.proc, kind: "lifecycle", label: `${ev.what}${ev.reason ? `: ${ev.reason}` : ""}` });
        return;
      case "observe": {
        const e = ev.event as Record<string, unknown>;
        const type = String(e["type"] ?? "");
        if (type === "scheduler.decision") {
          timeline.push({ t: ev.t, lane: ev.proc, kind: "decision", label: `decision for ${String(e["model"])}` });
          return;
        }
        const { type: _t, ...rest } = e;
        timeline.push({ t: ev.t, lane: ev.proc, kind: type, label: `${type} ${json(rest)}`.slice(0, MESSAGE_TEXT) });
        return;
      }
      default:
        return;
    }
  }
  function link(from: string, to: string, method: string) {
    const key = `${from}\u0000${to}\u0000${method}`;
    let l = links.get(key);
    if (!l) links.set(key, (l = { from, to, method, calls: 0, failures: 0, lastError: null }));
    return l;
  }
  return {
    name: r.name,
    file: r.file,
    description: r.description,
    runtime: r.runtime,
    seed: r.seed,
    passed: r.passed,
    error: r.error,
    epochMs: r.epochMs,
    endMs: r.endMs,
    expectations: r.expectations.map((e) => ({
      description: e.description, passed: e.passed, actual: e.actual ?? null,
      origin: { file: e.origin.file, line: e.origin.line ?? null, path: e.origin.path },
    })),
    kubectl: { models: r.kubectlModels, servers: r.kubectlServers },
    traffic: trafficDocuments(r),
    pods: r.pods.map((x) => ({ ...x, containers: x.containers.map((c) => ({ ...c })) })),
    filters: { server: DEFAULT_CHAINS.serverFilters.map((f) => f.name), replica: DEFAULT_CHAINS.replicaFilters.map((f) => f.name) },
    servers: r.servers.map((s) => ({
      namespace: s.namespace,
      name: s.name,
      replicas: s.replicas.map((x) => ({
        idx: x.idx, totalMemoryBytes: String(x.totalMemoryBytes), availableMemoryBytes: String(x.availableMemoryBytes),
        reservedMemoryBytes: String(x.reservedMemoryBytes), loadedModels: x.loadedModels,
      })),
    })),
    models,
    processes: [...procs.values()].sort((a, b) => a.id.localeCompare(b.id)),
    links: [...links.values()],
    messages,
    timeline,
    logs: r.logs.map((l) => ({ t: l.t, namespace: l.namespace, pod: l.pod, container: l.container, role: l.role, level: l.level, line: formatLog(l, r.epochMs) })),
  };
}

function trafficDocuments(r: ScenarioResult): TrafficDocument[] {
  if (r.traffic.length === 0) return [];
  const docs = r.traffic.map((t) => ({ ...t, codes: { ...t.codes }, responses: [] as TrafficDocument["responses"] }));
  for (const ev of r.trace) {
    if (ev.type !== "observe" || ev.event.type !== "traffic.response") continue;
    const e = ev.event as unknown as TrafficResponse;
    const ns = ev.proc.slice(0, ev.proc.indexOf("/"));
    const doc = docs.find((d) => d.namespace === ns && d.model === e.model);
    if (!doc) continue;
    doc.responses.push({
      t: ev.t, id: e.id, protocol: e.protocol,
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
      code: e.code,
      ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
      details: e.details, latencyMs: e.latencyMs,
    });
  }
  return docs;
}

export function shortMethod(method: string): string {
  return method.slice(method.lastIndexOf("/") + 1);
}
