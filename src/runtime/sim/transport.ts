/**
 * In-memory transport on the virtual clock. Every message is encoded with the method's protobuf
 * serializers when it is sent and decoded when it arrives, one latency later (plus any `delay`
 * rule), so a message that would not survive the wire does not survive the simulation either.
 * What is on its way is bytes, as on a wire: the decoded object is made where it is read and
 * dies young, where one made at the sender's end lived through the latency in the queue.
 */
import type { GrpcStatus } from "../../core/protocol.ts";
import type { Call, Engine, Transport } from "../engine.ts";
import { QueueEntry } from "../queue.ts";

/** The address a server sees an internal call come from: its client pod's IP and a port of its own. */
export function simPeer(call: Call): string {
  return call.client ? `${call.client.pod.spec.ip}:${40000 + (call.id % 20000)}` : "outside";
}

const enum Kind {
  Open,
  Request,
  HalfClose,
  Response,
  Finish,
  Fail,
}

/**
 * One thing on its way, as its own queue entry: a rollout carries hundreds of thousands, and a
 * closure per delivery (inside another that checks the link) plus the queue's entry for it were
 * three objects where one does.
 */
class InFlight extends QueueEntry {
  constructor(
    at: number,
    private readonly transport: SimTransport,
    readonly call: Call,
    readonly kind: Kind,
    /** The encoded message, the status, or nothing. */
    readonly payload: unknown,
  ) {
    super(at);
  }

  run(): void {
    this.transport.arrive(this);
  }
}

export class SimTransport implements Transport {
  readonly inFlight = 0;

  /** The last response encoded, for the next subscriber of the same message (`effectBatch`). */
  private lastEncoded: { batch: number; message: unknown; method: string; bytes: Buffer } | null = null;

  constructor(private readonly engine: Engine) {}

  /** A response's encoding: once per message object, however many streams it goes to. */
  private encodeResponse(call: Call, message: object): Buffer {
    const last = this.lastEncoded;
    const batch = this.engine.effectBatch;
    if (last !== null && last.message === message && last.method === call.method && last.batch === batch) return last.bytes;
    const bytes = call.def.responseSerialize(message);
    if (last !== null) {
      last.batch = batch;
      last.message = message;
      last.method = call.method;
      last.bytes = bytes;
    } else this.lastEncoded = { batch, message, method: call.method, bytes };
    return bytes;
  }

  private later(call: Call, kind: Kind, payload: unknown): void {
    const engine = this.engine;
    engine.queue.schedule(new InFlight(engine.now + engine.latencyMs + call.extraDelayMs, this, call, kind, payload));
  }

  /** A delivery's time has come. */
  arrive(d: InFlight): void {
    const call = d.call;
    const engine = this.engine;
    if (d.kind === Kind.Fail) {
      engine.closeClient(call, d.payload as GrpcStatus);
      return;
    }
    if (call.connectionGone) return;
    switch (d.kind) {
      case Kind.Open:
        // An opening goes to the call's server (the engine names it before carrying the
        // opening), and the peer address is the call's own: neither rides on every message.
        if (call.server!.up) {
          const request = d.payload === undefined ? undefined : call.def.requestDeserialize(d.payload as Buffer);
          engine.arrivedAtServer(call, { kind: "incoming", call: call.serverCallId, method: call.method, request, peer: simPeer(call) });
        }
        return;
      case Kind.Request:
        if (!call.closed) engine.arrivedAtServer(call, { kind: "incomingMessage", call: call.serverCallId, message: call.def.requestDeserialize(d.payload as Buffer) });
        return;
      case Kind.HalfClose:
        engine.arrivedAtServer(call, { kind: "incomingHalfClose", call: call.serverCallId });
        return;
      case Kind.Response:
        // What its client will not read (a stream it stopped reading on the way, a call over, a
        // client restarted since) is not decoded.
        if (engine.readsResponses(call)) engine.responseArrived(call, call.def.responseDeserialize(d.payload as Buffer));
        return;
      case Kind.Finish:
        engine.closeClient(call, d.payload as GrpcStatus);
        return;
    }
  }

  open(call: Call, request: unknown): void {
    const def = call.def;
    this.later(call, Kind.Open, def.requestStream ? undefined : def.requestSerialize(request as object));
  }

  toServer(call: Call, ev: { kind: "message"; message: unknown } | { kind: "halfClose" } | { kind: "cancel" }): void {
    if (ev.kind === "message") {
      const def = call.def;
      this.later(call, Kind.Request, def.requestSerialize(ev.message as object));
    } else if (ev.kind === "halfClose") {
      this.later(call, Kind.HalfClose, undefined);
    }
  }

  toClient(call: Call, ev: { kind: "message"; message: unknown } | { kind: "finish"; status: GrpcStatus }): void {
    if (ev.kind === "message") {
      const bytes = this.encodeResponse(call, ev.message as object);
      // A stream its client no longer reads: the bytes reach its side, where nothing decodes
      // them (the engine hands such a stream's messages to nobody), so nothing need carry them.
      if (!call.unread) this.later(call, Kind.Response, bytes);
    } else {
      this.later(call, Kind.Finish, ev.status);
    }
  }

  drop(call: Call): void {
    call.connectionGone = true;
  }

  fail(call: Call, status: GrpcStatus): void {
    const engine = this.engine;
    engine.queue.schedule(new InFlight(engine.now + engine.latencyMs, this, call, Kind.Fail, status));
  }

  blackhole(): void {}

  async waitForDelivery(): Promise<void> {}
  async close(): Promise<void> {}
}
