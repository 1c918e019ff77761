/**
 * One line of a recording: one gRPC message, or the status that ended a call, on one link.
 * The shape is documented for other tools in schema/recording.schema.json.
 */

export interface RecordedStatus {
  code: number;
  /** The code's name, e.g. `UNAVAILABLE`. */
  name: string;
  details: string;
}

export interface RecordEntry {
  /** Wall-clock time the entry was recorded, ISO 8601. */
  wallTime: string;
  /** Run time in milliseconds (the virtual clock; in `serve` and `verify` it follows the wall clock). */
  virtualMs: number;
  /** The sending end: a process as `namespace/pod/container`, or `outside <peer address>`. */
  from: string;
  /** The receiving end, named the same way. */
  to: string;
  /** Full gRPC method path, e.g. `/seldon.mlops.agent.AgentService/Subscribe`. */
  method: string;
  /** The call's id; every message and the status of one call share it. */
  stream: number;
  kind: "message" | "status";
  /** `request`: client to server; `response`: server to client (a status is always a response). */
  direction: "request" | "response";
  /** Position of a message among the call's messages in its direction, from 0; for a status, the
   * number of responses before it. */
  index: number;
  /** The decoded message, with the proto's own field names (absent on a status). */
  message?: unknown;
  status?: RecordedStatus;
}

/** The short method name of a path: `/seldon.mlops.agent.AgentService/Subscribe` → `Subscribe`. */
export function methodName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Messages as JSON: bytes fields (Buffers) as base64, so a line stays one readable value. */
export function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}
