/**
 * Drives a Controller directly and plays a scripted scheduler: every call the controller starts
 * is recorded; the test answers it with `reply` / `close` (messages pass through the protobuf
 * serializers, as on the wire); timers fire when the test advances the clock.
 */
import { Controller, type ControllerOptions } from "../../src/controller/controller.ts";
import { Rng } from "../../src/core/rng.ts";
import { OK_STATUS, Status, type Effect, type GrpcStatus, type Input } from "../../src/core/protocol.ts";
import { M, roundTripRequest, roundTripResponse } from "../../src/proto/index.ts";
import type { ResourceInput } from "../../src/controller/resources.ts";
import type { Kind } from "../../src/controller/resources.ts";

export type CallEffect = Extract<Effect, { kind: "call" }>;
export type LogEffect = Extract<Effect, { kind: "log" }>;

export const FIN_ML = "financial-ml";
export const FIN_ML_SCHEDULER = "seldon-scheduler.financial-ml:9004";

export const refused = (ip = "10.42.0.10:9004"): GrpcStatus => ({
  code: Status.UNAVAILABLE,
  details: `connection error: desc = "transport: Error while dialing: dial tcp ${ip}: connect: connection refused"`,
});
export const EOF: GrpcStatus = { code: Status.UNAVAILABLE, details: "error reading from server: EOF" };

export class ControllerHarness {
  readonly c: Controller;
  now = 0;
  readonly effects: Effect[] = [];
  /** Calls started and not yet closed (by us or by a cancel). */
  readonly open = new Map<string, CallEffect>();
  private readonly timers = new Map<string, number>();

  constructor(options: Partial<ControllerOptions> = {}) {
    this.c = new Controller({ schedulers: [{ namespace: FIN_ML, address: FIN_ML_SCHEDULER }], rng: new Rng(7), ...options });
    this.feed({ kind: "start" });
  }

  private take(out: Effect[]): Effect[] {
    for (const e of out) {
      if (e.kind === "call") {
        roundTripRequest(e.method, e.request ?? {}); // must survive the wire
        this.open.set(e.call, e);
      } else if (e.kind === "cancel") this.open.delete(e.call);
      else if (e.kind === "setTimer") this.timers.set(e.timer, this.now + e.afterMs);
      else if (e.kind === "clearTimer") this.timers.delete(e.timer);
    }
    this.effects.push(...out);
    return out;
  }

  feed(input: Input): Effect[] {
    return this.take(this.c.handle(input, this.now));
  }

  apply(r: ResourceInput): Effect[] {
    return this.take(this.c.apply(r, this.now));
  }

  delete(kind: Kind, namespace: string, name: string): Effect[] {
    return this.take(this.c.delete(kind, namespace, name, this.now));
  }

  /** Fire due timers in time order, up to `now + ms`. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1]);
      this.feed({ kind: "timer", timer: due[0] });
    }
    this.now = until;
  }

  timerAt(prefix: string): number | undefined {
    for (const [name, at] of this.timers) if (name.startsWith(prefix)) return at;
    return undefined;
  }

  /** Open calls of a method, oldest first. */
  calls(method: string): CallEffect[] {
    return [...this.open.values()].filter((c) => c.method === method);
  }

  /** The one open call of a method (the newest if several). */
  call(method: string): CallEffect {
    const all = this.calls(method);
    const c = all[all.length - 1];
    if (!c) throw new Error(`no open call of ${method}; open: ${[...this.open.values()].map((x) => x.method).join(", ")}`);
    return c;
  }

  reply(call: CallEffect, message: object): Effect[] {
    return this.feed({ kind: "response", call: call.call, message: roundTripResponse(call.method, message) });
  }

  close(call: CallEffect, status: GrpcStatus = OK_STATUS): Effect[] {
    this.open.delete(call.call);
    return this.feed({ kind: "closed", call: call.call, status });
  }

  /** Answer a unary call with an empty OK response. */
  ok(call: CallEffect): Effect[] {
    this.reply(call, {});
    return this.close(call);
  }

  /** Every call started since effect index `from`, as `method target`. */
  startedSince(from: number): string[] {
    return this.effects.slice(from).filter((e): e is CallEffect => e.kind === "call").map((e) => `${e.method.split("/").pop()} ${e.target}`);
  }

  logs(from = 0): LogEffect[] {
    return this.effects.slice(from).filter((e): e is LogEffect => e.kind === "log");
  }

  logTexts(from = 0): string[] {
    return this.logs(from).map((l) => l.msg);
  }

  /** Pass the smoke test: the dial stays up for the smoke-test time. */
  connect(): void {
    this.advance(10);
  }
}

export const modelStatusMsg = (
  name: string,
  state: string,
  o: { available?: number; unavailable?: number; generation?: number; namespace?: string; reason?: string; server?: string } = {},
): object => ({
  modelName: name,
  versions: [
    {
      version: 1,
      serverName: o.server ?? "mlserver",
      kubernetesMeta: { namespace: o.namespace ?? FIN_ML, generation: o.generation ?? 1 },
      modelReplicaState: {},
      state: { state, reason: o.reason ?? "", availableReplicas: o.available ?? 0, unavailableReplicas: o.unavailable ?? 0 },
    },
  ],
  deleted: false,
});

export const SERVER = {
  apiVersion: "mlops.seldon.io/v1alpha1",
  kind: "Server",
  metadata: { name: "mlserver", namespace: FIN_ML },
  spec: { serverConfig: "mlserver" },
};

/** The model of the consultation request (/work/shared/seed/consultation-request.md). */
export const CONSULTATION_MODEL = {
  apiVersion: "mlops.seldon.io/v1alpha1",
  kind: "Model",
  metadata: { name: "test-model-simple", namespace: FIN_ML },
  spec: {
    storageUri: "s3://mlflow-artifacts/28/models/m-d6d788df1b5849b3a3df1d04434c17b9/artifacts/",
    requirements: ["mlflow", "torch", "numpy", "scikit-learn"],
    secretName: "ml-platform",
    server: "mlserver",
  },
};

export { M };
