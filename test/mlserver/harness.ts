/**
 * Drives an `MlServer` directly with inputs, the way a runtime would: incoming calls get fresh
 * call ids, `reply`/`finish` effects are collected per call, and `setTimer` effects are kept on a
 * virtual clock that `advance` moves forward, firing due timers in order.
 *
 * Unless `roundTrip` is turned off, requests and responses cross the protobuf serializers of
 * `inference.GRPCInferenceService` (as the sim transport does), so the component reads messages
 * exactly as decoded from the wire and every message it writes must survive encoding.
 */
import type { CallId, Effect, GrpcStatus, Input, Millis } from "../../src/core/protocol.ts";
import { roundTripRequest, roundTripResponse } from "../../src/proto/index.ts";
import type { MlServer } from "../../src/mlserver/server.ts";
import type { Dispatch } from "../../src/mlserver/rest.ts";

export interface Outcome {
  message?: unknown;
  status?: GrpcStatus;
}

export class Driver {
  now: Millis = 0;
  /** Every effect the component produced, in order. */
  readonly effects: Effect[] = [];
  private nextCall = 0;
  private readonly timers = new Map<string, { due: Millis; seq: number }>();
  private timerSeq = 0;
  private readonly outcomes = new Map<CallId, Outcome>();
  private readonly methodOf = new Map<CallId, string>();
  private readonly roundTrip: boolean;

  constructor(
    readonly server: MlServer,
    readonly options: { roundTrip?: boolean } = {},
  ) {
    this.roundTrip = options.roundTrip ?? true;
  }

  feed(input: Input): Effect[] {
    const out = this.server.handle(input, this.now);
    for (const e of out) {
      this.effects.push(e);
      switch (e.kind) {
        case "setTimer":
          this.timers.set(e.timer, { due: this.now + e.afterMs, seq: this.timerSeq++ });
          break;
        case "clearTimer":
          this.timers.delete(e.timer);
          break;
        case "reply": {
          const o = this.outcome(e.call);
          if (o.message !== undefined) throw new Error(`second reply on unary call ${e.call}`);
          if (o.status !== undefined) throw new Error(`reply after finish on call ${e.call}`);
          const method = this.methodOf.get(e.call) ?? "";
          o.message = this.roundTrip ? roundTripResponse(method, e.message) : e.message;
          break;
        }
        case "finish": {
          const o = this.outcome(e.call);
          if (o.status !== undefined) throw new Error(`second finish on call ${e.call}`);
          o.status = e.status;
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  private outcome(call: CallId): Outcome {
    let o = this.outcomes.get(call);
    if (!o) {
      o = {};
      this.outcomes.set(call, o);
    }
    return o;
  }

  start(): this {
    this.feed({ kind: "start" });
    return this;
  }

  /** Starts a call and returns its id; the answer may come later (see `result`). */
  send(method: string, request: unknown = {}): CallId {
    const call = `c${this.nextCall++}`;
    this.methodOf.set(call, method);
    const req = this.roundTrip ? roundTripRequest(method, request) : request;
    this.feed({ kind: "incoming", call, method, request: req, peer: "10.0.0.1:40000" });
    return call;
  }

  /** The call's outcome so far, or undefined if nothing came back yet. */
  result(call: CallId): Outcome | undefined {
    const o = this.outcomes.get(call);
    return o && (o.message !== undefined || o.status !== undefined) ? { ...o } : undefined;
  }

  /** The final status of a call; throws if the call is not finished. */
  status(call: CallId): GrpcStatus {
    const s = this.outcomes.get(call)?.status;
    if (!s) throw new Error(`call ${call} is not finished`);
    return s;
  }

  /** A unary call that must be answered at once. */
  call(method: string, request: unknown = {}): Required<Pick<Outcome, "status">> & Outcome {
    const id = this.send(method, request);
    const o = this.result(id);
    if (!o?.status) throw new Error(`call ${id} (${method}) was not finished immediately`);
    return { ...o, status: o.status };
  }

  cancel(call: CallId): void {
    this.feed({ kind: "incomingCancelled", call });
  }

  /** Moves the clock forward, firing due timers in order of due time. */
  advance(ms: Millis): void {
    const until = this.now + ms;
    for (;;) {
      let next: [string, { due: Millis; seq: number }] | undefined;
      for (const t of this.timers) {
        if (t[1].due > until) continue;
        if (!next || t[1].due < next[1].due || (t[1].due === next[1].due && t[1].seq < next[1].seq)) next = t;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].due;
      this.feed({ kind: "timer", timer: next[0] });
    }
    this.now = until;
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  observations(type?: string): { type: string; [k: string]: unknown }[] {
    return this.effects.flatMap((e) => (e.kind === "observe" && (type === undefined || e.event.type === type) ? [e.event] : []));
  }

  /** A REST `dispatch` that drives this component synchronously (unary calls answered at once). */
  dispatch: Dispatch = async (method, request) => {
    const o = this.call(method, request);
    if (o.status.code === 0) return { ok: true, message: o.message };
    return { ok: false, code: o.status.code, details: o.status.details };
  };
}
