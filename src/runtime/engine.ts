/**
 * The engine both runtimes share: pods and their processes, address resolution as a pod sees it,
 * network rules, the call table, timers on the run clock, restarts, logs and the trace.
 *
 * Only the carrying of call traffic differs between runtimes and sits behind `Transport`: the
 * `sim` transport encodes each message, waits a virtual latency and decodes it; the `wire`
 * transport sends it over real gRPC. The clock is virtual in both: each message has its place in
 * the queue from the moment it is sent, and the run never passes the place of a message still on
 * its way, so the same scenario unfolds the same way.
 */
import type { CallId, Component, Effect, Fields, GrpcStatus, Headers, Input, LogLevel, MethodPath, Observation } from "../core/protocol.ts";
import { Status } from "../core/protocol.ts";
import { method as methodDef, serviceOf, type MethodDefinition } from "../proto/index.ts";
import { goDialErrors, policyFor, type EndpointFacts, type LinkPolicy, type NetworkRule } from "../network/rules.ts";
import { KEEPALIVE_V2_9_0, type KeepaliveProfile } from "../network/keepalive.ts";
import { BoundedMemo } from "../core/memo.ts";
import { EventQueue, QueueEntry, type Timed } from "./queue.ts";
import { OpenCalls } from "./open-calls.ts";
import { KEEP_EVERYTHING, trimOldest, type Retention } from "../core/retention.ts";

export interface ProcessSpec {
  /** Container name inside the pod, e.g. `agent`, `mlserver`, `scheduler`. */
  container: string;
  role: string;
  /** Builds a fresh process (used again on every restart). */
  spawn: () => Component;
  /** Restart when the process exits (Kubernetes' `restartPolicy: Always`). */
  restart?: boolean;
  /** Time from the container's start to the process serving (e.g. a Python server booting). */
  bootMs?: number;
  /**
   * The process is a real component outside this engine at `host`, serving the listeners the
   * spawned stand-in declares: the wire transport dials `host:ports[port]` instead of binding.
   */
  remote?: { host: string; ports: Map<number, number> };
}

export interface PodSpec {
  name: string;
  namespace: string;
  ip: string;
  /** Service names (without namespace) that resolve to this pod, e.g. `seldon-scheduler`. */
  services?: string[];
  /** For server pods: the server name and replica index. */
  server?: string;
  replica?: number;
  processes: ProcessSpec[];
}

export class Pod {
  readonly processes = new Map<string, Proc>();
  /** Hosts as this pod resolves them (null: no such host), valid while `resolvedIn` is the
   * engine's topology; see `Engine#resolveHost`. */
  readonly resolved = new BoundedMemo<string, Pod | null>(KEEP_TARGETS);
  resolvedIn = -1;
  /** Who answers on each port, by method, while the pod's processes stay as they are (see
   * `Engine#listenerFor`); dropped whenever one of them starts or stops. */
  answering: Map<number, BoundedMemo<MethodPath, Proc | NoListener>> | null = null;
  constructor(readonly spec: PodSpec) {}
  get name(): string { return this.spec.name; }
  get namespace(): string { return this.spec.namespace; }
}

export class Proc {
  component: Component | null = null;
  restarts = 0;
  /** Incremented on every (re)start: timers and calls of an older incarnation are ignored. */
  incarnation = 0;
  readonly timers = new Map<string, Timed>();
  /** What the process listened on when last up, so a refused dial can still name who was meant. */
  knownPorts = new Set<number>();
  /** `namespace/pod/container`: built once, as every trace event names it. */
  readonly id: string;
  /** The calls this process opened, by its own call id, oldest first. */
  readonly clientCalls = new Map<CallId, Call>();
  /** The calls this process serves, by the call id the engine gave it, oldest first. */
  readonly serverCalls = new Map<CallId, Call>();
  /** Which of its targets this process has an established connection to, and in which of its
   * incarnations (a restart keeps the entries, which then no longer match): a call into a black
   * hole on one is a swallowed stream, without one a dial that times out. A pod made again
   * under the same name has new processes, and they have no connections. */
  readonly connections = new Map<string, number>();
  constructor(readonly pod: Pod, readonly spec: ProcessSpec) {
    this.id = `${pod.namespace}/${pod.name}/${spec.container}`;
  }
  get role(): string { return this.spec.role; }
  get up(): boolean { return this.component !== null; }
  facts(port?: number): EndpointFacts {
    return {
      role: this.role, namespace: this.pod.namespace, pod: this.pod.name,
      ...(this.pod.spec.server !== undefined ? { server: this.pod.spec.server } : {}),
      ...(this.pod.spec.replica !== undefined ? { replica: this.pod.spec.replica } : {}),
      ...(port !== undefined ? { port } : {}),
    };
  }
}

/** One gRPC call between two processes (or with an outside peer in `wire`). */
export class Call {
  server: Proc | null = null;
  serverCallId: CallId = "";
  /** In its server's `serverCalls` (until the server finishes it or the call ends). */
  serving = false;
  /** The connection under the call is gone (`Transport#drop`): what a transport still has on
   * its way for it is not delivered. Kept on the call, as every delivery asks. */
  connectionGone = false;
  closed = false;
  /** The client said it reads no more of the stream (`stopReading`): its messages are carried
   * to its side and no further. */
  unread = false;
  deadline: Timed | null = null;
  /** Extra one-way latency from `delay` rules. */
  extraDelayMs = 0;
  /** Set while a black hole swallows the established connection under this call. */
  silence: Silence | null = null;
  /** Request metadata the client sent, handed to the server with the call. */
  headers: Headers | undefined = undefined;
  /** Neighbours in the engine's list of open client calls (see `OpenCalls`). */
  olderOpen: Call | null = null;
  newerOpen: Call | null = null;
  #def: MethodDefinition | undefined = undefined;
  constructor(
    readonly id: number,
    readonly client: Proc | null,
    readonly clientCallId: CallId,
    readonly clientIncarnation: number,
    readonly target: string,
    readonly method: MethodPath,
  ) {}

  /** The method's definition (its serializers), looked up once per call rather than per message. */
  get def(): MethodDefinition {
    return (this.#def ??= methodDef(this.method));
  }
}

/**
 * A black-holed established stream: nothing passes in either direction, what each side sends
 * waits (as unacknowledged TCP data does in the sender's kernel) and is delivered, in order, if
 * the path returns before a keepalive gives up; whichever side gives up first ends its half.
 */
export interface Silence {
  since: number;
  held: Delivery[];
  timers: Timed[];
  /** The client side gave up (its keepalive fired); the server has not learnt it yet. */
  clientGone: boolean;
  /** The server side gave up (its keepalive fired); the client has not learnt it yet. */
  serverGone: boolean;
}

export interface LogRecord {
  t: number;
  namespace: string;
  pod: string;
  container: string;
  role: string;
  level: LogLevel;
  msg: string;
  fields?: Fields;
}

/** A log line as the trace holds it. */
export interface LogEvent {
  t: number;
  type: "log";
  proc: string;
  level: LogLevel;
  msg: string;
  fields?: Fields;
}

/**
 * One log line, kept once: it is the `log` event in `trace` and the record in `logs` at the same
 * time. Its own enumerable properties are the trace event's (what the trace's canonical text and
 * every reader of the trace see); the record's namespace, pod, container and role are read from
 * the process that logged it. A long run logs hundreds of thousands of lines, and two objects
 * per line were a fifth of what `run` kept.
 */
class LogLine implements LogEvent, LogRecord {
  declare readonly t: number;
  declare readonly type: "log";
  declare readonly proc: string;
  declare readonly level: LogLevel;
  declare readonly msg: string;
  declare readonly fields?: Fields;
  readonly #from: Proc;

  constructor(t: number, from: Proc, level: LogLevel, msg: string, fields: Fields | undefined) {
    this.#from = from;
    const self = this as { -readonly [K in keyof LogEvent]: LogEvent[K] };
    self.t = t;
    self.type = "log";
    self.proc = from.id;
    self.level = level;
    self.msg = msg;
    if (fields) self.fields = fields;
  }

  get namespace(): string { return this.#from.pod.namespace; }
  get pod(): string { return this.#from.pod.name; }
  get container(): string { return this.#from.spec.container; }
  get role(): string { return this.#from.role; }
}

/** A log record as an object of its own, every field its own property. */
export function plainLogRecord(l: LogRecord): LogRecord {
  return {
    t: l.t, namespace: l.namespace, pod: l.pod, container: l.container, role: l.role, level: l.level, msg: l.msg,
    ...(l.fields ? { fields: l.fields } : {}),
  };
}

export type TraceEvent =
  | { t: number; type: "message"; method: MethodPath; from: string; to: string; dir: "request" | "response"; message: unknown }
  | { t: number; type: "callOpen"; method: MethodPath; from: string; to: string; target: string }
  | { t: number; type: "callClose"; method: MethodPath; from: string; to: string; code: number; details: string }
  | LogEvent
  | { t: number; type: "observe"; proc: string; event: Observation }
  | { t: number; type: "lifecycle"; proc: string; what: "start" | "exit" | "crash" | "restart"; reason?: string }
  | { t: number; type: "fault"; fault: string; action: string; method: MethodPath; from: string; to: string; dir: "request" | "response" };

/** One thing a call carries, in one direction, as the engine hands it to the transport. */
export type Delivery =
  | { kind: "open"; request: unknown; to: Proc }
  | { kind: "message"; dir: "request" | "response"; message: unknown }
  | { kind: "halfClose" }
  | { kind: "finish"; status: GrpcStatus };

/**
 * Sees every delivery before the transport carries it, and carries it (now, later, twice,
 * changed) or not: link toxics and message rules (src/faults) act here, the same in both runtimes.
 */
export interface DeliveryInterceptor {
  intercept(call: Call, delivery: Delivery, carry: (d: Delivery) => void): void;
  /** What a peer outside the engine (wire, serve) sends, before the server process sees it. */
  inbound?(call: Call, input: Input, deliver: (i: Input) => void): void;
}

/**
 * Sees every message of every call and how each call ended, with the call it belongs to: what a
 * recording is made from. Outside peers' messages are reported by the transport that receives them.
 */
export interface CallTap {
  message(call: Call, dir: "request" | "response", message: unknown): void;
  closed(call: Call, status: GrpcStatus): void;
}

/** How call traffic is carried. */
export interface Transport {
  /** The call was admitted by the network: carry its opening (and request) to the server. */
  open(call: Call, request: unknown, to: Proc): void;
  toServer(call: Call, ev: { kind: "message"; message: unknown } | { kind: "halfClose" } | { kind: "cancel" }): void;
  toClient(call: Call, ev: { kind: "message"; message: unknown } | { kind: "finish"; status: GrpcStatus }): void;
  /** The connection under the call is gone; nothing more is carried. */
  drop(call: Call): void;
  /**
   * The call cannot reach a server: `how` says why, `status` is what the Go client of a real pod
   * reports. The wire transport makes the failure happen for real (it dials a closed port, or a
   * peer that resets) before reporting it.
   */
  fail(call: Call, status: GrpcStatus, how: "refused" | "reset" | "unresolved" | "unimplemented"): void;
  /** The network swallows the call; the engine ends it (its deadline, the connect timeout, a keepalive). */
  blackhole(call: Call): void;
  /** Bind real listeners for every pod (wire), after the pods are added and before they start. */
  bind?(): Promise<void>;
  /** Make a pod added after start reachable (wire binds its listeners); sim has nothing to do. */
  bindPod?(pod: Pod): Promise<void>;
  /** `namespace/pod:port` → the real port it is served on (wire only). */
  readonly realPorts?: ReadonlyMap<string, number>;
  /** Deliveries the run must wait for before its next event; the clock may advance only at zero. */
  readonly inFlight: number;
  /** Wait for the next delivery (wire); sim never has anything to wait for. */
  waitForDelivery(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** One-way latency of every message, in ms. */
  latencyMs?: number;
  /** Wall-clock time of t=0, for log timestamps. */
  epochMs?: number;
  /** Record every message in the trace (off for large benchmarks). */
  traceMessages?: boolean;
  /** How many log records and trace events to keep (a long-running `serve` bounds them). */
  retain?: Pick<Retention, "logs" | "trace">;
  /**
   * Keep log records in `logs` and events in `trace` (default true). Off, nothing is kept and
   * log listeners (`onLog`) still hear every line: for runs where nobody reads them afterwards.
   */
  record?: boolean;
}

export class Engine {
  now = 0;
  readonly queue = new EventQueue();
  readonly pods = new Map<string, Pod>();
  readonly logs: LogRecord[] = [];
  readonly trace: TraceEvent[] = [];
  rules: NetworkRule[] = [];
  transport!: Transport;
  readonly latencyMs: number;
  readonly epochMs: number;
  readonly traceMessages: boolean;
  readonly retain: Pick<Retention, "logs" | "trace">;
  /** Log records and trace events dropped by retention, oldest first. */
  readonly dropped = { logs: 0, trace: 0 };
  readonly recording: boolean;
  private readonly hosts = new Map<string, Pod>();
  /** Moves whenever `hosts` changes: what a pod resolved before is then resolved again. */
  private topology = 0;
  /** Open client calls in the order they were opened (what `openCalls` and rule changes walk). */
  private readonly openClientCalls = new OpenCalls<Call>();
  private nextCall = 1;
  /** Calls whose established connection a black hole swallows (see `Silence`). */
  private readonly silenced = new Set<Call>();
  /** Keepalive and dial-timeout facts of the Seldon version simulated. */
  keepalive: KeepaliveProfile = KEEPALIVE_V2_9_0;
  private nextServerCall = 1;
  /** Calls opened, stream messages sent and replies given, as processes asked for them: the
   * message count of throughput figures (messages a second). */
  messagesAsked = 0;
  /** Listeners for logs, e.g. the CLI printing as the run goes. */
  readonly onLog: ((r: LogRecord) => void)[] = [];
  /** Listeners called after a process handled an input and its effects were carried out
   * (property checks watch the cluster here). */
  readonly onStep: ((proc: Proc) => void)[] = [];
  /** Faults that act on messages in flight (see `DeliveryInterceptor`); none by default. */
  interceptor: DeliveryInterceptor | null = null;
  /** Recorders: see `CallTap`. */
  readonly taps: CallTap[] = [];
  /** Replaces a component as it is spawned: how a test plants a changed component. */
  wrap: ((component: Component, proc: Proc) => Component) | null = null;
  /**
   * Moves whenever a component may have run: while it stands still, a message object sent twice
   * (one status to every subscriber) is the same message, and its encoding can be reused.
   */
  effectBatch = 0;

  constructor(options: EngineOptions = {}) {
    this.latencyMs = options.latencyMs ?? 1;
    this.epochMs = options.epochMs ?? Date.UTC(2025, 0, 1);
    this.retain = options.retain ?? KEEP_EVERYTHING;
    this.recording = options.record ?? true;
    this.traceMessages = this.recording && (options.traceMessages ?? true);
  }

  // -------------------------------------------------------------------------------------------
  // Topology

  addPod(spec: PodSpec): Pod {
    const key = `${spec.namespace}/${spec.name}`;
    if (this.pods.has(key)) throw new Error(`pod ${key} already exists`);
    const pod = new Pod(spec);
    for (const p of spec.processes) pod.processes.set(p.container, new Proc(pod, p));
    this.pods.set(key, pod);
    this.topology++;
    this.hosts.set(spec.ip, pod);
    this.hosts.set(`${spec.name}.${spec.namespace}`, pod);
    for (const s of spec.services ?? []) this.hosts.set(`${s}.${spec.namespace}`, pod);
    return pod;
  }

  removePod(namespace: string, name: string): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return;
    for (const proc of pod.processes.values()) this.stop(proc, "crash", "pod deleted", false);
    this.pods.delete(`${namespace}/${name}`);
    this.topology++;
    for (const [h, p] of this.hosts) if (p === pod) this.hosts.delete(h);
  }

  proc(namespace: string, pod: string, container: string): Proc {
    const p = this.pods.get(`${namespace}/${pod}`)?.processes.get(container);
    if (!p) throw new Error(`no process ${namespace}/${pod}/${container}`);
    return p;
  }

  processes(): Proc[] {
    return [...this.pods.values()].flatMap((p) => [...p.processes.values()]);
  }

  /** Start every process of every pod; a process with a boot time starts serving that much later. */
  startAll(): void {
    for (const proc of this.processes()) this.boot(proc);
  }

  /** Start a container as its pod comes up: serving at once, or after its boot time. */
  boot(proc: Proc): void {
    if (proc.up) return;
    const boot = proc.spec.bootMs ?? 0;
    if (boot === 0) this.start(proc);
    else this.queue.push(this.now + boot, () => { if (!proc.up && this.pods.get(`${proc.pod.namespace}/${proc.pod.name}`) === proc.pod) this.start(proc); });
  }

  start(proc: Proc): void {
    proc.incarnation++;
    const spawned = proc.spec.spawn();
    proc.component = this.wrap ? this.wrap(spawned, proc) : spawned;
    proc.pod.answering = null;
    proc.knownPorts = new Set(proc.component.listeners.map((l) => l.port));
    this.record({ t: this.now, type: "lifecycle", proc: proc.id, what: proc.restarts > 0 ? "restart" : "start" });
    this.deliver(proc, { kind: "start" });
  }

  /** Kill a process: its calls break, its timers vanish; optionally restart it as Kubernetes would. */
  stop(proc: Proc, what: "exit" | "crash", reason: string, restart = proc.spec.restart ?? true): void {
    if (!proc.up) return;
    proc.component = null;
    proc.pod.answering = null;
    for (const t of proc.timers.values()) t.cancelled = true;
    proc.timers.clear();
    this.record({ t: this.now, type: "lifecycle", proc: proc.id, what, reason });
    for (const call of [...proc.clientCalls.values()]) {
      if (call.client === proc) this.breakCall(call, null, "client");
    }
    for (const call of [...proc.serverCalls.values()]) {
      if (call.server === proc) this.breakCall(call, { code: Status.UNAVAILABLE, details: goDialErrors.eof() }, "server");
    }
    if (restart) {
      proc.restarts++;
      const backoff = Math.min(10_000 * 2 ** (proc.restarts - 1), 300_000);
      this.queue.push(this.now + backoff, () => {
        if (!proc.up && this.pods.get(`${proc.pod.namespace}/${proc.pod.name}`) === proc.pod) this.start(proc);
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Running

  /** Run until virtual time `until` (inclusive of events at `until`), with nothing left to wait for. */
  async runUntil(until: number): Promise<void> {
    await this.runUntilCondition(() => false, until);
  }

  /** Run until `predicate` holds (checked after every event) or `until` passes. */
  async runUntilCondition(predicate: () => boolean, until: number): Promise<boolean> {
    if (predicate()) return true;
    for (;;) {
      if (this.transport.inFlight > 0) {
        await this.transport.waitForDelivery();
        if (predicate()) return true;
        continue;
      }
      const next = this.queue.popDue(until);
      if (next === undefined) break;
      if (next.at > this.now) this.now = next.at;
      next.run();
      if (predicate()) return true;
    }
    if (until > this.now && Number.isFinite(until)) this.now = until;
    return predicate();
  }

  // -------------------------------------------------------------------------------------------
  // Inputs and effects

  /** Feed one input to a process and carry out what it asks. */
  deliver(proc: Proc, input: Input): void {
    const c = proc.component;
    if (!c) return;
    let effects: Effect[];
    this.effectBatch++;
    try {
      effects = c.handle(input, this.now);
    } catch (e) {
      // A bug or an illegal transition inside a component: the process dies as a Go panic would.
      const reason = e instanceof Error ? e.message : String(e);
      this.log(proc, "fatal", `panic: ${reason}`);
      this.stop(proc, "crash", reason);
      return;
    }
    this.apply(proc, effects);
    this.effectBatch++;
    for (const f of this.onStep) f(proc);
  }

  /** Carry out effects a process produced outside `handle` (e.g. the controller's apply). */
  apply(proc: Proc, effects: Effect[]): void {
    this.effectBatch++;
    let replied: Call | null = null;
    for (const e of effects) {
      if (!proc.up) return;
      switch (e.kind) {
        case "call": this.messagesAsked++; this.openCall(proc, e); break;
        case "send": case "halfClose": case "cancel": {
          if (e.kind === "send") this.messagesAsked++;
          const call = proc.clientCalls.get(e.call);
          if (!call || call.closed) break;
          if (e.kind === "cancel") {
            this.breakCall(call, null, "client");
          } else {
            if (e.kind === "send") this.traceMessage(call, "request", e.message);
            this.send(call, e.kind === "send" ? { kind: "message", dir: "request", message: e.message } : { kind: "halfClose" });
          }
          break;
        }
        case "reply": case "finish": {
          if (e.kind === "reply") this.messagesAsked++;
          // A unary answer is a reply then a finish on one call: the finish takes the call the
          // reply found, if it is still served, rather than looking it up again.
          const call: Call | undefined = replied !== null && replied.serverCallId === e.call && replied.serving ? replied : proc.serverCalls.get(e.call);
          if (!call || call.closed) break;
          if (e.kind === "reply") {
            replied = call;
            this.traceMessage(call, "response", e.message);
            this.send(call, { kind: "message", dir: "response", message: e.message });
          } else {
            this.forgetServerCall(call);
            // A call from an engine process is closed (and tapped) when the status reaches it.
            if (!call.client) for (const tap of this.taps) tap.closed(call, e.status);
            this.send(call, { kind: "finish", status: e.status });
          }
          break;
        }
        case "stopReading": {
          const call = proc.clientCalls.get(e.call);
          if (call) call.unread = true;
          break;
        }
        case "setTimer": {
          const old = proc.timers.get(e.timer);
          if (old) old.cancelled = true;
          proc.timers.set(e.timer, this.queue.schedule(new TimerEntry(this.now + e.afterMs, this, proc, e.timer)));
          break;
        }
        case "clearTimer": {
          const t = proc.timers.get(e.timer);
          if (t) t.cancelled = true;
          proc.timers.delete(e.timer);
          break;
        }
        case "log": this.log(proc, e.level, e.msg, e.fields); break;
        case "observe": if (this.recording) this.record({ t: this.now, type: "observe", proc: proc.id, event: e.event }); break;
        case "exit":
          this.stop(proc, "exit", e.reason);
          return;
      }
    }
  }

  log(proc: Proc, level: LogLevel, msg: string, fields?: Fields): void {
    if (!this.recording && this.onLog.length === 0) return;
    const r = new LogLine(this.now, proc, level, msg, fields);
    if (this.recording) {
      this.logs.push(r);
      this.dropped.logs += trimOldest(this.logs, this.retain.logs);
      this.record(r);
    }
    for (const l of this.onLog) l(r);
  }

  record(ev: TraceEvent): void {
    if (!this.recording) return;
    this.trace.push(ev);
    this.dropped.trace += trimOldest(this.trace, this.retain.trace);
  }

  private traceMessage(call: Call, dir: "request" | "response", message: unknown): void {
    if (this.taps.length === 0 && !this.traceMessages) return;
    for (const tap of this.taps) tap.message(call, dir, message);
    if (!this.traceMessages) return;
    this.record({
      t: this.now, type: "message", method: call.method, dir, message,
      from: dir === "request" ? (call.client?.id ?? "outside") : (call.server?.id ?? call.target),
      to: dir === "request" ? (call.server?.id ?? call.target) : (call.client?.id ?? "outside"),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  /** Which pod `host` names, as seen from inside `from`'s pod. */
  resolveHost(from: Pod | null, host: string): Pod | undefined {
    if (from === null) return this.lookUpHost(null, host);
    // Every call resolves its target: the answer is kept per pod until the topology changes.
    if (from.resolvedIn !== this.topology) {
      from.resolved.clear();
      from.resolvedIn = this.topology;
    }
    let pod = from.resolved.get(host);
    if (pod === undefined) {
      pod = this.lookUpHost(from, host) ?? null;
      from.resolved.set(host, pod);
    }
    return pod ?? undefined;
  }

  private lookUpHost(from: Pod | null, host: string): Pod | undefined {
    if (from && (host === "localhost" || host === "127.0.0.1" || host === "0.0.0.0" || host === "::1" || host === "")) return from;
    const bare = host.replace(/\.svc(\.cluster\.local)?$/, "");
    const direct = this.hosts.get(bare);
    if (direct) return direct;
    if (from && !bare.includes(".")) return this.hosts.get(`${bare}.${from.namespace}`);
    // `<pod>.<service>.<namespace>`: the headless-service form
    const parts = bare.split(".");
    if (parts.length === 3) return this.hosts.get(`${parts[0]}.${parts[2]}`);
    return undefined;
  }

  /**
   * The process in `pod` serving `method` on `port`, or why not. Every call opened asks, and
   * nearly every answer is a process: it is given as it is, with no answer object around it.
   * Components dial the same few ports with the same few methods, so the answer is kept per pod
   * until one of its processes starts or stops (listeners are fixed for a process's life).
   */
  listenerFor(pod: Pod, port: number, method: MethodPath): Proc | NoListener {
    const byPort = (pod.answering ??= new Map());
    let byMethod = byPort.get(port);
    // bounded like the pod's resolved hosts: a method path can come from a user's scenario
    if (byMethod === undefined) byPort.set(port, byMethod = new BoundedMemo(KEEP_TARGETS));
    let answer = byMethod.get(method);
    if (answer === undefined) byMethod.set(method, answer = findListener(pod, port, method));
    return answer;
  }

  private openCall(proc: Proc, e: Extract<Effect, { kind: "call" }>): void {
    const call = new Call(this.nextCall++, proc, e.call, proc.incarnation, e.target, e.method);
    if (e.headers) call.headers = e.headers;
    proc.clientCalls.set(e.call, call);
    this.openClientCalls.add(call);
    if (e.deadlineMs !== undefined) {
      call.deadline = this.queue.schedule(new DeadlineEntry(this.now + e.deadlineMs, this, call));
    }
    const { host, port } = splitTarget(e.target);
    const pod = this.resolveHost(proc.pod, host);
    if (!pod) return this.transport.fail(call, { code: Status.UNAVAILABLE, details: goDialErrors.noSuchHost(host) }, "unresolved");
    const listener = this.listenerFor(pod, port, e.method);
    // Without rules every link is open: the endpoints' facts are built only for rules to match.
    const policy: LinkPolicy = this.rules.length === 0 ? OPEN_LINK
      : policyFor(this.rules, proc.facts(), listenerFacts(pod, port, listener), this.now);
    if (this.recording) this.record({ t: this.now, type: "callOpen", method: e.method, from: proc.id, to: `${pod.namespace}/${pod.name}:${port}`, target: e.target });
    switch (policy.kind) {
      case "refuse":
        return this.transport.fail(call, { code: Status.UNAVAILABLE, details: goDialErrors.refused(dialAddress(pod, host, port)) }, "refused");
      case "reset":
        return this.transport.fail(call, { code: Status.UNAVAILABLE, details: goDialErrors.reset(dialAddress(pod, host, port)) }, "reset");
      case "blackhole": {
        const conn = proc.connections.get(e.target);
        if (conn === proc.incarnation) {
          // A new stream on the established connection: swallowed like the connection's other
          // streams; its deadline (already queued) or the client's keepalive ends it.
          const c = listener instanceof Proc ? this.keepalive.client(proc.role, listener.role) : null;
          if (c) {
            this.queue.push(this.now + c.timeMs + c.timeoutMs, () => {
              if (!call.closed) this.breakCall(call, { code: Status.UNAVAILABLE, details: goDialErrors.keepalive() }, "both");
            });
          }
          return this.transport.blackhole(call);
        }
        // No connection yet: grpc-go's connection attempt gives up after its connect timeout,
        // unless the call's own deadline (already queued) comes first.
        const status = { code: Status.UNAVAILABLE, details: goDialErrors.dialTimeout(dialAddress(pod, host, port)) };
        this.queue.push(this.now + this.keepalive.connectTimeoutMs, () => {
          if (!call.closed) this.breakCall(call, status, "both");
        });
        return this.transport.blackhole(call);
      }
      case "open":
        break;
    }
    if (!(listener instanceof Proc)) {
      if ("refused" in listener) {
        return this.transport.fail(call, { code: Status.UNAVAILABLE, details: goDialErrors.refused(dialAddress(pod, host, port)) }, "refused");
      }
      return this.transport.fail(call, { code: Status.UNIMPLEMENTED, details: listener.unimplemented }, "unimplemented");
    }
    call.extraDelayMs = policy.extraDelayMs;
    this.connected(proc, e.target, proc.incarnation);
    call.server = listener;
    call.serverCallId = `s${this.nextServerCall++}`;
    this.serve(call, listener);
    const def = call.def;
    if (!def.requestStream) this.traceMessage(call, "request", e.request ?? {});
    this.send(call, { kind: "open", request: def.requestStream ? undefined : (e.request ?? {}), to: listener });
  }

  /** Hands a delivery to the transport, through the interceptor when one is set. */
  private send(call: Call, d: Delivery): void {
    if (this.interceptor) this.interceptor.intercept(call, d, (x) => this.carry(call, x));
    else this.carry(call, d);
  }

  private carry(call: Call, d: Delivery): void {
    if (call.silence) { call.silence.held.push(d); return; }
    switch (d.kind) {
      case "open": return this.transport.open(call, d.request, d.to);
      // The delivery is itself the event the transport takes (a message's `dir` rides along).
      case "message": return d.dir === "request" ? this.transport.toServer(call, d) : this.transport.toClient(call, d);
      case "halfClose": return this.transport.toServer(call, d);
      case "finish": return this.transport.toClient(call, d);
    }
  }

  /** Register a call that arrived from outside the engine (wire, serve mode). */
  acceptOutsideCall(server: Proc, method: MethodPath, peer: string): Call {
    const call = new Call(this.nextCall++, null, "", 0, peer, method);
    call.server = server;
    call.serverCallId = `s${this.nextServerCall++}`;
    this.serve(call, server);
    return call;
  }

  // Called by transports when something arrives.

  /** A message an outside peer sent: into the trace and the taps, as our own processes' are. */
  noteOutsideMessage(call: Call, dir: "request" | "response", message: unknown): void {
    this.traceMessage(call, dir, message);
  }

  /** An outside peer's call that no process could take (it was down): the taps still see it. */
  noteRefusedOutsideCall(server: Proc, method: MethodPath, peer: string, request: unknown, status: GrpcStatus): void {
    const call = new Call(this.nextCall++, null, "", 0, peer, method);
    call.server = server;
    call.closed = true;
    if (request !== undefined) for (const tap of this.taps) tap.message(call, "request", request);
    for (const tap of this.taps) tap.closed(call, status);
  }

  arrivedAtServer(call: Call, input: Input): void {
    if (call.closed || !call.server) return;
    if (call.client === null && this.interceptor?.inbound) {
      this.interceptor.inbound(call, input, (i) => {
        if (!call.closed && call.server) this.deliver(call.server, i);
      });
      return;
    }
    this.deliver(call.server, input.kind === "incoming" && call.headers ? { ...input, headers: call.headers } : input);
  }

  arrivedAtClient(call: Call, ev: { kind: "message"; message: unknown } | { kind: "finish"; status: GrpcStatus }): void {
    if (ev.kind === "finish") this.closeClient(call, ev.status);
    else this.responseArrived(call, ev.message);
  }

  /** A response reached the client side: `arrivedAtClient` without an event object around it. */
  responseArrived(call: Call, message: unknown): void {
    if (call.closed) return;
    if (call.server?.spec.remote) this.traceMessage(call, "response", message);
    if (this.readsResponses(call)) this.deliver(call.client!, { kind: "response", call: call.clientCallId, message });
  }

  /**
   * Whether a response arriving now is handed to the call's client: the call is open, its
   * client still reads it, and is the process that made it. A transport that decodes on arrival
   * asks first, so that what nobody will read is not decoded.
   */
  readsResponses(call: Call): boolean {
    return !call.closed && !call.unread && call.client !== null && call.client.incarnation === call.clientIncarnation;
  }

  /** The client side of a call learns it is over. */
  closeClient(call: Call, status: GrpcStatus): void {
    if (call.closed) return;
    this.forgetSilence(call);
    call.closed = true;
    if (call.deadline) call.deadline.cancelled = true;
    this.forgetClientCall(call);
    this.forgetServerCall(call);
    if (this.recording) this.record({ t: this.now, type: "callClose", method: call.method, from: call.client?.id ?? "outside", to: call.server?.id ?? call.target, code: status.code, details: status.details });
    for (const tap of this.taps) tap.closed(call, status);
    if (call.client && call.client.incarnation === call.clientIncarnation) {
      this.deliver(call.client, { kind: "closed", call: call.clientCallId, status });
    }
  }

  /**
   * A call ends abnormally: the client (if `status` is given and it is still there) gets the
   * status, the server (if still there) learns the client went away.
   */
  breakCall(call: Call, status: GrpcStatus | null, side: "client" | "server" | "both"): void {
    if (call.closed) return;
    this.forgetSilence(call);
    this.transport.drop(call);
    const server = call.server;
    const serverCallId = call.serverCallId;
    if (status && side !== "client") {
      this.closeClient(call, status);
    } else {
      call.closed = true;
      if (call.deadline) call.deadline.cancelled = true;
      this.forgetClientCall(call);
      this.forgetServerCall(call);
      if (this.recording) this.record({ t: this.now, type: "callClose", method: call.method, from: call.client?.id ?? "outside", to: server?.id ?? call.target, code: Status.CANCELLED, details: "context canceled" });
      for (const tap of this.taps) tap.closed(call, { code: Status.CANCELLED, details: "context canceled" });
    }
    if (server && side !== "server" && server.up) this.deliver(server, { kind: "incomingCancelled", call: serverCallId });
  }

  /** Break every open call between processes matched by a newly applied blocking rule. */
  breakCallsMatching(rule: NetworkRule): void {
    if (rule.mode === "delay") return;
    for (const call of this.openClientCalls.toArray()) {
      if (!call.client || !call.server) continue;
      const port = splitTarget(call.target).port;
      const p = policyFor([rule], call.client.facts(), call.server.facts(port), this.now);
      if (p.kind === "open") continue;
      if (p.kind === "blackhole") this.silence(call);
      else {
        this.disconnected(call.client, call.target);
        this.breakCall(call, { code: Status.UNAVAILABLE, details: goDialErrors.eof() }, "both");
      }
    }
  }

  /** An established call goes silent; the keepalive of whichever side has one ends it. */
  private silence(call: Call): void {
    if (call.silence || !call.client || !call.server) return;
    const silence: Silence = { since: this.now, held: [], timers: [], clientGone: false, serverGone: false };
    call.silence = silence;
    this.silenced.add(call);
    const server = call.server;
    const serverCallId = call.serverCallId;
    const c = this.keepalive.client(call.client.role, server.role);
    const s = this.keepalive.server(server.role);
    if (c) {
      silence.timers.push(this.queue.push(this.now + c.timeMs + c.timeoutMs, () => {
        if (silence.clientGone || call.closed) return;
        silence.clientGone = true;
        this.disconnected(call.client!, call.target);
        // The client's RST is swallowed too: the server goes on believing in the stream.
        this.breakCall(call, { code: Status.UNAVAILABLE, details: goDialErrors.keepalive() }, "server");
        if (silence.serverGone) this.silenced.delete(call);
      }));
    }
    if (s) {
      silence.timers.push(this.queue.push(this.now + s.timeMs + s.timeoutMs, () => {
        if (silence.serverGone) return;
        silence.serverGone = true;
        if (server.up) this.deliver(server, { kind: "incomingCancelled", call: serverCallId });
        if (silence.clientGone) this.silenced.delete(call);
      }));
    }
  }

  /** A silent call ends for a reason other than a keepalive (a deadline, a crash): no timers stay. */
  private forgetSilence(call: Call): void {
    const silence = call.silence;
    if (!silence || silence.clientGone) return;
    for (const t of silence.timers) t.cancelled = true;
    call.silence = null;
    this.silenced.delete(call);
  }

  /**
   * After rules changed: silent calls no rule black-holes any more resume. What each side sent
   * meanwhile arrives; a side that already gave up has its reset arrive instead.
   */
  releaseHealedCalls(): void {
    for (const call of [...this.silenced]) {
      const silence = call.silence!;
      const server = call.server!;
      const port = splitTarget(call.target).port;
      const p = policyFor(this.rules, call.client!.facts(), server.facts(port), this.now);
      if (p.kind === "blackhole") continue;
      this.silenced.delete(call);
      for (const t of silence.timers) t.cancelled = true;
      call.silence = null;
      if (silence.clientGone) {
        if (!silence.serverGone && server.up) this.deliver(server, { kind: "incomingCancelled", call: call.serverCallId });
      } else if (silence.serverGone) {
        this.breakCall(call, { code: Status.UNAVAILABLE, details: goDialErrors.eof() }, "server");
      } else {
        for (const d of silence.held) this.carry(call, d);
      }
    }
  }

  /** Open client calls, for inspection (e.g. properties checking nothing leaks). */
  openCalls(): Call[] {
    return this.openClientCalls.toArray();
  }

  /** A call `server` serves, under the id it will answer by. */
  private serve(call: Call, server: Proc): void {
    server.serverCalls.set(call.serverCallId, call);
    call.serving = true;
  }

  /** The call leaves its server's table, once: a unary call the server finished is not looked
   * for again when its status reaches the client. */
  private forgetServerCall(call: Call): void {
    if (!call.serving) return;
    call.serving = false;
    call.server!.serverCalls.delete(call.serverCallId);
  }

  private forgetClientCall(call: Call): void {
    if (!call.client) return;
    call.client.clientCalls.delete(call.clientCallId);
    this.openClientCalls.delete(call);
  }

  private connected(client: Proc, target: string, incarnation: number): void {
    client.connections.set(target, incarnation);
  }

  private disconnected(client: Proc, target: string): void {
    client.connections.delete(target);
  }
}

/** A process's timer as its own queue entry (no closure per timer set): it fires only if the
 * process has not restarted since and the timer was not set again or cleared meanwhile. */
class TimerEntry extends QueueEntry {
  private readonly incarnation: number;
  constructor(
    at: number,
    private readonly engine: Engine,
    private readonly proc: Proc,
    private readonly timer: string,
  ) {
    super(at);
    this.incarnation = proc.incarnation;
  }

  run(): void {
    const proc = this.proc;
    if (proc.incarnation !== this.incarnation || proc.timers.get(this.timer) !== this) return;
    proc.timers.delete(this.timer);
    this.engine.deliver(proc, { kind: "timer", timer: this.timer });
  }
}

/** A call's deadline as its own queue entry (no closure per call); cancelled when the call ends. */
class DeadlineEntry extends QueueEntry {
  constructor(
    at: number,
    private readonly engine: Engine,
    private readonly call: Call,
  ) {
    super(at);
  }

  run(): void {
    if (this.call.closed) return;
    this.engine.breakCall(this.call, { code: Status.DEADLINE_EXCEEDED, details: goDialErrors.deadline() }, "both");
  }
}

const OPEN_LINK: LinkPolicy = Object.freeze({ kind: "open", extraDelayMs: 0 });

/** The first running process of `pod` listening on `port`, if it serves `method`'s service. */
function findListener(pod: Pod, port: number, method: MethodPath): Proc | NoListener {
  for (const proc of pod.processes.values()) {
    if (!proc.up) continue;
    for (const l of proc.component!.listeners) {
      if (l.port !== port) continue;
      const service = serviceOf(method);
      if (!l.services.includes(service)) return { unimplemented: `unknown service ${service}` };
      return proc;
    }
  }
  return REFUSED;
}

/** Why no process takes a call: nothing listens on the port, or what listens lacks the service. */
export type NoListener = Readonly<{ refused: true }> | Readonly<{ unimplemented: string }>;
const REFUSED: NoListener = Object.freeze({ refused: true });

/** How many targets' parts, and hosts per pod, are kept: components dial a handful over and over. */
const KEEP_TARGETS = 1_024;
const targetParts = new BoundedMemo<string, Readonly<{ host: string; port: number }>>(KEEP_TARGETS);

export function splitTarget(target: string): Readonly<{ host: string; port: number }> {
  return targetParts.remember(target, targetPartsOf);
}

function targetPartsOf(target: string): Readonly<{ host: string; port: number }> {
  const i = target.lastIndexOf(":");
  return Object.freeze(i < 0 ? { host: target, port: 0 } : { host: target.slice(0, i), port: Number(target.slice(i + 1)) });
}

/** Go dials the resolved IP, so its errors name the pod IP, not the host name. */
function dialAddress(pod: Pod, host: string, port: number): string {
  if (host === "localhost" || host === "127.0.0.1" || host === "::1") return `127.0.0.1:${port}`;
  if (host === "0.0.0.0" || host === "") return `0.0.0.0:${port}`;
  return `${pod.spec.ip}:${port}`;
}

function listenerFacts(pod: Pod, port: number, l: Proc | NoListener): EndpointFacts {
  if (l instanceof Proc) return l.facts(port);
  // Nothing listens there now: match the rule against whoever listened there before.
  const owner = [...pod.processes.values()].find((p) => p.knownPorts.has(port));
  return {
    role: owner?.role ?? "",
    namespace: pod.namespace, pod: pod.name, port,
    ...(pod.spec.server !== undefined ? { server: pod.spec.server } : {}),
    ...(pod.spec.replica !== undefined ? { replica: pod.spec.replica } : {}),
  };
}
