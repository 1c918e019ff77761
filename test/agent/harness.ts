/**
 * A minimal driver for one sans-IO Agent: delivers inputs, answers its calls with a fake
 * scheduler and a fake inference server (plain functions), and advances virtual time by firing
 * the earliest timer. Replies are delivered at the same virtual instant, after the effects that
 * caused them, in order.
 */
import { Agent, type AgentRcloneDeps } from "../../src/agent/agent.ts";
import { agentConfigFromEnv, type AgentFlags } from "../../src/agent/config.ts";
import type { CallId, Effect, Fields, GrpcStatus, Input, LogLevel, MethodPath } from "../../src/core/protocol.ts";
import { Status } from "../../src/core/protocol.ts";
import { Rng } from "../../src/core/rng.ts";
import { M } from "../../src/proto/index.ts";

export const SCHEDULER = "seldon-scheduler.seldon-mesh:9005";
export const INFERENCE = "10.42.0.70:9500";
/** Where the agent finds rclone by default (`--rclone-host`, `--rclone-port`). */
export const RCLONE = "0.0.0.0:5572";

export const CONNECTION_REFUSED: GrpcStatus = {
  code: Status.UNAVAILABLE,
  details: 'connection error: desc = "transport: Error while dialing: dial tcp 10.42.0.70:9500: connect: connection refused"',
};

/** What a fake answers: a message (then OK), a status, or nothing yet ("hang"). */
export type Reply = { message: unknown } | { status: GrpcStatus } | "hang";

export type Responder = (method: MethodPath, request: any, d: Driver) => Reply;

export interface LogRecord {
  at: number;
  level: LogLevel;
  msg: string;
  fields?: Fields;
}

export interface CallRecord {
  at: number;
  call: CallId;
  target: string;
  method: MethodPath;
  request: any;
  deadlineMs?: number;
}

const short = (m: MethodPath) => m.slice(m.lastIndexOf("/") + 1);

/** A fake inference server that loads and unloads models and can be told to fail. */
export class FakeInferenceServer {
  live = true;
  /** When set, every call fails with this status (e.g. connection refused). */
  down?: GrpcStatus;
  readonly loaded = new Map<string, string>();
  failLoad?: (name: string) => GrpcStatus | undefined;
  failUnload?: (name: string) => GrpcStatus | undefined;
  /** Calls answered later by the test (for RepositoryModelLoad). */
  hangLoads = false;
  /** ModelInfer calls are left hanging (a slow model). */
  hangInfers = false;

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.loaded.set(k, v);
  }

  readonly respond: Responder = (method, request) => {
    if (this.down) return { status: this.down };
    switch (short(method)) {
      case "ServerLive":
        return { message: { live: this.live } };
      case "RepositoryIndex":
        return { message: { models: [...this.loaded].map(([name, state]) => ({ name, version: "", state, reason: "" })) } };
      case "RepositoryModelLoad": {
        if (this.hangLoads) return "hang";
        const err = this.failLoad?.(request.model_name);
        if (err) return { status: err };
        this.loaded.set(request.model_name, "READY");
        return { message: {} };
      }
      case "RepositoryModelUnload": {
        const err = this.failUnload?.(request.model_name);
        if (err) return { status: err };
        if (!this.loaded.delete(request.model_name)) {
          return { status: { code: Status.NOT_FOUND, details: `Model ${request.model_name} not found` } };
        }
        return { message: {} };
      }
      case "ModelInfer": {
        if (this.hangInfers) return "hang";
        if (this.loaded.get(request.model_name) !== "READY") {
          return { status: { code: Status.NOT_FOUND, details: `Model ${request.model_name} with version ${request.model_version} not found` } };
        }
        return { message: { model_name: request.model_name, id: request.id ?? "" } };
      }
      default:
        return { status: { code: Status.UNIMPLEMENTED, details: "unknown method" } };
    }
  };
}

export class Driver {
  now = 0;
  readonly effects: Array<{ at: number; effect: Effect }> = [];
  readonly calls: CallRecord[] = [];
  readonly open = new Map<CallId, CallRecord>();
  exit?: { at: number; code: number; reason: string };
  /** Subscribe answer: keep the stream open (default) or fail it. */
  subscribeReply: () => Reply = () => "hang";
  agentEventReply: () => Reply = () => ({ message: {} });
  /** Answers calls to rclone (agents made with rclone deps); none: refused. */
  rclone?: Responder;
  private readonly timers = new Map<string, { due: number; seq: number; driverOwned?: () => void }>();
  private readonly queue: Input[] = [];
  private seq = 0;

  constructor(
    readonly agent: Agent,
    readonly inference: Responder,
  ) {}

  // -- views ---------------------------------------------------------------------------------

  logs(msg?: string): LogRecord[] {
    const out: LogRecord[] = [];
    for (const { at, effect } of this.effects) {
      if (effect.kind === "log" && (msg === undefined || effect.msg === msg)) {
        out.push(effect.fields ? { at, level: effect.level, msg: effect.msg, fields: effect.fields } : { at, level: effect.level, msg: effect.msg });
      }
    }
    return out;
  }

  callsTo(method: MethodPath): CallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** AgentEvent requests the scheduler received. */
  events(): any[] {
    return this.callsTo(M.agent.AgentEvent).map((c) => c.request);
  }

  observations(type?: string): any[] {
    return this.effects.flatMap(({ effect }) => (effect.kind === "observe" && (type === undefined || effect.event.type === type) ? [effect.event] : []));
  }

  /** The open Subscribe stream, if any. */
  subscribeCall(): CallRecord | undefined {
    return [...this.open.values()].filter((c) => c.method === M.agent.Subscribe).at(-1);
  }

  // -- driving -------------------------------------------------------------------------------

  deliver(input: Input): void {
    const effects = this.agent.handle(input, this.now);
    for (const e of effects) this.apply(e);
    this.pump();
  }

  start(): void {
    this.deliver({ kind: "start" });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const input = this.queue.shift()!;
      for (const e of this.agent.handle(input, this.now)) this.apply(e);
    }
  }

  private answer(call: CallId, reply: Reply): void {
    if (reply === "hang") return;
    this.open.delete(call);
    if ("message" in reply) {
      this.queue.push({ kind: "response", call, message: reply.message });
      this.queue.push({ kind: "closed", call, status: { code: Status.OK, details: "" } });
    } else {
      this.queue.push({ kind: "closed", call, status: reply.status });
    }
  }

  /** Answer a call that was left hanging. */
  reply(call: CallId, reply: Reply): void {
    this.answer(call, reply);
    this.pump();
  }

  private apply(effect: Effect): void {
    this.effects.push({ at: this.now, effect });
    switch (effect.kind) {
      case "call": {
        const rec: CallRecord = { at: this.now, call: effect.call, target: effect.target, method: effect.method, request: effect.request };
        if (effect.deadlineMs !== undefined) rec.deadlineMs = effect.deadlineMs;
        this.calls.push(rec);
        this.open.set(effect.call, rec);
        let reply: Reply;
        if (effect.target === INFERENCE) reply = this.inference(effect.method, effect.request, this);
        else if (effect.target === RCLONE && this.rclone) reply = this.rclone(effect.method, effect.request, this);
        else if (effect.target === SCHEDULER) {
          if (effect.method === M.agent.Subscribe) reply = this.subscribeReply();
          else if (effect.method === M.agent.AgentEvent) reply = this.agentEventReply();
          else reply = "hang"; // ModelScalingTrigger stays open
        } else reply = { status: { code: Status.UNAVAILABLE, details: `no route to ${effect.target}` } };
        if (reply === "hang" && effect.deadlineMs !== undefined) {
          const id = `deadline:${effect.call}`;
          this.timers.set(id, {
            due: this.now + effect.deadlineMs,
            seq: ++this.seq,
            driverOwned: () => {
              if (this.open.has(effect.call)) this.answer(effect.call, { status: { code: Status.DEADLINE_EXCEEDED, details: "context deadline exceeded" } });
            },
          });
        }
        this.answer(effect.call, reply);
        break;
      }
      case "cancel":
        this.open.delete(effect.call);
        break;
      case "setTimer":
        this.timers.set(effect.timer, { due: this.now + effect.afterMs, seq: ++this.seq });
        break;
      case "clearTimer":
        this.timers.delete(effect.timer);
        break;
      case "exit":
        this.exit = { at: this.now, code: effect.code, reason: effect.reason };
        break;
      default:
        break;
    }
  }

  /** Send a message on the open Subscribe stream. */
  pushOperation(op: unknown): void {
    const sub = this.subscribeCall();
    if (!sub) throw new Error("no open Subscribe stream");
    this.deliver({ kind: "response", call: sub.call, message: op });
  }

  closeSubscribe(status: GrpcStatus): void {
    const sub = this.subscribeCall();
    if (!sub) throw new Error("no open Subscribe stream");
    this.open.delete(sub.call);
    this.deliver({ kind: "closed", call: sub.call, status });
  }

  nextTimer(): { id: string; due: number } | undefined {
    let best: { id: string; due: number; seq: number } | undefined;
    for (const [id, t] of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = { id, due: t.due, seq: t.seq };
    }
    return best;
  }

  /** Fire the earliest timer; false when none is set. */
  step(): boolean {
    const next = this.nextTimer();
    if (!next) return false;
    const t = this.timers.get(next.id)!;
    this.timers.delete(next.id);
    this.now = Math.max(this.now, next.due);
    if (t.driverOwned) {
      t.driverOwned();
      this.pump();
    } else {
      this.deliver({ kind: "timer", timer: next.id });
    }
    return true;
  }

  /** Fire timers up to `t` (inclusive), then set the clock to `t`. */
  runUntil(t: number): void {
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.due > t || this.exit) break;
      this.step();
    }
    if (!this.exit) this.now = Math.max(this.now, t);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }
}

export const MIN = 60_000;

export function newAgent(
  env: Record<string, string | undefined> = {},
  opts: { podName?: string; flags?: Partial<AgentFlags>; seed?: number; rclone?: AgentRcloneDeps } = {},
): Agent {
  const config = agentConfigFromEnv({ SELDON_LOG_LEVEL: "debug", ...env }, opts.podName ?? "mlserver-0", opts.flags ?? {});
  return new Agent(config, {
    schedulerAddress: SCHEDULER, inferenceAddress: INFERENCE, rng: new Rng(opts.seed ?? 42),
    ...(opts.rclone ? { rclone: opts.rclone } : {}),
  });
}

/** An agent (1 MB memory, 10% over-commit unless overridden) driven against a fake server. */
export function setup(
  env: Record<string, string | undefined> = {},
  opts: { server?: FakeInferenceServer; seed?: number; podName?: string } = {},
): { d: Driver; server: FakeInferenceServer; agent: Agent } {
  const server = opts.server ?? new FakeInferenceServer();
  const agent = newAgent({ MEMORY_REQUEST: "1000000", SELDON_OVERCOMMIT_PERCENTAGE: "10", ...env }, opts);
  const d = new Driver(agent, server.respond);
  return { d, server, agent };
}

/** Start the agent and run until its Subscribe stream is open. */
export function startSubscribed(d: Driver): void {
  d.start();
  d.runFor(10);
  if (d.agent.state !== "subscribed") throw new Error(`agent did not subscribe: ${d.agent.state}`);
}

export function loadOp(name: string, version: number, memoryBytes: number | undefined, extra: Record<string, unknown> = {}): unknown {
  const modelSpec: Record<string, unknown> = { uri: `gs://models/${name}`, requirements: ["sklearn"] };
  if (memoryBytes !== undefined) modelSpec.memoryBytes = memoryBytes;
  return {
    operation: "LOAD_MODEL",
    modelVersion: { model: { meta: { name }, modelSpec, deploymentSpec: { replicas: 1 } }, version },
    autoscalingEnabled: false,
    ...extra,
  };
}

/** What the agent answered on a call it serves: the reply message and the final status. */
export function served(d: Driver, call: CallId): { message?: unknown; status?: GrpcStatus } {
  const out: { message?: unknown; status?: GrpcStatus } = {};
  for (const { effect } of d.effects) {
    if (effect.kind === "reply" && effect.call === call) out.message = effect.message;
    if (effect.kind === "finish" && effect.call === call) out.status = effect.status;
  }
  return out;
}

/** An inference as Envoy sends it to the agent's reverse proxy. */
export function infer(d: Driver, call: CallId, model: string, version: number, protocol: "rest" | "grpc" = "grpc", headers?: Record<string, string>): void {
  d.deliver({
    kind: "incoming",
    call,
    method: M.inference.ModelInfer,
    request: { model_name: model, id: call, inputs: [] },
    peer: "10.42.0.9:40000",
    headers: headers ?? {
      "seldon-internal-model": `${model}_${version}`,
      "seldon-model": model,
      "content-type": protocol === "rest" ? "application/json" : "application/grpc",
    },
  });
}

export function unloadOp(name: string, version: number): unknown {
  return { operation: "UNLOAD_MODEL", modelVersion: { model: { meta: { name }, modelSpec: { uri: `gs://models/${name}` } }, version } };
}
