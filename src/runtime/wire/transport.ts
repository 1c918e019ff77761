/**
 * Real gRPC. Every listener of every process is served twice by grpc-js: on a public TCP port
 * (the configured host) for outside peers, and on a private Unix socket for the calls between our
 * own processes, which carry the call id that pairs the two sides of a call. Faults happen for
 * real: a refused link dials a socket nobody listens on, a reset link dials a peer that drops the
 * connection, a black-holed link dials a peer that accepts and never answers. The engine's clock
 * stays virtual: it advances only when nothing is in flight, so timers fire in the same order as
 * in `sim`.
 */
import * as grpc from "@grpc/grpc-js";
import * as net from "node:net";
import { Status, type GrpcStatus, type Input, type MethodPath } from "../../core/protocol.ts";
import { method as methodDef, serviceDefinition, type MethodDefinition } from "../../proto/index.ts";
import type { Call, Engine, Pod, Proc, Transport } from "../engine.ts";
import { createRestApp, type DispatchResult } from "../../mlserver/rest.ts";
import { createRcloneHttpApp } from "../../rclone/http.ts";
import type { FastifyInstance } from "fastify";
import { UserError } from "../../core/errors.ts";
import { simPeer } from "../sim/transport.ts";
import {
  GRPC_GO_CONNECTION_TIMEOUT_MS, PrivateSockets, PublicListener, hostPort, listenPrivate, serverCredentials, type TlsFiles,
} from "./listeners.ts";
import { Probes } from "./probes.ts";
import { OrderedDeliveries, type Direction } from "./deliveries.ts";
import { withoutStackFrames } from "./no-stack-frames.ts";

/** Pairs an internal call's two sides; sent only on private sockets, never read on public ones. */
const CALL_HEADER = "x-seldon-sim-call";

/** Options of every channel we dial (also what the benchmark's grpc-js ceiling dials with). */
export const INTERNAL_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 200,
  // Nobody can read channelz here (no channelz service is served), so keep no per-call counts.
  "grpc.enable_channelz": 0,
};

/** Options of the servers on our private sockets (also the benchmark's grpc-js ceiling's). */
export const INTERNAL_SERVER_OPTIONS: grpc.ServerOptions = {
  "grpc.enable_channelz": 0,
};

/** How long shutdown lets open calls finish before it ends their connections. */
const SHUTDOWN_GRACE_MS = 1_000;

type AnyServerCall =
  | grpc.ServerUnaryCall<object, object>
  | grpc.ServerReadableStream<object, object>
  | grpc.ServerWritableStream<object, object>
  | grpc.ServerDuplexStream<object, object>;

interface ServerSide {
  def: MethodDefinition;
  unaryCallback?: grpc.sendUnaryData<object>;
  stream?: grpc.ServerWritableStream<object, object> | grpc.ServerDuplexStream<object, object>;
  pendingResponse?: object;
}

export interface WireOptions {
  /** Address of the public listeners; 127.0.0.1 unless told otherwise (IPv4, IPv6 or a name). */
  host?: string;
  /** Fixed public ports per `namespace/pod:port`; others get ephemeral ports. */
  fixedPorts?: Map<string, number>;
  /** Real milliseconds to wait for a delivery before giving up on it (a lost message). */
  deliveryTimeoutMs?: number;
  /** A public connection that has not sent the HTTP/2 preface by then is closed (grpc-go: 120 s). */
  connectionTimeoutMs?: number;
  /** TLS (and mTLS with a CA) on the scheduler's public listeners. */
  tls?: TlsFiles;
  /**
   * Carry messages between our own processes in the order sim would: each takes a reserved
   * place in the engine's queue and run time waits for it there. Default true, so a scenario
   * gives the same trace in both runtimes. `serve` turns it off: there outside peers set the
   * pace, and under their load waiting for every internal message would all but stop run time
   * (and every timer with it); unordered, a message is handled when it arrives.
   */
  orderedDeliveries?: boolean;
  /** gRPC health and reflection on every public listener (default true). Seldon v2.9.0's own
   * scheduler and agent register neither; false makes the ports answer as theirs do. */
  probes?: boolean;
}

/** One public listener, as `serve` prints it. */
export interface ListenerInfo {
  key: string;
  host: string;
  port: number;
  protocol: "grpc" | "grpc+tls" | "http";
}

export class WireTransport implements Transport {
  /** The queue places of our own processes' messages on their way. A call we drop takes its
   * places with it, and whatever grpc-js still reports for it is not an arrival. */
  private readonly deliveries: OrderedDeliveries;
  private readonly servers: grpc.Server[] = [];
  /** `namespace/pod:port` → real port. */
  readonly realPorts = new Map<string, number>();
  /** `namespace/pod:port` → the private socket our own processes dial. */
  private readonly privatePaths = new Map<string, string>();
  /** Public listeners, in the order they were bound. */
  readonly listeners: ListenerInfo[] = [];
  private readonly publicListeners: PublicListener[] = [];
  private sockets: PrivateSockets | null = null;
  /** `namespace/pod:port` → `host:port` of a remote process (see `ProcessSpec.remote`). */
  private readonly remoteAddresses = new Map<string, string>();
  /** Calls to such a remote process, whose deliveries are not counted in flight. */
  private readonly remoteCalls = new Set<number>();
  /** Channels by target (`unix:PATH` for our own processes, `host:port` for remote ones). */
  private readonly clients = new Map<string, grpc.Client>();
  private readonly clientCalls = new Map<number, grpc.ClientUnaryCall | grpc.ClientReadableStream<object> | grpc.ClientWritableStream<object> | grpc.ClientDuplexStream<object, object>>();
  private readonly serverSides = new Map<number, ServerSide>();
  private readonly byCallId = new Map<number, Call>();
  /** The fault peers' private sockets: nobody listens on the first. */
  private closedPath = "";
  private resetPath = "";
  private blackholePath = "";
  private readonly faultServers: net.Server[] = [];
  /** Connections accepted by the resetting and black-holing peers: a black-holed one stays
   * open until we end it, and a listener only finishes closing once its connections are gone. */
  private readonly peers = new Set<net.Socket>();
  private readonly restApps: FastifyInstance[] = [];
  /** Once closing, nothing more is carried and nothing that arrives is delivered. */
  private closing = false;
  /** Health and reflection on every public listener. */
  private readonly probes = new Probes();

  constructor(private readonly engine: Engine, private readonly options: WireOptions = {}) {
    this.deliveries = new OrderedDeliveries(engine.queue, () => this.deliveryTimeoutMs);
  }

  private get host(): string {
    return this.options.host ?? "127.0.0.1";
  }

  private get deliveryTimeoutMs(): number {
    return this.options.deliveryTimeoutMs ?? 10_000;
  }

  private get ordered(): boolean {
    return this.options.orderedDeliveries ?? true;
  }

  /** Bind a grpc-js server for every listener of every process, and the fault peers. */
  async bind(): Promise<void> {
    this.sockets = PrivateSockets.create();
    try {
      for (const pod of this.engine.pods.values()) await this.bindPod(pod);
      this.closedPath = this.sockets.path();
      this.resetPath = await this.listenFault((s) => s.destroy());
      this.blackholePath = await this.listenFault(() => {});
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Bind the listeners of one pod's processes (at start, and for pods added by a scale-up). */
  async bindPod(pod: Pod): Promise<void> {
    const sockets = this.sockets;
    if (!sockets) throw new Error("bindPod before bind");
    for (const proc of pod.processes.values()) {
      const remote = proc.spec.remote;
      if (remote) {
        // A real component elsewhere: calls to this process are dialled to it, nothing is bound.
        for (const [port, real] of remote.ports) {
          const key = `${proc.pod.namespace}/${proc.pod.name}:${port}`;
          this.realPorts.set(key, real);
          this.remoteAddresses.set(key, hostPort(remote.host, real));
        }
        continue;
      }
      for (const l of proc.spec.spawn().listeners) {
        const key = `${proc.pod.namespace}/${proc.pod.name}:${l.port}`;
        // Private: our own processes' calls, paired by their call id.
        const internal = new grpc.Server(INTERNAL_SERVER_OPTIONS);
        for (const service of l.services) internal.addService(serviceDefinition(service), this.handlers(proc, service, true));
        const socketPath = sockets.path();
        await new Promise<void>((resolve, reject) =>
          internal.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
            err ? reject(new Error(`cannot listen on ${socketPath} for ${key}: ${err.message}`)) : resolve(),
          ),
        );
        this.servers.push(internal);
        this.privatePaths.set(key, socketPath);
        if (proc.role === "rclone") {
          // Outside peers speak rclone's own HTTP remote control to it, not our gRPC carriage.
          await this.listenHttp(createRcloneHttpApp((method, request) => this.injectUnary(proc, method, request)), key);
          continue;
        }
        // Public: outside peers, each call a new outside call whatever it carries.
        const external = new grpc.Server();
        for (const service of l.services) external.addService(serviceDefinition(service), this.handlers(proc, service, false));
        if (this.options.probes !== false) this.probes.add(external, proc, l.services);
        const tls = proc.role === "scheduler" ? this.options.tls : undefined;
        const listener = await PublicListener.open(
          external, serverCredentials(tls), this.host, this.options.fixedPorts?.get(key) ?? 0, key,
          this.options.connectionTimeoutMs ?? GRPC_GO_CONNECTION_TIMEOUT_MS,
        );
        this.servers.push(external);
        this.publicListeners.push(listener);
        this.realPorts.set(key, listener.address.port);
        this.listeners.push({ key, host: this.host, port: listener.address.port, protocol: tls ? "grpc+tls" : "grpc" });
      }
      const probe = proc.spec.spawn() as { httpPort?: unknown };
      if (proc.role !== "mlserver" || typeof probe.httpPort !== "number") continue;
      // MLServer's REST v2 front: each request becomes a call into the same component.
      await this.listenHttp(createRestApp((method, request) => this.injectUnary(proc, method, request)), `${proc.pod.namespace}/${proc.pod.name}:${probe.httpPort}`);
    }
  }

  /** A public HTTP front of a process (MLServer's REST v2, rclone's remote control). */
  private async listenHttp(app: FastifyInstance, key: string): Promise<void> {
    const wanted = this.options.fixedPorts?.get(key) ?? 0;
    try {
      await app.listen({ host: this.host, port: wanted });
    } catch (e) {
      await app.close();
      throw new UserError(`cannot listen on ${hostPort(this.host, wanted)} for ${key}: ${(e as Error).message}`);
    }
    const addr = app.server.address() as net.AddressInfo;
    this.realPorts.set(key, addr.port);
    this.restApps.push(app);
    this.listeners.push({ key, host: this.host, port: addr.port, protocol: "http" });
  }

  private async listenFault(onConnection: (s: net.Socket) => void): Promise<string> {
    const { server, path } = await listenPrivate(this.sockets!, (s) => {
      this.peers.add(s);
      s.on("close", () => this.peers.delete(s));
      s.on("error", () => {});
      onConnection(s);
    });
    this.faultServers.push(server);
    return path;
  }

  // ------------------------------------------------------------------------------------------
  // Server side

  /**
   * The handlers of one service of one process. `internal` handlers serve our own processes and
   * find the engine's call by the id it carries; public ones take every call as a new outside call.
   */
  private handlers(proc: Proc, service: string, internal: boolean): grpc.UntypedServiceImplementation {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [name, def] of Object.entries(serviceDefinition(service))) {
      const path = (def as MethodDefinition).path as MethodPath;
      const d = def as MethodDefinition;
      const arrive = (grpcCall: AnyServerCall, side: ServerSide, request: unknown): Call | null => {
        if (this.closing) return null;
        let call: Call | undefined;
        let peer: string;
        if (internal) {
          const id = Number(grpcCall.metadata.get(CALL_HEADER)[0]);
          call = this.byCallId.get(id);
          this.byCallId.delete(id);
          peer = call ? simPeer(call) : "";
        } else {
          peer = grpcCall.getPeer();
          if (proc.up) call = this.engine.acceptOutsideCall(proc, path, peer);
        }
        const fromEngine = internal;
        // Refused here: the client's error status takes the request's delivery slot.
        if (!call || call.closed || !proc.up) {
          if (!internal) this.engine.noteRefusedOutsideCall(proc, path, peer, d.requestStream ? undefined : request, { code: Status.UNAVAILABLE, details: `${proc.id} is not running` });
          return null;
        }
        this.serverSides.set(call.id, side);
        const c = call;
        // grpc-js also says "cancelled" after a normal finish; only a call whose server side has
        // not finished was really cancelled by its client. Our own processes' calls are ended by
        // the engine on both sides (`drop` lets the server side go before cancelling), so only
        // an outside peer's cancel is news.
        if (!internal) {
          (grpcCall as grpc.ServerWritableStream<object, object>).on("cancelled", () => {
            if (!c.closed && this.serverSides.has(c.id)) this.engine.breakCall(c, null, "client");
          });
        }
        const incoming: Input = {
          kind: "incoming", call: call.serverCallId, method: path, peer,
          ...(d.requestStream ? {} : { request }),
          ...(internal ? (call.headers ? { headers: call.headers } : {}) : outsideHeaders(grpcCall.metadata)),
        };
        if (fromEngine) this.arrived(c.id, "toServer", () => this.deliverServer(c, incoming));
        else {
          if (!d.requestStream) this.engine.noteOutsideMessage(c, "request", request);
          this.deliverServer(c, incoming);
        }
        return call;
      };
      const unavailable = { code: Status.UNAVAILABLE, details: `${proc.id} is not running` };
      if (!d.requestStream && !d.responseStream) {
        impl[name] = (call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
          if (!arrive(call, { def: d, unaryCallback: callback }, call.request)) callback(unavailable);
        };
      } else if (!d.requestStream && d.responseStream) {
        impl[name] = (call: grpc.ServerWritableStream<object, object>) => {
          if (!arrive(call, { def: d, stream: call }, call.request)) call.emit("error", unavailable);
        };
      } else {
        impl[name] = (call: grpc.ServerReadableStream<object, object> | grpc.ServerDuplexStream<object, object>, callback?: grpc.sendUnaryData<object>) => {
          const side: ServerSide = { def: d, ...(callback ? { unaryCallback: callback } : { stream: call as grpc.ServerDuplexStream<object, object> }) };
          const c = arrive(call, side, undefined);
          if (!c) {
            if (callback) callback(unavailable);
            else call.emit("error", unavailable);
            return;
          }
          const fromEngine = c.client !== null;
          call.on("data", (m: object) => {
            const deliver = () => this.deliverServer(c, { kind: "incomingMessage", call: c.serverCallId, message: m });
            if (fromEngine) this.arrived(c.id, "toServer", deliver);
            else {
              if (!c.closed) this.engine.noteOutsideMessage(c, "request", m);
              deliver();
            }
          });
          call.on("end", () => {
            const deliver = () => this.deliverServer(c, { kind: "incomingHalfClose", call: c.serverCallId });
            if (fromEngine) this.arrived(c.id, "toServer", deliver);
            else deliver();
          });
        };
      }
    }
    return impl;
  }

  /** A unary call from outside the cluster (e.g. a REST request) into a process. */
  injectUnary(proc: Proc, method: MethodPath, request: unknown): Promise<DispatchResult> {
    return new Promise((resolve) => {
      if (!proc.up || this.closing) {
        resolve({ ok: false, code: Status.UNAVAILABLE, details: `${proc.id} is not running` });
        return;
      }
      const call = this.engine.acceptOutsideCall(proc, method, "rest");
      this.serverSides.set(call.id, {
        def: methodDef(method),
        unaryCallback: (err, value) => {
          if (err) resolve({ ok: false, code: (err as grpc.ServiceError).code ?? Status.UNKNOWN, details: (err as grpc.ServiceError).details ?? String(err) });
          else resolve({ ok: true, message: value });
        },
      });
      this.engine.noteOutsideMessage(call, "request", request);
      this.deliverServer(call, { kind: "incoming", call: call.serverCallId, method, request, peer: "rest" });
    });
  }

  toClient(call: Call, ev: { kind: "message"; message: unknown } | { kind: "finish"; status: GrpcStatus }): void {
    const side = this.serverSides.get(call.id);
    if (!side) return;
    const counted = call.client !== null;
    if (ev.kind === "message") {
      if (side.unaryCallback) {
        side.pendingResponse = ev.message as object;
      } else if (side.stream) {
        if (counted) this.expect(call, "toClient");
        side.stream.write(ev.message as object);
      }
      return;
    }
    this.serverSides.delete(call.id);
    if (counted) this.expect(call, "toClient");
    if (side.unaryCallback) {
      if (ev.status.code === Status.OK) side.unaryCallback(null, side.pendingResponse ?? {});
      else side.unaryCallback({ code: ev.status.code, details: ev.status.details });
    } else if (side.stream) {
      if (ev.status.code === Status.OK) side.stream.end();
      else side.stream.emit("error", { code: ev.status.code, details: ev.status.details });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Client side

  /** A channel to one target, shared by every call to it. */
  private client(target: string): grpc.Client {
    let c = this.clients.get(target);
    if (!c) {
      c = new grpc.Client(target, grpc.credentials.createInsecure(), INTERNAL_CHANNEL_OPTIONS);
      this.clients.set(target, c);
    }
    return c;
  }

  open(call: Call, request: unknown, to: Proc): void {
    const key = `${to.pod.namespace}/${to.pod.name}:${portOf(call.target)}`;
    const remote = this.remoteAddresses.get(key);
    if (remote !== undefined) return this.dial(call, remote, request, false, true);
    const socketPath = this.privatePaths.get(key);
    if (socketPath === undefined) {
      this.engine.queue.push(this.engine.now, () => this.engine.closeClient(call, { code: Status.UNAVAILABLE, details: "no such listener" }));
      return;
    }
    this.byCallId.set(call.id, call);
    this.dial(call, `unix:${socketPath}`, request, false, false);
  }

  /**
   * Open `call` on `target`. Our own processes are dialled on their private sockets with the call
   * id; a remote one (a real component elsewhere) on its address without it, and what it sends is
   * handed over as it comes, as an outside peer's calls are, instead of in a reserved place on
   * the virtual clock.
   */
  private dial(call: Call, target: string, request: unknown, swallowed: boolean, remote: boolean): void {
    if (this.closing) return;
    const def = methodDef(call.method);
    const md = new grpc.Metadata();
    if (!remote) md.set(CALL_HEADER, String(call.id));
    else for (const [k, v] of Object.entries(call.headers ?? {})) md.set(k, v);
    const client = this.client(target);
    if (remote) this.remoteCalls.add(call.id);
    if (!swallowed && !remote) this.expect(call, "toServer");
    // waitForReady=false: a refused connection fails the call at once, as Go's default dial does
    const opts: grpc.CallOptions = {};
    // An error's code and details are all that reaches a component: grpc-js's capture of the
    // caller's stack for its text was a twentieth of a `wire` rollout's CPU.
    withoutStackFrames(() => this.startCall(call, def, client, request, md, opts, remote));
  }

  /** The grpc-js call of `dial`, its events wired to the engine. */
  private startCall(
    call: Call, def: MethodDefinition, client: grpc.Client,
    request: unknown, md: grpc.Metadata, opts: grpc.CallOptions, remote: boolean,
  ): void {
    const path = call.method;
    const ser = def.requestSerialize as (v: object) => Buffer;
    const des = def.responseDeserialize as (b: Buffer) => object;
    if (!def.requestStream && !def.responseStream) {
      // The most common call: one closure, nothing else kept per call.
      const c = client.makeUnaryRequest(path, ser, des, (request ?? {}) as object, md, opts, (err, resp) => this.settle(call, remote, err, resp));
      this.clientCalls.set(call.id, c);
      return;
    }
    if (!def.responseStream) {
      const c = client.makeClientStreamRequest(path, ser, des, md, opts, (err, resp) => this.settle(call, remote, err, resp));
      this.clientCalls.set(call.id, c);
      return;
    }
    const c = def.requestStream ? client.makeBidiStreamRequest(path, ser, des, md, opts) : client.makeServerStreamRequest(path, ser, des, (request ?? {}) as object, md, opts);
    c.on("data", (m: object) => {
      this.arriveAtClient(call, remote, () => this.deliverClient(call, { kind: "message", message: m }));
    });
    c.once("status", (status: grpc.StatusObject) => {
      this.clientCalls.delete(call.id);
      this.remoteCalls.delete(call.id);
      this.arriveAtClient(call, remote, () => this.deliverClient(call, { kind: "finish", status: { code: status.code as GrpcStatus["code"], details: status.details } }));
    });
    c.on("error", () => {}); // the status event carries it
    this.clientCalls.set(call.id, c);
  }

  /** The one response of a unary or client-streaming call we opened, or its error (grpc-js reports either once). */
  private settle(call: Call, remote: boolean, err: grpc.ServiceError | null, resp: object | undefined): void {
    this.clientCalls.delete(call.id);
    this.remoteCalls.delete(call.id);
    if (err) {
      this.arriveAtClient(call, remote, () => this.deliverClient(call, { kind: "finish", status: { code: err.code as GrpcStatus["code"], details: err.details } }));
      return;
    }
    this.arriveAtClient(call, remote, () => {
      this.deliverClient(call, { kind: "message", message: resp });
      this.deliverClient(call, { kind: "finish", status: { code: Status.OK, details: "" } });
    });
  }

  /** What the server side of a call we opened sent: our own process's in its place, a remote one's as it comes. */
  private arriveAtClient(call: Call, remote: boolean, deliver: () => void): void {
    if (!remote) this.arrived(call.id, "toClient", deliver);
    else if (!this.closing && !call.closed) deliver();
  }

  toServer(call: Call, ev: { kind: "message"; message: unknown } | { kind: "halfClose" } | { kind: "cancel" }): void {
    const c = this.clientCalls.get(call.id) as grpc.ClientWritableStream<object> | undefined;
    if (!c) return;
    const counted = !this.remoteCalls.has(call.id);
    if (ev.kind === "message") {
      if (counted) this.expect(call, "toServer");
      c.write(ev.message as object);
    } else if (ev.kind === "halfClose") {
      if (counted) this.expect(call, "toServer");
      c.end();
    }
  }

  drop(call: Call): void {
    this.remoteCalls.delete(call.id);
    const c = this.clientCalls.get(call.id);
    this.clientCalls.delete(call.id);
    const side = this.serverSides.get(call.id);
    this.serverSides.delete(call.id);
    // An outside peer's call whose server went away: the peer sees its connection fail.
    if (!call.client && side) {
      const status = { code: Status.UNAVAILABLE, details: "error reading from server: EOF" };
      if (side.unaryCallback) side.unaryCallback(status);
      else side.stream?.emit("error", status);
    }
    this.byCallId.delete(call.id);
    this.deliveries.drop(call.id);
    if (c) c.cancel();
  }

  fail(call: Call, status: GrpcStatus, how: "refused" | "reset" | "unresolved" | "unimplemented"): void {
    if (this.closing) return;
    if (how === "refused" || how === "reset") {
      // Make the failure real, then report it in the words of the pod's Go client.
      this.expect(call, "toClient", 0);
      const client = this.client(`unix:${how === "refused" ? this.closedPath : this.resetPath}`);
      const def = methodDef("/inference.GRPCInferenceService/ServerLive");
      client.makeUnaryRequest(def.path, def.requestSerialize as (v: object) => Buffer, def.responseDeserialize as (b: Buffer) => object, {}, (err) => {
        this.arrived(call.id, "toClient", () => {
          if (this.closing) return;
          if (!err || err.code !== Status.UNAVAILABLE) {
            this.engine.log(call.client!, "error", `seldon-sim: expected UNAVAILABLE from a ${how} link, got ${err ? err.code : "OK"}`);
          }
          this.engine.closeClient(call, status);
        });
      });
      return;
    }
    // As the sim transport reports it: one latency later.
    this.engine.queue.push(this.engine.now + this.engine.latencyMs, () => this.engine.closeClient(call, status));
  }

  blackhole(call: Call): void {
    // Dial a peer that never answers; the engine's deadline (virtual) ends the call.
    this.byCallId.set(call.id, call);
    this.dial(call, `unix:${this.blackholePath}`, {}, true, false);
    // This dial is not counted: nothing will ever arrive. Its failure must not be reported
    // before the deadline either, so detach it.
    const c = this.clientCalls.get(call.id);
    if (c) c.removeAllListeners("status");
  }

  /**
   * Deliveries in flight that hold the run: zero unless the engine's next event is the place of
   * a message still on its way (see `OrderedDeliveries`). Once closing, nothing holds it.
   */
  get inFlight(): number {
    return !this.closing && this.deliveries.blocked ? this.deliveries.inFlight : 0;
  }

  private deliverServer(...args: Parameters<Engine["arrivedAtServer"]>): void {
    if (!this.closing) this.engine.arrivedAtServer(...args);
  }

  private deliverClient(...args: Parameters<Engine["arrivedAtClient"]>): void {
    if (!this.closing) this.engine.arrivedAtClient(...args);
  }

  /** A message of `call` leaves now: reserve its place, where and when sim would deliver it. */
  private expect(call: Call, dir: Direction, extraDelayMs = call.extraDelayMs): void {
    if (this.ordered) this.deliveries.expect(call.id, dir, this.engine.now + this.engine.latencyMs + extraDelayMs);
  }

  /** Something sent on `callId` arrived; `deliver` hands it to the engine in its place. */
  private arrived(callId: number, dir: Direction, deliver: () => void): void {
    if (this.ordered) this.deliveries.arrived(callId, dir, deliver);
    else deliver();
  }

  waitForDelivery(): Promise<void> {
    return this.deliveries.waitForDelivery();
  }

  /**
   * Stop: every call an outside peer still holds ends with UNAVAILABLE, connections get a short
   * grace to finish, then everything is torn down, whatever the peers do.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.probes.close();
    this.deliveries.close();
    const ending = { code: Status.UNAVAILABLE, details: "server is shutting down" };
    for (const [id, side] of this.serverSides) {
      this.serverSides.delete(id);
      try {
        if (side.unaryCallback) side.unaryCallback(ending);
        else side.stream?.emit("error", ending);
      } catch {
        // the peer's stream is already gone
      }
    }
    for (const c of this.clientCalls.values()) c.cancel();
    this.clientCalls.clear();
    for (const c of this.clients.values()) c.close();
    this.byCallId.clear();
    await Promise.all(this.publicListeners.map((l) => l.close(SHUTDOWN_GRACE_MS)));
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => {
      const timer = setTimeout(() => { s.forceShutdown(); r(); }, SHUTDOWN_GRACE_MS);
      s.tryShutdown(() => { clearTimeout(timer); r(); });
    })));
    for (const s of this.servers) s.forceShutdown();
    await Promise.all(this.restApps.map(async (a) => {
      const timer = setTimeout(() => a.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await a.close();
      clearTimeout(timer);
    }));
    for (const p of this.peers) p.destroy();
    await Promise.all(this.faultServers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets?.remove();
  }
}

function portOf(target: string): number {
  return Number(target.slice(target.lastIndexOf(":") + 1));
}

/** The text headers an outside peer sent (binary ones and our own call header left out). */
function outsideHeaders(md: grpc.Metadata): { headers?: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) if (typeof v === "string" && k !== CALL_HEADER) headers[k] = v;
  return Object.keys(headers).length > 0 ? { headers } : {};
}
