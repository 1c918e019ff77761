/**
 * What a fault is, as a scenario file, the HTTP API and the library write it, and the one
 * validator all three use, so a mistake gets the same message wherever it was made.
 *
 * Two families:
 * - link toxics, in Toxiproxy's own vocabulary (type, stream, toxicity, attributes), acting on
 *   every call of one link (a "proxy": one listening port of one pod);
 * - message rules, which pick single messages by link, method, direction, fields and occurrence,
 *   and drop, delay, duplicate, reorder, corrupt, answer or end them.
 */
import { parseDuration } from "../scenario/parse-values.ts";
import { didYouMean } from "../core/suggest.ts";
import { Status, type StatusCode } from "../core/protocol.ts";
import type { Endpoint } from "../network/rules.ts";

/** Toxiproxy's toxic types, plus `down` (Toxiproxy's disabled proxy, as a toxic). */
export const TOXIC_TYPES = ["latency", "down", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"] as const;
export type ToxicType = (typeof TOXIC_TYPES)[number];

/** Toxiproxy's streams: upstream is client → server (requests), downstream server → client. */
export const STREAMS = ["upstream", "downstream"] as const;
export type Stream = (typeof STREAMS)[number];

/** Attribute names and defaults as Toxiproxy names them (times in ms, slicer's delay in µs). */
export const TOXIC_ATTRIBUTES: Record<ToxicType, Record<string, number>> = {
  latency: { latency: 0, jitter: 0 },
  down: {},
  bandwidth: { rate: 0 },
  slow_close: { delay: 0 },
  timeout: { timeout: 0 },
  reset_peer: { timeout: 0 },
  slicer: { average_size: 0, size_variation: 0, delay: 0 },
  limit_data: { bytes: 0 },
};

export interface Toxic {
  name: string;
  type: ToxicType;
  stream: Stream;
  /** Probability that the toxic applies to a call (Toxiproxy decides per connection). */
  toxicity: number;
  attributes: Record<string, number>;
}

/** Which calls a fault sees: one proxy by name, or selectors on both ends as network rules use. */
export type LinkSelector = { proxy: string } | { from: Endpoint; to: Endpoint };

export interface LinkToxic {
  id: string;
  link: LinkSelector;
  toxic: Toxic;
}

export type Direction = "request" | "response";

export type Occurrence =
  | { kind: "every" }
  | { kind: "nth"; n: number }
  /** Every matching message at or after run time `ms`. */
  | { kind: "after"; ms: number };

export type RuleAction =
  | { kind: "drop" }
  | { kind: "delay"; ms: number }
  | { kind: "duplicate" }
  /** Held back and delivered after the next message in the same direction of the same call. */
  | { kind: "reorder" }
  /** Fields set to other values on the way (dotted paths). */
  | { kind: "corrupt"; set: Record<string, unknown> }
  /** The call ends with this status instead. */
  | { kind: "status"; code: StatusCode; message: string }
  /** The stream ends cleanly (io.EOF for a Go reader) instead. */
  | { kind: "end" };

export interface MessageRule {
  id: string;
  link: LinkSelector | null;
  /** Full path (`/seldon.mlops.agent.AgentService/AgentEvent`) or bare method name. */
  method: string | null;
  direction: Direction | null;
  /** Dotted path → value the message must have there (compared as text). */
  match: Record<string, string | number | boolean>;
  occurrence: Occurrence;
  action: RuleAction;
}

export type Fault = ({ family: "toxic" } & LinkToxic) | ({ family: "message" } & MessageRule);

/** A mistake in a fault, with the dotted path of the field at fault. */
export class FaultSpecError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "FaultSpecError";
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fields(v: Json, at: string, allowed: readonly string[], what: string): Record<string, Json> {
  if (!isObject(v)) throw new FaultSpecError(at, `expected ${what} (an object)`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new FaultSpecError(join(at, k), `unknown field \`${k}\` in ${what}${didYouMean(k, allowed)}; expected one of ${allowed.join(", ")}`);
  }
  return v;
}

function join(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}

function str(v: Json, at: string, what: string): string {
  if (typeof v !== "string" || v === "") throw new FaultSpecError(at, `expected ${what} (a non-empty string)`);
  return v;
}

function num(v: Json, at: string, what: string, min = 0): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) throw new FaultSpecError(at, `expected ${what} (a number ≥ ${min})`);
  return v;
}

function duration(v: Json, at: string): number {
  const p = parseDuration(v);
  if (!p.ok) throw new FaultSpecError(at, p.error);
  return p.value;
}

function oneOf<T extends string>(v: Json, at: string, options: readonly T[], what: string): T {
  if (typeof v !== "string" || !(options as readonly string[]).includes(v)) {
    throw new FaultSpecError(at, `expected ${what}, one of ${options.join(", ")}${typeof v === "string" ? `; got \`${v}\`${didYouMean(v, options)}` : ""}`);
  }
  return v as T;
}

const ENDPOINT_FIELDS = ["role", "namespace", "pod", "server", "replica", "port"] as const;

function endpoint(v: Json, at: string): Endpoint {
  if (typeof v === "string") return { role: v };
  const o = fields(v, at, ENDPOINT_FIELDS, "an endpoint selector such as `{role: agent}`");
  const e: Endpoint = {};
  for (const k of ["role", "namespace", "pod", "server"] as const) if (o[k] !== undefined) e[k] = str(o[k], join(at, k), k);
  if (o.replica !== undefined) e.replica = num(o.replica, join(at, "replica"), "a replica index");
  if (o.port !== undefined) e.port = num(o.port, join(at, "port"), "a port", 1);
  return e;
}

export function parseLink(v: Json, at: string): LinkSelector {
  if (typeof v === "string") return { proxy: v };
  const o = fields(v, at, ["proxy", "from", "to"], "a link: `{proxy: NAME}` or `{from: ..., to: ...}`");
  if (o.proxy !== undefined) {
    if (o.from !== undefined || o.to !== undefined) throw new FaultSpecError(at, "give either `proxy` or `from`/`to`, not both");
    return { proxy: str(o.proxy, join(at, "proxy"), "a proxy name") };
  }
  return { from: o.from === undefined ? {} : endpoint(o.from, join(at, "from")), to: o.to === undefined ? {} : endpoint(o.to, join(at, "to")) };
}

/** A toxic in Toxiproxy's JSON shape; `defaultName` as Toxiproxy names it (`<type>_<stream>`). */
export function parseToxic(v: Json, at: string): Toxic {
  const o = fields(v, at, ["name", "type", "stream", "toxicity", "attributes"], "a toxic");
  if (o.type === undefined) throw new FaultSpecError(join(at, "type"), `missing required field \`type\` (one of ${TOXIC_TYPES.join(", ")})`);
  const type = oneOf(o.type, join(at, "type"), TOXIC_TYPES, "a toxic type");
  const stream = o.stream === undefined ? "downstream" : oneOf(o.stream, join(at, "stream"), STREAMS, "a stream");
  const toxicity = o.toxicity === undefined ? 1 : num(o.toxicity, join(at, "toxicity"), "a probability between 0 and 1");
  if (toxicity > 1) throw new FaultSpecError(join(at, "toxicity"), "expected a probability between 0 and 1");
  const known = TOXIC_ATTRIBUTES[type];
  const attributes: Record<string, number> = { ...known };
  if (o.attributes !== undefined) {
    const a = fields(o.attributes, join(at, "attributes"), Object.keys(known), `the attributes of a ${type} toxic`);
    for (const [k, x] of Object.entries(a)) attributes[k] = num(x, join(join(at, "attributes"), k), `${k}`);
  }
  if (type === "bandwidth" && attributes.rate === 0) throw new FaultSpecError(join(join(at, "attributes"), "rate"), "a bandwidth toxic needs a rate > 0 (KB/s)");
  if (type === "slicer" && attributes.average_size === 0) throw new FaultSpecError(join(join(at, "attributes"), "average_size"), "a slicer toxic needs an average_size > 0 (bytes)");
  const name = o.name === undefined ? `${type}_${stream}` : str(o.name, join(at, "name"), "a toxic name");
  return { name, type, stream, toxicity, attributes };
}

const STATUS_BY_NAME = Status as Record<string, StatusCode>;

function parseAction(v: Json, at: string): RuleAction {
  const simple = ["drop", "duplicate", "reorder", "end"] as const;
  if (typeof v === "string") {
    const k = oneOf(v, at, [...simple, "delay", "corrupt", "status"], "an action");
    if (k === "delay" || k === "corrupt" || k === "status") throw new FaultSpecError(at, `\`${k}\` needs a value, e.g. ${k === "delay" ? "`{delay: 5s}`" : k === "corrupt" ? "`{corrupt: {set: {field: value}}}`" : "`{status: {code: UNAVAILABLE}}`"}`);
    return { kind: k };
  }
  const o = fields(v, at, ["drop", "duplicate", "reorder", "end", "delay", "corrupt", "status"], "an action");
  const keys = Object.keys(o);
  if (keys.length !== 1) throw new FaultSpecError(at, `expected exactly one action, got ${keys.length}`);
  const k = keys[0]!;
  const x = o[k];
  const a = join(at, k);
  switch (k) {
    case "delay": return { kind: "delay", ms: duration(x, a) };
    case "corrupt": {
      const c = fields(x, a, ["set"], "a corruption");
      if (!isObject(c.set) || Object.keys(c.set).length === 0) throw new FaultSpecError(join(a, "set"), "expected the fields to change, e.g. `{set: {event: UNLOADED}}`");
      return { kind: "corrupt", set: c.set };
    }
    case "status": {
      const s = fields(x, a, ["code", "message"], "a gRPC status");
      let code: StatusCode;
      if (typeof s.code === "number" && Number.isInteger(s.code) && s.code >= 0 && s.code <= 16) code = s.code as StatusCode;
      else code = STATUS_BY_NAME[oneOf(s.code, join(a, "code"), Object.keys(Status), "a gRPC status code")]!;
      if (code === Status.OK) throw new FaultSpecError(join(a, "code"), "an answer with status OK is `end`");
      return { kind: "status", code, message: s.message === undefined ? "" : String(s.message) };
    }
    default:
      if (x !== true && x !== null && !(isObject(x) && Object.keys(x).length === 0)) throw new FaultSpecError(a, `\`${k}\` takes no value (write \`action: ${k}\`)`);
      return { kind: k as (typeof simple)[number] };
  }
}

function parseOccurrence(v: Json, at: string): Occurrence {
  if (v === undefined || v === "every") return { kind: "every" };
  if (v === "first") return { kind: "nth", n: 1 };
  const o = fields(v, at, ["nth", "after"], "an occurrence: `first`, `every`, `{nth: N}` or `{after: DURATION}`");
  if (o.nth !== undefined) {
    if (typeof o.nth !== "number" || !Number.isInteger(o.nth) || o.nth < 1) throw new FaultSpecError(join(at, "nth"), "expected a whole number ≥ 1");
    return { kind: "nth", n: o.nth };
  }
  if (o.after !== undefined) return { kind: "after", ms: duration(o.after, join(at, "after")) };
  throw new FaultSpecError(at, "expected `first`, `every`, `{nth: N}` or `{after: DURATION}`");
}

export const RULE_FIELDS = ["id", "link", "method", "direction", "match", "occurrence", "action"] as const;

export function parseMessageRule(v: Json, at: string, defaultId: string): MessageRule {
  const o = fields(v, at, RULE_FIELDS, "a message rule");
  if (o.action === undefined) throw new FaultSpecError(join(at, "action"), "missing required field `action` (drop, delay, duplicate, reorder, corrupt, status or end)");
  const match: Record<string, string | number | boolean> = {};
  if (o.match !== undefined) {
    if (!isObject(o.match)) throw new FaultSpecError(join(at, "match"), "expected message fields by dotted path, e.g. `{modelVersion.model.meta.name: iris}`");
    for (const [k, x] of Object.entries(o.match)) {
      if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw new FaultSpecError(join(join(at, "match"), k), "expected a string, number or boolean");
      match[k] = x;
    }
  }
  return {
    id: o.id === undefined ? defaultId : str(o.id, join(at, "id"), "a rule id"),
    link: o.link === undefined ? null : parseLink(o.link, join(at, "link")),
    method: o.method === undefined ? null : str(o.method, join(at, "method"), "a gRPC method name"),
    direction: o.direction === undefined ? null : oneOf(o.direction, join(at, "direction"), ["request", "response"] as const, "a direction"),
    match,
    occurrence: parseOccurrence(o.occurrence, join(at, "occurrence")),
    action: parseAction(o.action, join(at, "action")),
  };
}

/** A scenario's `faults` entry (or the library's): `{id, link, toxic}` or `{id, message: rule}`. */
export function parseFault(v: Json, at: string, defaultId: string): Fault {
  const o = fields(v, at, ["id", "link", "toxic", "message"], "a fault: `{link, toxic}` or `{message: rule}`");
  const id = o.id === undefined ? defaultId : str(o.id, join(at, "id"), "a fault id");
  if (o.toxic !== undefined) {
    if (o.message !== undefined) throw new FaultSpecError(at, "a fault is either a `toxic` or a `message` rule, not both");
    if (o.link === undefined) throw new FaultSpecError(join(at, "link"), "a toxic needs a `link` (`{proxy: NAME}` or `{from: ..., to: ...}`)");
    return { family: "toxic", id, link: parseLink(o.link, join(at, "link")), toxic: parseToxic(o.toxic, join(at, "toxic")) };
  }
  if (o.message !== undefined) {
    if (o.link !== undefined) throw new FaultSpecError(join(at, "link"), "put a message rule's `link` inside `message`");
    return { family: "message", ...parseMessageRule(o.message, join(at, "message"), id), id };
  }
  throw new FaultSpecError(at, "expected `toxic` (with `link`) or `message`");
}
