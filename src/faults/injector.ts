/**
 * Acts on deliveries in flight: the engine hands every message, opening, half-close and finish
 * of every call to `intercept`, and this decides, from the message rules and the link toxics in
 * force, whether it is carried now, later, twice, changed, or not at all, or whether the call
 * ends instead. It works on the engine's virtual clock and a seeded generator only, so a faulty
 * run is as repeatable as a healthy one, and the same in `sim` and `wire`.
 *
 * Order within one direction of one call is kept (as a TCP stream keeps it): a delayed delivery
 * holds back those after it, unless a rule reorders on purpose.
 */
import type { Call, Delivery, DeliveryInterceptor, Engine } from "../runtime/engine.ts";
import { method as methodDef } from "../proto/index.ts";
import { Status, type GrpcStatus, type Input } from "../core/protocol.ts";
import { goDialErrors } from "../network/rules.ts";
import { Rng } from "../core/rng.ts";
import { callPort, linkCovers } from "./links.ts";
import type { Direction, LinkToxic, MessageRule, RuleAction } from "./spec.ts";

interface DirState {
  releaseAt: number;
  bytes: number;
  /** A delivery held back by `reorder`, released after the next one. */
  held: Delivery | null;
  /** A unary response was dropped: its finish goes with it. */
  swallowed: boolean;
}

interface CallState {
  request: DirState;
  response: DirState;
  /** The opening reached the transport (the server side exists). */
  opened: boolean;
  /** Toxic id → whether it applies to this call (toxicity is decided once per call, as
   * Toxiproxy decides it once per connection). */
  applies: Map<string, boolean>;
  /** Toxic ids that already scheduled this call's end (timeout, reset_peer). */
  ending: Set<string>;
}

function dirState(): DirState {
  return { releaseAt: 0, bytes: 0, held: null, swallowed: false };
}

export function directionOf(d: Delivery): Direction {
  return d.kind === "open" || d.kind === "halfClose" || (d.kind === "message" && d.dir === "request") ? "request" : "response";
}

/** The message a delivery carries, if any. */
function messageOf(d: Delivery): unknown {
  if (d.kind === "open") return d.request;
  if (d.kind === "message") return d.message;
  return undefined;
}

function withMessage(d: Delivery, message: unknown): Delivery {
  if (d.kind === "open") return { ...d, request: message };
  if (d.kind === "message") return { ...d, message };
  return d;
}

export function valueAt(message: unknown, path: string): unknown {
  let v: unknown = message;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = Array.isArray(v) && /^\d+$/.test(part) ? v[Number(part)] : (v as Record<string, unknown>)[part];
  }
  return v;
}

function setAt(message: unknown, path: string, value: unknown): void {
  const parts = path.split(".");
  let v = message as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (v[part] === null || typeof v[part] !== "object") v[part] = {};
    v = v[part] as Record<string, unknown>;
  }
  v[parts[parts.length - 1]!] = value;
}

export function methodMatches(rule: string | null, method: string): boolean {
  return rule === null || rule === method || method.endsWith(`/${rule}`);
}

export class FaultInjector implements DeliveryInterceptor {
  toxics: LinkToxic[] = [];
  rules: MessageRule[] = [];
  private readonly matched = new Map<string, number>();
  private readonly calls = new WeakMap<Call, CallState>();
  private readonly rng: Rng;

  constructor(private readonly engine: Engine, seed: number) {
    this.rng = new Rng(seed).fork("faults");
  }

  /** Forget how often a rule matched (it was replaced or removed). */
  resetCount(id: string): void {
    this.matched.delete(id);
  }

  private state(call: Call): CallState {
    let s = this.calls.get(call);
    if (!s) {
      s = { request: dirState(), response: dirState(), opened: false, applies: new Map(), ending: new Set() };
      this.calls.set(call, s);
    }
    return s;
  }

  intercept(call: Call, d: Delivery, carry: (d: Delivery) => void): void {
    const server = d.kind === "open" ? d.to : call.server;
    if (!server || (this.rules.length === 0 && this.toxics.length === 0 && !this.calls.has(call))) {
      if (d.kind === "open") this.state(call).opened = true;
      return carry(d);
    }
    const st = this.state(call);
    const dir = directionOf(d);
    const ds = st[dir];
    if (ds.swallowed && d.kind === "finish") return;
    let delivery = d;
    let delayMs = 0;
    let copies = 1;

    // Message rules first: they name one message; toxics act on whatever is carried.
    const message = messageOf(d);
    if (message !== undefined) {
      const rule = this.firingRule(call, server, dir, message);
      if (rule) {
        const once = rule.action.kind === "duplicate" && !(d.kind === "message" && methodDef(call.method)[dir === "request" ? "requestStream" : "responseStream"]);
        this.note(call, rule.id, once ? "duplicate: a unary call carries one message, delivered once" : describe(rule.action), dir);
        const a = rule.action;
        switch (a.kind) {
          case "drop":
            if (!methodDef(call.method)[dir === "request" ? "requestStream" : "responseStream"]) ds.swallowed = true;
            return;
          case "delay": delayMs += a.ms; break;
          case "duplicate":
            if (d.kind === "message" && methodDef(call.method)[dir === "request" ? "requestStream" : "responseStream"]) copies = 2;
            break;
          case "reorder":
            if (d.kind === "message" && ds.held === null) {
              ds.held = d;
              return;
            }
            break;
          case "corrupt": {
            const changed = structuredClone(message);
            for (const [path, value] of Object.entries(a.set)) setAt(changed, path, value);
            delivery = withMessage(d, changed);
            break;
          }
          case "status": return this.end(call, st, carry, { code: a.code, details: a.message });
          case "end": return this.end(call, st, carry, { code: Status.OK, details: "" });
        }
      }
    }

    const stream = dir === "request" ? "upstream" : "downstream";
    const size = message === undefined ? 0 : encodedSize(call, dir, message);
    for (const t of this.toxics) {
      if (t.toxic.stream !== stream || !linkCovers(t.link, call, server) || !this.applies(st, t)) continue;
      const a = t.toxic.attributes;
      switch (t.toxic.type) {
        case "latency": {
          const jitter = a.jitter ?? 0;
          delayMs += Math.max(0, (a.latency ?? 0) + (jitter > 0 ? Math.round((this.rng.next() * 2 - 1) * jitter) : 0));
          break;
        }
        case "bandwidth": delayMs += Math.ceil(size / (a.rate ?? 1)); break; // rate in KB/s = bytes per ms
        case "slicer": delayMs += Math.ceil((Math.ceil(size / (a.average_size ?? 1)) * (a.delay ?? 0)) / 1000); break;
        case "slow_close": if (d.kind === "finish" || d.kind === "halfClose") delayMs += a.delay ?? 0; break;
        case "limit_data":
          if (ds.bytes + size > (a.bytes ?? 0)) {
            this.note(call, t.id, "limit_data: connection closed", dir);
            return this.breakLater(call, 0, { code: Status.UNAVAILABLE, details: goDialErrors.eof() });
          }
          break;
        case "timeout":
          if (!st.ending.has(t.id)) {
            st.ending.add(t.id);
            this.note(call, t.id, "timeout: data stopped", dir);
            if ((a.timeout ?? 0) > 0) this.breakLater(call, a.timeout!, { code: Status.UNAVAILABLE, details: goDialErrors.eof() });
          }
          return;
        case "reset_peer":
          if (!st.ending.has(t.id)) {
            st.ending.add(t.id);
            this.note(call, t.id, "reset_peer", dir);
            const port = callPort(call, server);
            this.breakLater(call, a.timeout ?? 0, { code: Status.UNAVAILABLE, details: goDialErrors.reset(`${server.pod.spec.ip}:${port}`) });
          }
          if ((a.timeout ?? 0) === 0) return;
          break;
        case "down":
          this.note(call, t.id, "down", dir);
          return this.breakLater(call, 0, { code: Status.UNAVAILABLE, details: goDialErrors.eof() });
      }
    }
    ds.bytes += size * copies;
    if (d.kind === "open") st.opened = true;

    const release = Math.max(this.engine.now + delayMs, ds.releaseAt);
    ds.releaseAt = release;
    const held = ds.held;
    if (held && delivery !== held) ds.held = null;
    const out = (): void => {
      for (let i = 0; i < copies; i++) carry(delivery);
      if (held && delivery !== held) carry(held);
    };
    if (release <= this.engine.now) out();
    else this.engine.queue.push(release, () => { if (!call.closed) out(); });
  }

  /**
   * Message rules on what an outside peer (a real agent or controller joined to `serve`) sends;
   * its answers pass through `intercept` like any other. Link toxics act on the engine's own
   * deliveries only.
   */
  inbound(call: Call, input: Input, deliver: (i: Input) => void): void {
    const server = call.server;
    const message = input.kind === "incoming" ? input.request : input.kind === "incomingMessage" ? input.message : undefined;
    if (!server || this.rules.length === 0) return deliver(input);
    const st = this.state(call);
    const ds = st.request;
    let out = input;
    let delayMs = 0;
    let copies = 1;
    const rule = message === undefined ? null : this.firingRule(call, server, "request", message);
    if (rule) {
      this.note(call, rule.id, describe(rule.action), "request");
      const a = rule.action;
      const stream = input.kind === "incomingMessage";
      switch (a.kind) {
        case "drop": return;
        case "delay": delayMs = a.ms; break;
        case "duplicate": if (stream) copies = 2; break;
        case "reorder":
          if (stream && ds.held === null) {
            ds.held = { kind: "message", dir: "request", message: input.message };
            return;
          }
          break;
        case "corrupt": {
          const changed = structuredClone(message);
          for (const [path, value] of Object.entries(a.set)) setAt(changed, path, value);
          out = input.kind === "incoming" ? { ...input, request: changed } : { ...input, message: changed } as Input;
          break;
        }
        case "status":
        case "end": {
          const status: GrpcStatus = a.kind === "status" ? { code: a.code, details: a.message } : { code: Status.OK, details: "" };
          this.engine.transport.toClient(call, { kind: "finish", status });
          st.response.swallowed = true;
          if (input.kind !== "incoming" && server.up) this.engine.deliver(server, { kind: "incomingCancelled", call: call.serverCallId });
          return;
        }
      }
    }
    const held = ds.held && ds.held.kind === "message" && input.kind === "incomingMessage" ? ds.held : null;
    if (held) ds.held = null;
    const release = Math.max(this.engine.now + delayMs, ds.releaseAt);
    ds.releaseAt = release;
    const go = (): void => {
      for (let i = 0; i < copies; i++) deliver(out);
      if (held) deliver({ kind: "incomingMessage", call: call.serverCallId, message: held.message });
    };
    if (release <= this.engine.now) go();
    else this.engine.queue.push(release, go);
  }

  private applies(st: CallState, t: LinkToxic): boolean {
    let yes = st.applies.get(t.id);
    if (yes === undefined) {
      yes = t.toxic.toxicity >= 1 || this.rng.next() < t.toxic.toxicity;
      st.applies.set(t.id, yes);
    }
    return yes;
  }

  private firingRule(call: Call, server: NonNullable<Call["server"]>, dir: Direction, message: unknown): MessageRule | null {
    for (const r of this.rules) {
      if (r.direction !== null && r.direction !== dir) continue;
      if (!methodMatches(r.method, call.method)) continue;
      if (r.link && !linkCovers(r.link, call, server)) continue;
      if (!Object.entries(r.match).every(([path, want]) => String(valueAt(message, path)) === String(want))) continue;
      const n = (this.matched.get(r.id) ?? 0) + 1;
      this.matched.set(r.id, n);
      const o = r.occurrence;
      if (o.kind === "every" || (o.kind === "nth" && o.n === n) || (o.kind === "after" && this.engine.now >= o.ms)) return r;
    }
    return null;
  }

  /** The call ends with `status`, one latency from now: a real status from the server side when
   * it has one, else as a failed dial. */
  private end(call: Call, st: CallState, carry: (d: Delivery) => void, status: GrpcStatus): void {
    if (!st.opened) {
      this.engine.transport.fail(call, status, "unimplemented");
      return;
    }
    const server = call.server;
    const serverCallId = call.serverCallId;
    carry({ kind: "finish", status });
    st.response.swallowed = true;
    if (server?.up) this.engine.deliver(server, { kind: "incomingCancelled", call: serverCallId });
  }

  private breakLater(call: Call, afterMs: number, status: GrpcStatus): void {
    this.engine.queue.push(this.engine.now + afterMs + this.engine.latencyMs, () => {
      if (!call.closed) this.engine.breakCall(call, status, "both");
    });
  }

  private note(call: Call, fault: string, action: string, dir: Direction): void {
    const client = call.client?.id ?? "outside";
    const server = call.server?.id ?? call.target;
    this.engine.record({
      t: this.engine.now, type: "fault", fault, action, method: call.method, dir,
      from: dir === "request" ? client : server, to: dir === "request" ? server : client,
    });
  }
}

function describe(a: RuleAction): string {
  switch (a.kind) {
    case "delay": return `delay ${a.ms}ms`;
    case "status": return `status ${a.code}${a.message ? ` ${a.message}` : ""}`;
    case "corrupt": return `corrupt ${Object.keys(a.set).join(",")}`;
    default: return a.kind;
  }
}

function encodedSize(call: Call, dir: Direction, message: unknown): number {
  const def = methodDef(call.method);
  try {
    return (dir === "request" ? def.requestSerialize(message as object) : def.responseSerialize(message as object)).length;
  } catch {
    return 0;
  }
}
