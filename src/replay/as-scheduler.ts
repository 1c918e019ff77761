/**
 * Replays the scheduler's side of a recorded conversation for a real agent or controller: the
 * component dials us, so we listen, match each of its calls to the next recorded call of that
 * method, compare every message it sends with the recorded one, and answer from the recording.
 *
 * Stream messages the scheduler sent (an agent's ModelOperationMessages, a controller's status
 * events) are paced by the component, not the clock: each goes out once the component has sent as
 * many messages as it had when the recorded scheduler sent it, plus the recorded gap since the
 * last of them. A recorded scheduler only ever answered what it had been told, so this keeps the
 * conversation's causality even when the component is faster or slower than the recorded one.
 */
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "../proto/index.ts";
import { toJsonValue, type RecordEntry } from "../recording/entry.ts";
import { callsOf, diffPaths, SIDE_SERVICE, type Divergence, type ReplayResult, type Side } from "./replay.ts";

export interface AsSchedulerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** How long to keep listening for unrecorded messages once everything recorded has happened. */
  settleMs?: number;
  /** How long a silent component is waited for (before it connects, or between its messages). */
  waitMs?: number;
}

export interface RunningAsScheduler {
  /** The port actually bound. */
  port: number;
  /** Settles when the replay is over; the server is shut down by then. */
  result: Promise<ReplayResult>;
  /** Ends the replay early (what happened so far is the result). */
  stop(): void;
}

/** One stream message the recorded scheduler sent, and what paces it. */
interface Pending {
  /** Messages the component had sent (all calls of the service) when this one was sent. */
  after: number;
  /** Recorded time from the last of those messages to this one. */
  gapMs: number;
  message: unknown;
}

type Status = { code: number; details: string };

interface ActiveCall {
  stream: number;
  method: string;
  requests: unknown[];
  /** Stream messages still to send, in order; empty for a unary call. */
  pending: Pending[];
  status: Status | null;
  received: number;
  write: ((m: unknown) => void) | null;
  finish: ((s: Status) => void) | null;
  sending: boolean;
}

export async function replayAsScheduler(entries: readonly RecordEntry[], peer: Side, o: AsSchedulerOptions): Promise<RunningAsScheduler> {
  const service = SIDE_SERVICE[peer];
  const settleMs = o.settleMs ?? 2_000;
  const waitMs = o.waitMs ?? 30_000;
  const recorded = callsOf(entries, peer);
  const byStream = new Map(recorded.map((c) => [c.stream, c]));

  // Pace every recorded stream message by the component's messages before it (file order is time order).
  const pendingOf = new Map<number, Pending[]>();
  let requestsSoFar = 0;
  let lastRequestAt = recorded[0]?.start ?? 0;
  for (const e of entries) {
    const c = byStream.get(e.stream);
    if (!c || e.method !== c.method) continue;
    if (e.kind === "message" && e.direction === "request") {
      requestsSoFar++;
      lastRequestAt = e.virtualMs;
    } else if (e.kind === "message") {
      const list = pendingOf.get(e.stream) ?? [];
      list.push({ after: requestsSoFar, gapMs: Math.max(0, e.virtualMs - lastRequestAt), message: e.message });
      pendingOf.set(e.stream, list);
    }
  }
  const totalRequests = requestsSoFar;

  const queues = new Map<string, typeof recorded>();
  for (const c of recorded) queues.set(c.method, [...(queues.get(c.method) ?? []), c]);
  const active: ActiveCall[] = [];
  let received = 0;
  let compared = 0;
  let divergence: Divergence | null = null;
  let finished = false;
  const timers = new Set<NodeJS.Timeout>();
  let idle: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  let resolveResult!: (r: ReplayResult) => void;
  const result = new Promise<ReplayResult>((r) => { resolveResult = r; });
  const server = new grpc.Server();

  const end = () => {
    if (finished) return;
    finished = true;
    for (const t of timers) clearTimeout(t);
    clearTimeout(idle);
    clearTimeout(settle);
    divergence ??= firstMissing();
    server.forceShutdown();
    resolveResult({ calls: recorded.length, compared, divergence });
  };
  const diverge = (d: Divergence) => {
    divergence ??= d;
    end();
  };
  // A recorded message the component never sent, in recorded order.
  const firstMissing = (): Divergence | null => {
    for (const c of recorded) {
      const a = active.find((x) => x.stream === c.stream);
      const got = a?.received ?? 0;
      if (got < c.requests.length) {
        const rec = c.requests[got]!.message;
        return { method: c.method, stream: c.stream, index: got, recorded: rec, actual: null, diff: diffPaths(rec, undefined) };
      }
    }
    return null;
  };
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => { timers.delete(t); f(); }, ms);
    timers.add(t);
  };
  const activity = () => {
    if (finished) return;
    clearTimeout(idle);
    idle = setTimeout(end, waitMs);
    const allSent = active.length === recorded.length && active.every((a) => a.pending.length === 0 && !a.sending);
    clearTimeout(settle);
    if (received >= totalRequests && allSent) settle = setTimeout(end, settleMs);
  };
  const pump = (a: ActiveCall) => {
    if (finished || a.sending || !a.write) return;
    const next = a.pending[0];
    if (!next) {
      if (a.status) a.finish?.(a.status);
      activity();
      return;
    }
    if (received < next.after) return;
    a.sending = true;
    later(next.gapMs, () => {
      a.sending = false;
      a.pending.shift();
      a.write?.(next.message);
      activity();
      pump(a);
    });
  };
  const attach = (method: string): ActiveCall | null => {
    const c = queues.get(method)?.shift();
    if (!c) {
      diverge({ method, stream: -1, index: 0, recorded: null, actual: method, diff: [`(call): (missing) → ${method}`] });
      return null;
    }
    // CANCELLED is the component giving up the call (it was stopped while recording), not an
    // answer: sending it would end a stream the component still wants.
    const status = c.status && c.status.code !== grpc.status.CANCELLED ? c.status : null;
    const a: ActiveCall = { stream: c.stream, method, requests: c.requests.map((r) => r.message), pending: [...(pendingOf.get(c.stream) ?? [])], status, received: 0, write: null, finish: null, sending: false };
    active.push(a);
    return a;
  };
  const onRequest = (a: ActiveCall, message: object) => {
    if (finished) return;
    const actual = toJsonValue(message);
    const rec = a.requests[a.received];
    const index = a.received++;
    received++;
    compared++;
    const diff = diffPaths(rec, actual);
    if (diff.length > 0) return diverge({ method: a.method, stream: a.stream, index, recorded: rec ?? null, actual, diff });
    for (const x of active) pump(x);
    activity();
  };
  const asError = (s: Status): grpc.ServiceError => Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: new grpc.Metadata() });

  const def = serviceDefinition(service);
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(def)) {
    const path = m.path;
    if (!m.requestStream && !m.responseStream) {
      impl[name] = (call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) => {
        const a = attach(path);
        if (!a) return cb(asError({ code: grpc.status.UNIMPLEMENTED, details: "replay: no such call recorded" }));
        onRequest(a, call.request);
        const c = byStream.get(a.stream)!;
        if (c.responses.length > 0) cb(null, c.responses[0] as object);
        else cb(asError(c.status ?? { code: grpc.status.UNAVAILABLE, details: "replay: the recording holds no answer" }));
        activity();
      };
      continue;
    }
    if (m.requestStream) {
      // A stream the component opened but never wrote to leaves no trace in a recording, so a call
      // is matched at its first message, not at its opening.
      impl[name] = (call: grpc.ServerReadableStream<object, object> | grpc.ServerDuplexStream<object, object>, cb?: grpc.sendUnaryData<object>) => {
        let a: ActiveCall | null = null;
        let open = true;
        call.on("cancelled", () => { open = false; if (a) a.write = null; });
        call.on("error", () => {});
        call.on("data", (msg: object) => {
          if (!a) {
            a = attach(path);
            if (!a) return;
            const duplex = m.responseStream ? (call as grpc.ServerDuplexStream<object, object>) : null;
            const recordedCall = byStream.get(a.stream)!;
            a.write = (out) => { if (open && duplex) duplex.write(out as object); };
            a.finish = (s) => {
              if (!open) return;
              open = false;
              if (duplex) {
                if (s.code === 0) duplex.end();
                else duplex.emit("error", asError(s));
              } else if (s.code === 0) cb?.(null, (recordedCall.responses[0] ?? {}) as object);
              else cb?.(asError(s));
            };
          }
          onRequest(a, msg);
          pump(a);
        });
      };
      continue;
    }
    impl[name] = (call: grpc.ServerWritableStream<object, object>) => {
      const a = attach(path);
      if (!a) return call.emit("error", asError({ code: grpc.status.UNIMPLEMENTED, details: "replay: no such call recorded" }));
      let open = true;
      call.on("cancelled", () => { open = false; a.write = null; });
      a.write = (msg) => { if (open) call.write(msg as object); };
      a.finish = (s) => {
        if (!open) return;
        open = false;
        if (s.code === 0) call.end();
        else call.emit("error", asError(s));
      };
      onRequest(a, call.request);
    };
  }
  server.addService(def, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.host}:${o.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  activity();
  return { port, result, stop: end };
}
