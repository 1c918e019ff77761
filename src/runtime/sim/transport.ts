/**
 * In-memory transport on the virtual clock. Every message is encoded and decoded with the
 * method's protobuf serializers on its way, so a message that would not survive the wire does not
 * survive the simulation either; it arrives one latency later (plus any `delay` rule).
 */
import { method as methodDef } from "../../proto/index.ts";
import type { GrpcStatus } from "../../core/protocol.ts";
import type { Call, Engine, Proc, Transport } from "../engine.ts";

/** The address a server sees an internal call come from: its client pod's IP and a port of its own. */
export function simPeer(call: Call): string {
  return call.client ? `${call.client.pod.spec.ip}:${40000 + (call.id % 20000)}` : "outside";
}

export class SimTransport implements Transport {
  readonly inFlight = 0;
  /** Calls whose connection went: what is still on its way for them is not delivered. Weak, so a
   * long run does not keep every call it ever dropped. */
  private readonly dropped = new WeakSet<Call>();

  /** The last response encoded, for the next subscriber of the same message (`effectBatch`). */
  private lastEncoded: { batch: number; message: unknown; method: string; bytes: Buffer } | null = null;

  constructor(private readonly engine: Engine) {}

  /** A response's encoding: once per message object, however many streams it goes to. */
  private encodeResponse(method: string, message: object): Buffer {
    const last = this.lastEncoded;
    if (last !== null && last.message === message && last.method === method && last.batch === this.engine.effectBatch) return last.bytes;
    const bytes = methodDef(method).responseSerialize(message);
    this.lastEncoded = { batch: this.engine.effectBatch, message, method, bytes };
    return bytes;
  }

  private later(call: Call, run: () => void): void {
    this.engine.queue.push(this.engine.now + this.engine.latencyMs + call.extraDelayMs, () => {
      if (!this.dropped.has(call)) run();
    });
  }

  open(call: Call, request: unknown, to: Proc): void {
    const def = methodDef(call.method);
    const decoded = def.requestStream ? undefined : def.requestDeserialize(def.requestSerialize(request as object));
    const peer = simPeer(call);
    this.later(call, () => {
      if (to.up) {
        this.engine.arrivedAtServer(call, { kind: "incoming", call: call.serverCallId, method: call.method, request: decoded, peer });
      }
    });
  }

  toServer(call: Call, ev: { kind: "message"; message: unknown } | { kind: "halfClose" } | { kind: "cancel" }): void {
    if (ev.kind === "message") {
      const def = methodDef(call.method);
      const decoded = def.requestDeserialize(def.requestSerialize(ev.message as object));
      this.later(call, () => this.engine.arrivedAtServer(call, { kind: "incomingMessage", call: call.serverCallId, message: decoded }));
    } else if (ev.kind === "halfClose") {
      this.later(call, () => this.engine.arrivedAtServer(call, { kind: "incomingHalfClose", call: call.serverCallId }));
    }
  }

  toClient(call: Call, ev: { kind: "message"; message: unknown } | { kind: "finish"; status: GrpcStatus }): void {
    if (ev.kind === "message") {
      const decoded = methodDef(call.method).responseDeserialize(this.encodeResponse(call.method, ev.message as object));
      this.later(call, () => this.engine.arrivedAtClient(call, { kind: "message", message: decoded }));
    } else {
      this.later(call, () => this.engine.arrivedAtClient(call, ev));
    }
  }

  drop(call: Call): void {
    this.dropped.add(call);
  }

  fail(call: Call, status: GrpcStatus): void {
    this.engine.queue.push(this.engine.now + this.engine.latencyMs, () => this.engine.closeClient(call, status));
  }

  blackhole(): void {}

  async waitForDelivery(): Promise<void> {}
  async close(): Promise<void> {}
}
