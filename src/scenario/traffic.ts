/**
 * The scenario's inference traffic as a result shows it: per model, the requests each
 * namespace's Envoy sent and how they were answered (from its `traffic.response` observations,
 * and its calls still open), and the check of `expect.traffic`.
 */
import type { TraceEvent } from "../runtime/engine.ts";
import type { TrafficResponse } from "../traffic/envoy.ts";
import type { ExpectationResult, TrafficRow } from "./result.ts";
import type { TrafficExpectation } from "./types.ts";

/**
 * One row per model that had traffic, in order of first answer. `pending` gives, per namespace,
 * the requests still waiting for an answer by model.
 */
export function trafficRows(trace: readonly TraceEvent[], pending: (namespace: string) => ReadonlyMap<string, number>, namespaces: readonly string[]): TrafficRow[] {
  const rows = new Map<string, TrafficRow>();
  const row = (namespace: string, model: string): TrafficRow => {
    const key = `${namespace}/${model}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { namespace, model, sent: 0, ok: 0, failed: 0, pending: 0, codes: {} }));
    return r;
  };
  for (const ev of trace) {
    if (ev.type !== "observe" || ev.event.type !== "traffic.response") continue;
    const namespace = ev.proc.slice(0, ev.proc.indexOf("/"));
    const e = ev.event as unknown as TrafficResponse;
    const r = row(namespace, e.model);
    r.sent++;
    if (e.code === "OK") r.ok++;
    else r.failed++;
    r.codes[e.code] = (r.codes[e.code] ?? 0) + 1;
  }
  for (const ns of namespaces) {
    for (const [model, n] of pending(ns)) {
      const r = row(ns, model);
      r.sent += n;
      r.pending += n;
    }
  }
  return [...rows.values()];
}

export function checkTraffic(rows: readonly TrafficRow[], e: TrafficExpectation): ExpectationResult {
  const r = rows.find((x) => x.namespace === e.namespace && x.model === e.model);
  const wanted: string[] = [];
  const failures: string[] = [];
  const cmp = (label: string, want: number | undefined, got: number) => {
    if (want === undefined) return;
    wanted.push(`${label} ${want}`);
    if (want !== got) failures.push(`${label} is ${got}`);
  };
  cmp("sent", e.sent, r?.sent ?? 0);
  cmp("ok", e.ok, r?.ok ?? 0);
  cmp("failed", e.failed, r?.failed ?? 0);
  for (const [code, n] of Object.entries(e.codes ?? {})) cmp(code, n, r?.codes[code] ?? 0);
  const description = `traffic to ${e.namespace}/${e.model}: ${wanted.join(", ")}`;
  if (failures.length === 0) return { description, passed: true, origin: e.origin };
  const seen = (r ? Object.entries(r.codes).map(([c, n]) => `${c} ${n}`).join(", ") : "") || "none";
  return { description, passed: false, actual: `${failures.join("; ")} (answers: ${seen})`, origin: e.origin };
}
