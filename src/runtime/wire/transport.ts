/**
 * Real gRPC on loopback. Every listener of every process is a grpc-js server on 127.0.0.1; every
 * call between processes is a grpc-js client call to it. Faults happen for real: a refused link
 * dials a port nobody listens on, a reset link dials a peer that drops the connection, a
 * black-holed link dials a peer that accepts and never answers. The engine's clock stays virtual:
 * it advances only when nothing is in flight, so timers fire in the same order as in `sim`.
 */
import * as grpc from "@grpc/grpc-js";
import * as net from "node:net";
import { Status, type GrpcStatus, type Input, type MethodPath } from "../../core/protocol.ts";
import { method as methodDef, serviceDefinition, type MethodDefinition } from "../../proto/index.ts";
import type { Call, Engine, Pod, Proc, Transport } from "../engine.ts";
import { createRestApp, type DispatchResult } from "../../mlserver/rest.ts";
import type { FastifyInstance } from "fastify";
import { UserError } from "../../core/errors.ts";

const CALL_HEADER = "x-seldon-sim-call";

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
  /** Bind address; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** Fixed ports per `namespace/pod:port`; others get ephemeral ports. */
  fixedPorts?: Map<string, number>;
  /** Real milliseconds to wait for a delivery before giving up on it (a lost message). */
  deliveryTimeoutMs?: number;
}

/** A reserved place in the engine's queue for one delivery; `run` is set once it has arrived. */
interface Slot {
  run: (() => void) | null;
  due: boolean;
}

export class WireTransport implements Transport {
  /** Deliveries sent and not yet arrived. */
  private pending = 0;
  /** Per call, the queue places of its deliveries still on their way, in order. A call we drop
   * takes them with it, and whatever grpc-js still reports for it is not an arrival. */
  private readonly slots = new Map<number, Slot[]>();
  private readonly servers: grpc.Server[] = [];
  /** `namespace/pod:port` → real port. */
  readonly realPorts = new Map<string, number>();
  /** `namespace/pod:port` → host of a remote process (see `ProcessSpec.remote`); others are local. */
  private readonly remoteHosts = new Map<string, string>();
  /** Calls to such a remote process, whose deliveries are not counted in flight. */
  private readonly remoteCalls = new Set<number>();
  private readonly clients = new Map<string, grpc.Client>();
  private readonly clientCalls = new Map<number, grpc.ClientUnaryCall | grpc.ClientReadableStream<object> | grpc.ClientWritableStream<object> | grpc.ClientDuplexStream<object, object>>();
  private readonly serverSides = new Map<number, ServerSide>();
  private readonly byCallId = new Map<number, Call>();
  private waiters: (() => void)[] = [];
  private closedPort = 0;
  private resetPort = 0;
  private blackholePort = 0;
  private readonly sockets: net.Server[] = [];
  /** Connections accepted by the refusing and black-holing listeners: a black-holed one stays
   * open until we end it, and a listener only finishes closing once its connections are gone. */
  private readonly peers = new Set<net.Socket>();
  private readonly restApps: FastifyInstance[] = [];
  private readonly host: string;
  /** Once closing, nothing more is carried and nothing that arrives is delivered. */
  private closing = false;
  private readonly deliveryTimeoutMs: number;

  constructor(private readonly engine: Engine, private readonly options: WireOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 10_000;
  }

  /** Bind a grpc-js server for every listener of every process, and the fault peers. */
  async bind(): Promise<void> {
    for (const pod of this.engine.pods.values()) await this.bindPod(pod);
    this.closedPort = await freePort();
    this.resetPort = await this.listen((s) => s.destroy());
    this.blackholePort = await this.listen(() => {});
  }

  /** Bind the listeners of one pod's processes (at start, and for pods added by a scale-up). */
  async bindPod(pod: Pod): Promise<void> {
    for (const proc of pod.processes.values()) {
      const remote = proc.spec.remote;
      if (remote) {
        // A real component elsewhere: calls to this process are dialled to it, nothing is bound.
        for (const [port, real] of remote.ports) {
          this.realPorts.set(`${proc.pod.namespace}/${proc.pod.name}:${port}`, real);
          this.remoteHosts.set(`${proc.pod.namespace}/${proc.pod.name}:${port}`, remote.host);
        }
        continue;
      }
      for (const l of proc.spec.spawn().listeners) {
        const key = `${proc.pod.namespace}/${proc.pod.name}:${l.port}`;
        const server = new grpc.Server();
        for (const service of l.services) server.addService(serviceDefinition(service), this.handlers(proc, service));
        const wanted = this.options.fixedPorts?.get(key) ?? 0;
        const port = await new Promise<number>((resolve, reject) =>
          server.bindAsync(`${this.host}:${wanted}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
            err ? reject(new UserError(`cannot listen on ${this.host}:${wanted} for ${key}: ${err.message}`)) : resolve(p),
          ),
        );
        this.servers.push(server);
        this.realPorts.set(key, port);
      }
      const probe = proc.spec.spawn() as { httpPort?: unknown };
      if (proc.role !== "mlserver" || typeof probe.httpPort !== "number") continue;
      // MLServer's REST v2 front: each request becomes a call into the same component.
      const app = createRestApp((method, request) => this.injectUnary(proc, method, request));
      const key = `${proc.pod.namespace}/${proc.pod.name}:${probe.httpPort}`;
      const wanted = this.options.fixedPorts?.get(key) ?? 0;
      try {
        await app.listen({ host: this.host, port: wanted });
      } catch (e) {
        throw new UserError(`cannot listen on ${this.host}:${wanted} for ${key}: ${(e as Error).message}`);
      }
      const addr = app.server.address() as net.AddressInfo;
      this.realPorts.set(key, addr.port);
      this.restApps.push(app);
    }
  }

  private async listen(onConnection: (s: net.Socket) => void): Promise<number> {
    const srv = net.createServer((s) => {
      this.peers.add(s);
      s.on("close", () => this.peers.delete(s));
      onConnection(s);
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    this.sockets.push(srv);
    return (srv.address() as net.AddressInfo).port;
  }

  // ------------------------------------------------------------------------------------------
  // Server side

  private handlers(proc: Proc, service: string): grpc.UntypedServiceImplementation {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [name, def] of Object.entries(serviceDefinition(service))) {
      const path = (def as MethodDefinition).path as MethodPath;
      const d = def as MethodDefinition;
      const arrive = (grpcCall: AnyServerCall, side: ServerSide, request: unknown): Call | null => {
        const header = grpcCall.metadata.get(CALL_HEADER)[0];
        let call: Call | undefined;
        let fromEngine = false;
        if (header !== undefined) {
          call = this.byCallId.get(Number(header));
          // only a call of ours to this very process is ours
          if (call && call.server !== proc) call = undefined;
          fromEngine = call !== undefined;
        }
        // A header naming no call of ours comes from another process (e.g. another seldon-sim).
        if (!fromEngine && proc.up) {
          call = this.engine.acceptOutsideCall(proc, path, grpcCall.getPeer());
          this.byCallId.set(call.id, call);
        }
        // Refused here: the client's error status takes the request's delivery slot.
        if (!call || call.closed || !proc.up) {
          if (!fromEngine) this.engine.noteRefusedOutsideCall(proc, path, grpcCall.getPeer(), d.requestStream ? undefined : request, { code: Status.UNAVAILABLE, details: `${proc.id} is not running` });
          return null;
        }
        this.serverSides.set(call.id, side);
        const c = call;
        // grpc-js also says "cancelled" after a normal finish; only a call whose server side has
        // not finished was really cancelled by its client.
        (grpcCall as grpc.ServerWritableStream<object, object>).on("cancelled", () => {
          if (!c.closed && this.serverSides.has(c.id)) this.engine.breakCall(c, null, "client");
        });
        const incoming: Input = {
          kind: "incoming", call: call.serverCallId, method: path, peer: grpcCall.getPeer(),
          ...(d.requestStream ? {} : { request }),
        };
        if (fromEngine) this.arrived(c.id, () => this.deliverServer(c, incoming));
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
            if (fromEngine) this.arrived(c.id, deliver);
            else {
              if (!c.closed) this.engine.noteOutsideMessage(c, "request", m);
              deliver();
            }
          });
          call.on("end", () => {
            const deliver = () => this.deliverServer(c, { kind: "incomingHalfClose", call: c.serverCallId });
            if (fromEngine) this.arrived(c.id, deliver);
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
      this.byCallId.set(call.id, call);
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
        if (counted) this.expect(call);
        side.stream.write(ev.message as object);
      }
      return;
    }
    this.serverSides.delete(call.id);
    if (counted) this.expect(call);
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

  private client(port: number, host = "127.0.0.1"): grpc.Client {
    const address = `${host}:${port}`;
    let c = this.clients.get(address);
    if (!c) {
      c = new grpc.Client(address, grpc.credentials.createInsecure(), {
        "grpc.initial_reconnect_backoff_ms": 50,
        "grpc.max_reconnect_backoff_ms": 200,
      });
      this.clients.set(address, c);
    }
    return c;
  }

  open(call: Call, request: unknown, to: Proc): void {
    const key = `${to.pod.namespace}/${to.pod.name}:${portOf(call.target)}`;
    const port = this.realPorts.get(key);
    if (port === undefined) {
      this.engine.queue.push(this.engine.now, () => this.engine.closeClient(call, { code: Status.UNAVAILABLE, details: "no such listener" }));
      return;
    }
    this.byCallId.set(call.id, call);
    this.dial(call, port, request, false, this.remoteHosts.get(key));
  }

  private dial(call: Call, port: number, request: unknown, swallowed: boolean, host?: string): void {
    if (this.closing) return;
    const def = methodDef(call.method);
    const md = new grpc.Metadata();
    if (host === undefined) md.set(CALL_HEADER, String(call.id));
    const client = this.client(port, host);
    const path = call.method;
    const ser = def.requestSerialize as (v: object) => Buffer;
    const des = def.responseDeserialize as (b: Buffer) => object;
    // A real server elsewhere answers when it answers: what it sends is handed over as it comes,
    // as an outside peer's calls are, instead of in a reserved place on the virtual clock.
    const direct = host !== undefined;
    if (direct) this.remoteCalls.add(call.id);
    const arrive = (deliver: () => void): void => {
      if (!direct) return this.arrived(call.id, deliver);
      if (!this.closing && !call.closed) deliver();
    };
    if (!swallowed && !direct) this.expect(call);
    // waitForReady=false: a refused connection fails the call at once, as Go's default dial does
    const opts: grpc.CallOptions = {};
    let settled = false;
    const onStatus = (status: grpc.StatusObject): void => {
      if (settled) return;
      settled = true;
      this.clientCalls.delete(call.id);
      this.remoteCalls.delete(call.id);
      arrive(() => this.deliverClient(call, { kind: "finish", status: { code: status.code as GrpcStatus["code"], details: status.details } }));
    };
    /** The one response of a unary or client-streaming call, or its error. */
    const onResult: grpc.requestCallback<object> = (err, resp) => {
      if (settled) return;
      if (err) return onStatus({ code: err.code, details: err.details, metadata: new grpc.Metadata() });
      settled = true;
      this.clientCalls.delete(call.id);
      this.remoteCalls.delete(call.id);
      arrive(() => {
        this.deliverClient(call, { kind: "message", message: resp });
        this.deliverClient(call, { kind: "finish", status: { code: Status.OK, details: "" } });
      });
    };
    if (!def.requestStream && !def.responseStream) {
      const c = client.makeUnaryRequest(path, ser, des, (request ?? {}) as object, md, opts, onResult);
      this.clientCalls.set(call.id, c);
    } else if (!def.requestStream) {
      const c = client.makeServerStreamRequest(path, ser, des, (request ?? {}) as object, md, opts);
      c.on("data", (m: object) => {
        arrive(() => this.deliverClient(call, { kind: "message", message: m }));
      });
      c.on("status", onStatus);
      c.on("error", () => {}); // the status event carries it
      this.clientCalls.set(call.id, c);
    } else if (!def.responseStream) {
      const c = client.makeClientStreamRequest(path, ser, des, md, opts, onResult);
      this.clientCalls.set(call.id, c);
    } else {
      const c = client.makeBidiStreamRequest(path, ser, des, md, opts);
      c.on("data", (m: object) => {
        arrive(() => this.deliverClient(call, { kind: "message", message: m }));
      });
      c.on("status", onStatus);
      c.on("error", () => {});
      this.clientCalls.set(call.id, c);
    }
  }

  toServer(call: Call, ev: { kind: "message"; message: unknown } | { kind: "halfClose" } | { kind: "cancel" }): void {
    const c = this.clientCalls.get(call.id) as grpc.ClientWritableStream<object> | undefined;
    if (!c) return;
    const counted = !this.remoteCalls.has(call.id);
    if (ev.kind === "message") {
      if (counted) this.expect(call);
      c.write(ev.message as object);
    } else if (ev.kind === "halfClose") {
      if (counted) this.expect(call);
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
    const owed = this.slots.get(call.id)?.length ?? 0;
    this.slots.delete(call.id);
    if (owed > 0) {
      this.pending = Math.max(0, this.pending - owed);
      this.wake();
    }
    if (c) c.cancel();
  }

  fail(call: Call, status: GrpcStatus, how: "refused" | "reset" | "unresolved" | "unimplemented"): void {
    if (this.closing) return;
    if (how === "refused" || how === "reset") {
      // Make the failure real, then report it in the words of the pod's Go client.
      this.expect(call, 0);
      const port = how === "refused" ? this.closedPort : this.resetPort;
      const client = this.client(port);
      const def = methodDef("/inference.GRPCInferenceService/ServerLive");
      client.makeUnaryRequest(def.path, def.requestSerialize as (v: object) => Buffer, def.responseDeserialize as (b: Buffer) => object, {}, (err) => {
        this.arrived(call.id, () => {
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
    this.dial(call, this.blackholePort, {}, true);
    // This dial is not counted: nothing will ever arrive. Its failure must not be reported
    // before the deadline either, so detach it.
    const c = this.clientCalls.get(call.id);
    if (c) c.removeAllListeners("status");
  }

  /** Once closing, nothing is in flight any more: whoever waits for a delivery stops waiting. */
  get inFlight(): number {
    return this.closing ? 0 : this.pending;
  }

  private deliverServer(...args: Parameters<Engine["arrivedAtServer"]>): void {
    if (!this.closing) this.engine.arrivedAtServer(...args);
  }

  private deliverClient(...args: Parameters<Engine["arrivedAtClient"]>): void {
    if (!this.closing) this.engine.arrivedAtClient(...args);
  }

  /**
   * A delivery is on its way: count it, and reserve its place in the engine's queue now, at the
   * time and in the order the sim transport would deliver it. It is carried out when that place
   * comes up — by then it has arrived, since the clock only moves with nothing in flight — so
   * concurrent messages are handled in the same order in both runtimes, whatever order the
   * sockets delivered them in.
   */
  private expect(call: Call, extraDelayMs = call.extraDelayMs): void {
    this.pending++;
    const slot: Slot = { run: null, due: false };
    const queue = this.slots.get(call.id) ?? [];
    queue.push(slot);
    this.slots.set(call.id, queue);
    this.engine.queue.push(this.engine.now + this.engine.latencyMs + extraDelayMs, () => {
      slot.due = true;
      slot.run?.();
    });
  }

  /** Something expected for `callId` arrived; `deliver` hands it to the engine in its slot. */
  private arrived(callId: number, deliver: () => void = () => {}): void {
    const queue = this.slots.get(callId);
    const slot = queue?.shift();
    if (!slot) return; // not something we were waiting for (e.g. a status after our own cancel)
    if (queue!.length === 0) this.slots.delete(callId);
    this.pending = Math.max(0, this.pending - 1);
    if (slot.due) deliver(); // came after we stopped waiting for it: as soon as possible
    else slot.run = deliver;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  waitForDelivery(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A delivery that never came (a bug, or a peer that vanished): stop waiting for it.
        this.pending = Math.max(0, this.pending - 1);
        resolve();
      }, this.deliveryTimeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wake();
    for (const c of this.clientCalls.values()) c.cancel();
    for (const c of this.clients.values()) c.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.tryShutdown(() => r()))));
    for (const s of this.servers) s.forceShutdown();
    await Promise.all(this.restApps.map((a) => a.close()));
    for (const p of this.peers) p.destroy();
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

function portOf(target: string): number {
  return Number(target.slice(target.lastIndexOf(":") + 1));
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
