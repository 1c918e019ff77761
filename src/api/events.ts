/**
 * Live events for the control API's Server-Sent Events stream: model and replica state changes,
 * log lines, scheduling decisions and faults that fired. Read from the engine's trace after each
 * step (so nothing is added to the components), and only while someone listens.
 */
import type { Session } from "../cluster/session.ts";
import type { TraceEvent } from "../runtime/engine.ts";
import { formatWithSource } from "../runtime/logfmt.ts";
import { models } from "./state.ts";

export type LiveEvent =
  | { type: "model"; t: number; namespace: string; name: string; state: string; reason: string; ready: boolean; replicaStates: Record<string, string> }
  | { type: "log"; t: number; proc: string; level: string; msg: string; line: string }
  | { type: "decision"; t: number; proc: string; model: string; server: string | null; error: string | null }
  | { type: "fault"; t: number; fault: string; action: string; method: string; from: string; to: string; dir: string };

export class EventHub {
  private readonly listeners = new Set<(e: LiveEvent) => void>();
  private traceIndex: number;
  private readonly lastModel = new Map<string, string>();

  constructor(private readonly session: Session) {
    this.traceIndex = session.engine.trace.length;
    session.engine.onStep.push(() => this.poll());
  }

  subscribe(listener: (e: LiveEvent) => void): () => void {
    if (this.listeners.size === 0) this.resync();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget what was seen while nobody listened, so a first listener starts from now. */
  private resync(): void {
    this.traceIndex = this.session.engine.trace.length;
    this.lastModel.clear();
    for (const m of models(this.session)) this.lastModel.set(`${m.namespace}/${m.name}`, modelKey(m));
  }

  /** Emit what happened since the last poll; called after every step and after API actions. */
  poll(): void {
    if (this.listeners.size === 0) return;
    const trace = this.session.engine.trace;
    // The trace may have been trimmed by a retention limit: carry on from its end.
    if (this.traceIndex > trace.length) this.traceIndex = trace.length;
    for (; this.traceIndex < trace.length; this.traceIndex++) {
      const e = fromTrace(trace[this.traceIndex]!, this.session);
      if (e) this.emit(e);
    }
    for (const m of models(this.session)) {
      const k = `${m.namespace}/${m.name}`;
      const key = modelKey(m);
      if (this.lastModel.get(k) === key) continue;
      this.lastModel.set(k, key);
      this.emit({ type: "model", t: this.session.now, namespace: m.namespace, name: m.name, state: m.state, reason: m.reason, ready: m.ready, replicaStates: m.replicaStates });
    }
  }

  private emit(e: LiveEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function modelKey(m: { state: string; reason: string; ready: boolean; replicaStates: Record<string, string> }): string {
  return JSON.stringify([m.state, m.reason, m.ready, m.replicaStates]);
}

function fromTrace(ev: TraceEvent, session: Session): LiveEvent | null {
  switch (ev.type) {
    case "log": {
      const [namespace = "", pod = "", container = ""] = ev.proc.split("/");
      const line = formatWithSource({ t: ev.t, namespace, pod, container, role: container, level: ev.level, msg: ev.msg, ...(ev.fields ? { fields: ev.fields } : {}) }, session.engine.epochMs);
      return { type: "log", t: ev.t, proc: ev.proc, level: ev.level, msg: ev.msg, line };
    }
    case "observe":
      if (ev.event.type !== "scheduler.decision") return null;
      return {
        type: "decision", t: ev.t, proc: ev.proc, model: String(ev.event.model),
        server: typeof ev.event.server === "string" ? ev.event.server : null,
        error: typeof ev.event.error === "string" ? ev.event.error : null,
      };
    case "fault":
      return { type: "fault", t: ev.t, fault: ev.fault, action: ev.action, method: ev.method, from: ev.from, to: ev.to, dir: ev.dir };
    default:
      return null;
  }
}
