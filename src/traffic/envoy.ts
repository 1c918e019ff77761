/**
 * The data-plane entry of a namespace (Seldon's `seldon-mesh` Envoy) as far as a scenario's
 * inference traffic needs it: each request is routed as the scheduler's route table says (the
 * model's route, its traffic split over versions, the replicas' reverse-proxy endpoints), sent to
 * the chosen replica's agent with the `seldon-internal-model` and `seldon-model` headers, and its
 * answer recorded as a `traffic.response` observation.
 *
 * Choices are deterministic: a version by smooth weighted round-robin over the split, a replica by
 * round-robin over the version's endpoints in sorted order (Envoy's default balancer is also
 * round-robin; its starting point is random). A model without a route is answered as Envoy does
 * (HTTP 404, which a gRPC client reads as UNIMPLEMENTED) without leaving this process.
 *
 * Sans-IO: the route table is read through the lookup it is given, at the moment of each request.
 */
import type { CallId, Component, Effect, GrpcStatus, Input, Millis } from "../core/protocol.ts";
import { Status } from "../core/protocol.ts";
import { M } from "../proto/index.ts";
import { CONTENT_TYPE_HEADER, httpStatusOf, REST_CONTENT_TYPE, SELDON_INTERNAL_MODEL_HEADER, SELDON_MODEL_HEADER } from "../agent/rproxy.ts";

export type TrafficProtocol = "rest" | "grpc";

/** One version's share of a model's route, with the endpoints of the replicas it reaches. */
export interface RouteSplit {
  version: number;
  weight: number;
  /** `host:port`, the port being the reverse proxy's for the protocol asked. */
  endpoints: string[];
}

/** The model's route now, or null when it has none. */
export type RouteLookup = (model: string, protocol: TrafficProtocol) => RouteSplit[] | null;

/** Requests for one model: `count` of them, `intervalMs` apart, the first at once. */
export interface TrafficBurst {
  model: string;
  protocol: TrafficProtocol;
  count: number;
  intervalMs: Millis;
}

/** What one request came to, as recorded in the trace. */
export interface TrafficResponse {
  type: "traffic.response";
  id: number;
  model: string;
  protocol: TrafficProtocol;
  /** The version and endpoint it was sent to; absent without a route. */
  version?: number;
  endpoint?: string;
  /** gRPC status name (`OK`, `NOT_FOUND`, …) of the answer. */
  code: string;
  /** For REST: the HTTP status the client sees. */
  httpStatus?: number;
  details: string;
  sentAtMs: Millis;
  latencyMs: Millis;
}

const STATUS_NAME: Record<number, string> = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** The inference body every request carries: one FP32 tensor, which the model echoes. */
const INFER_BODY = {
  inputs: [{ name: "predict", datatype: "FP32", shape: ["1", "1"], contents: { fp32_contents: [1] } }],
};

interface InFlight {
  id: number;
  model: string;
  protocol: TrafficProtocol;
  version: number;
  endpoint: string;
  sentAt: Millis;
  message?: unknown;
}

interface Burst extends TrafficBurst {
  sent: number;
}

export class Envoy implements Component {
  readonly role = "envoy";
  readonly listeners = [];
  private now: Millis = 0;
  private out: Effect[] = [];
  private nextId = 0;
  private nextTimer = 0;
  private readonly bursts = new Map<string, Burst>();
  private readonly inFlight = new Map<CallId, InFlight>();
  /** Per model and version: smooth weighted round-robin state, then the endpoint cursor. */
  private readonly versionCredit = new Map<string, Map<number, number>>();
  private readonly endpointCursor = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly lookup: RouteLookup,
  ) {}

  /** Start sending a burst (called by the session outside `handle`). */
  send(burst: TrafficBurst, now: Millis): Effect[] {
    this.now = now;
    if (burst.count <= 0) return [];
    const timer = `traffic/${this.nextTimer++}`;
    this.bursts.set(timer, { ...burst, sent: 0 });
    this.fire(timer);
    return this.flush();
  }

  /** Requests sent whose answer has not come back, by model. */
  pendingByModel(): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of this.inFlight.values()) out.set(f.model, (out.get(f.model) ?? 0) + 1);
    return out;
  }

  handle(input: Input, now: Millis): Effect[] {
    this.now = now;
    switch (input.kind) {
      case "timer":
        this.fire(input.timer);
        break;
      case "response": {
        const f = this.inFlight.get(input.call);
        if (f) f.message = input.message;
        break;
      }
      case "closed":
        this.answered(input.call, input.status);
        break;
      case "incoming":
        this.out.push({ kind: "finish", call: input.call, status: { code: Status.UNIMPLEMENTED, details: "envoy serves no gRPC service here" } });
        break;
      default:
        break;
    }
    return this.flush();
  }

  private flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Sends the burst's next request(s): all due at once when the interval is 0. */
  private fire(timer: string): void {
    const b = this.bursts.get(timer);
    if (!b) return;
    do {
      this.request(b.model, b.protocol);
      b.sent++;
    } while (b.intervalMs <= 0 && b.sent < b.count);
    if (b.sent >= b.count) {
      this.bursts.delete(timer);
      return;
    }
    this.out.push({ kind: "setTimer", timer, afterMs: b.intervalMs });
  }

  private request(model: string, protocol: TrafficProtocol): void {
    const id = this.nextId++;
    const splits = (this.lookup(model, protocol) ?? []).filter((s) => s.weight > 0 && s.endpoints.length > 0);
    if (splits.length === 0) {
      // Envoy's own answer for a route it does not have: 404 NR.
      const status: GrpcStatus = { code: Status.UNIMPLEMENTED, details: "route not found" };
      this.record({ id, model, protocol, version: undefined, endpoint: undefined, sentAt: this.now }, status, 404);
      return;
    }
    const split = this.pickVersion(model, splits);
    const endpoints = [...split.endpoints].sort();
    const cursorKey = `${model}:${split.version}:${protocol}`;
    const cursor = this.endpointCursor.get(cursorKey) ?? 0;
    this.endpointCursor.set(cursorKey, cursor + 1);
    const endpoint = endpoints[cursor % endpoints.length]!;
    const call = `traffic:${id}`;
    this.inFlight.set(call, { id, model, protocol, version: split.version, endpoint, sentAt: this.now });
    this.out.push({
      kind: "call",
      call,
      target: endpoint,
      method: M.inference.ModelInfer,
      request: { model_name: model, id: `request-${id}`, ...INFER_BODY },
      headers: {
        [SELDON_INTERNAL_MODEL_HEADER]: `${model}_${split.version}`,
        [SELDON_MODEL_HEADER]: model,
        [CONTENT_TYPE_HEADER]: protocol === "rest" ? REST_CONTENT_TYPE : "application/grpc",
      },
    });
  }

  /** Smooth weighted round-robin (nginx's): deterministic and as even as the weights allow. */
  private pickVersion(model: string, splits: RouteSplit[]): RouteSplit {
    if (splits.length === 1) return splits[0]!;
    let credit = this.versionCredit.get(model);
    if (!credit) this.versionCredit.set(model, (credit = new Map()));
    const total = splits.reduce((a, s) => a + s.weight, 0);
    let best = splits[0]!;
    for (const s of splits) {
      credit.set(s.version, (credit.get(s.version) ?? 0) + s.weight);
      if (credit.get(s.version)! > credit.get(best.version)!) best = s;
    }
    credit.set(best.version, credit.get(best.version)! - total);
    return best;
  }

  private answered(call: CallId, status: GrpcStatus): void {
    const f = this.inFlight.get(call);
    if (!f) return;
    this.inFlight.delete(call);
    this.record(f, status, f.protocol === "rest" ? httpStatusOf(status.code) : undefined);
  }

  private record(
    f: { id: number; model: string; protocol: TrafficProtocol; version: number | undefined; endpoint: string | undefined; sentAt: Millis },
    status: GrpcStatus,
    httpStatus: number | undefined,
  ): void {
    const event: TrafficResponse = {
      type: "traffic.response",
      id: f.id,
      model: f.model,
      protocol: f.protocol,
      ...(f.version !== undefined ? { version: f.version } : {}),
      ...(f.endpoint !== undefined ? { endpoint: f.endpoint } : {}),
      code: STATUS_NAME[status.code] ?? String(status.code),
      ...(f.protocol === "rest" && httpStatus !== undefined ? { httpStatus } : {}),
      details: status.details,
      sentAtMs: f.sentAt,
      latencyMs: this.now - f.sentAt,
    };
    this.out.push({ kind: "observe", event: event as unknown as { type: string } });
  }
}
