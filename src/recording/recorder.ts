/**
 * Records every message and every call's end that an engine sees, as `RecordEntry` lines, to any
 * number of sinks (a JSON Lines file, memory for `verify`). Per-call counters are dropped as each
 * call ends, so a long-running `serve` keeps bounded memory when it records only to a file.
 */
import type { Call, CallTap, Engine } from "../runtime/engine.ts";
import { STATUS_NAMES, type GrpcStatus } from "../core/protocol.ts";
import { toJsonValue, type RecordEntry } from "./entry.ts";

export type Sink = (entry: RecordEntry) => void;

export class Recorder implements CallTap {
  private readonly counts = new Map<number, { request: number; response: number }>();
  private readonly sinks: Sink[] = [];

  constructor(private readonly engine: Engine, private readonly wallClock: () => number = Date.now) {
    engine.taps.push(this);
  }

  addSink(sink: Sink): void {
    this.sinks.push(sink);
  }

  /** Keep the entries in memory too (for `verify`, which judges them afterwards). */
  keep(): RecordEntry[] {
    const out: RecordEntry[] = [];
    this.addSink((e) => out.push(e));
    return out;
  }

  message(call: Call, dir: "request" | "response", message: unknown): void {
    const c = this.countsOf(call);
    const index = c[dir]++;
    this.emit({ ...this.link(call, dir), kind: "message", direction: dir, index, message: toJsonValue(message) });
  }

  closed(call: Call, status: GrpcStatus): void {
    const c = this.countsOf(call);
    this.counts.delete(call.id);
    this.emit({
      ...this.link(call, "response"), kind: "status", direction: "response", index: c.response,
      status: { code: status.code, name: STATUS_NAMES[status.code] ?? String(status.code), details: status.details },
    });
  }

  close(): void {
    this.engine.taps.splice(this.engine.taps.indexOf(this), 1);
  }

  private countsOf(call: Call): { request: number; response: number } {
    let c = this.counts.get(call.id);
    if (!c) {
      c = { request: 0, response: 0 };
      this.counts.set(call.id, c);
    }
    return c;
  }

  private link(call: Call, dir: "request" | "response"): Pick<RecordEntry, "wallTime" | "virtualMs" | "from" | "to" | "method" | "stream"> {
    const client = call.client?.id ?? `outside ${call.target}`;
    const server = call.server?.id ?? call.target;
    return {
      wallTime: new Date(this.wallClock()).toISOString(),
      virtualMs: this.engine.now,
      from: dir === "request" ? client : server,
      to: dir === "request" ? server : client,
      method: call.method,
      stream: call.id,
    };
  }

  private emit(e: RecordEntry): void {
    for (const s of this.sinks) s(e);
  }
}
