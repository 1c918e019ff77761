/**
 * The sans-IO vocabulary every component speaks.
 *
 * A component never touches a socket or a clock. The runtime hands it `Input`s (a call that
 * arrived, a message on a call, a timer that fired) together with the current time, and the
 * component answers with `Effect`s (start a call, reply, finish, set a timer, log). The `sim`
 * runtime delivers effects through in-memory links on a virtual clock; the `wire` runtime
 * carries the very same effects over real gRPC. Messages are plain objects in the shape
 * `@grpc/proto-loader` produces with `PROTO_LOAD_OPTIONS` (see `src/proto/`).
 */

/** Milliseconds since the start of a run (virtual in `sim`, scaled or real in `wire`). */
export type Millis = number;

/** A full gRPC method path, e.g. `/seldon.mlops.agent.AgentService/Subscribe`. */
export type MethodPath = string;

/** `host:port` as a pod sees it, e.g. `10.42.0.70:9500` or `seldon-scheduler.financial-ml:9005`. */
export type Address = string;

/** Identifies one call from the point of view of one component. Client ids are chosen by the
 * component; server-side ids are chosen by the runtime. The two spaces never meet. */
export type CallId = string;

/** gRPC status codes (numeric values are the wire values). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

export const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Status).map(([k, v]) => [v, k]),
);

/** Go's spelling of status codes, used when we render errors the way Seldon's Go components log them. */
export const GO_STATUS_NAMES: Record<number, string> = {
  0: "OK", 1: "Canceled", 2: "Unknown", 3: "InvalidArgument", 4: "DeadlineExceeded", 5: "NotFound",
  6: "AlreadyExists", 7: "PermissionDenied", 8: "ResourceExhausted", 9: "FailedPrecondition",
  10: "Aborted", 11: "OutOfRange", 12: "Unimplemented", 13: "Internal", 14: "Unavailable",
  15: "DataLoss", 16: "Unauthenticated",
};

export interface GrpcStatus {
  code: StatusCode;
  details: string;
}

export const OK_STATUS: GrpcStatus = { code: Status.OK, details: "" };

/** `rpc error: code = Unavailable desc = ...`, as a Go gRPC client prints an error. */
export function goRpcError(status: GrpcStatus): string {
  return `rpc error: code = ${GO_STATUS_NAMES[status.code] ?? status.code} desc = ${status.details}`;
}

/** Request metadata (gRPC headers; lower-case keys), as a proxy routes on it. Most calls carry none. */
export type Headers = Record<string, string>;

export type LogLevel = "debug" | "info" | "warning" | "error" | "fatal";

export type Fields = Record<string, string | number | boolean>;

// ---------------------------------------------------------------------------------------------
// Inputs

export type Input =
  /** The process has started (pod container started). */
  | { kind: "start" }
  | { kind: "timer"; timer: string }
  /**
   * Kubernetes runs a container's preStop hook. Seldon's server pods point every container's hook
   * at the agent's drainer (`GET :9007/terminate`), so the agent receives one per container.
   */
  | { kind: "preStop"; container: string }
  // -- server side: calls other components make to the services this component serves
  /** A new call. Unary and server-streaming calls carry their request; client-streaming do not. */
  | { kind: "incoming"; call: CallId; method: MethodPath; request?: unknown; peer: string; headers?: Headers }
  /** A message on a client-streaming call. */
  | { kind: "incomingMessage"; call: CallId; message: unknown }
  /** The client finished sending on a client-streaming call. */
  | { kind: "incomingHalfClose"; call: CallId }
  /** The client went away (cancelled, crashed, or the connection broke). */
  | { kind: "incomingCancelled"; call: CallId }
  // -- client side: calls this component started
  /** A unary response or one message of a server stream. */
  | { kind: "response"; call: CallId; message: unknown }
  /** The call is over: OK after a unary response or the end of a stream, or an error. */
  | { kind: "closed"; call: CallId; status: GrpcStatus };

// ---------------------------------------------------------------------------------------------
// Effects

export type Effect =
  /** Start a call to `target`. Unary and server-streaming calls pass `request`. A deadline is
   * relative to now; without one the call waits for ever, as a Go context without deadline. */
  | { kind: "call"; call: CallId; target: Address; method: MethodPath; request?: unknown; deadlineMs?: Millis; headers?: Headers }
  /** Send a message on a client-streaming call this component started. */
  | { kind: "send"; call: CallId; message: unknown }
  | { kind: "halfClose"; call: CallId }
  | { kind: "cancel"; call: CallId }
  /** Client side: the component will not ask for another message of this stream, as a Go
   * client that never calls `Recv` again. What still arrives is not unmarshalled nor handed
   * to it (gRPC decodes a message only when it is received); the stream's end still is. */
  | { kind: "stopReading"; call: CallId }
  /** Server side: a unary response, or one message of a server stream. */
  | { kind: "reply"; call: CallId; message: unknown }
  /** Server side: end the call with a status (after `reply` for unary OK). */
  | { kind: "finish"; call: CallId; status: GrpcStatus }
  | { kind: "setTimer"; timer: string; afterMs: Millis }
  | { kind: "clearTimer"; timer: string }
  | { kind: "log"; level: LogLevel; msg: string; fields?: Fields }
  /** The process exits (as `log.Fatal` does); the runtime applies the pod's restart policy. */
  | { kind: "exit"; code: number; reason: string }
  /** Something a test or a report may want to see that is not a log line (a decision, a
   * state change). Never sent anywhere. */
  | { kind: "observe"; event: Observation };

/** Structured records of what happened inside a component, for traces, reports and properties. */
export type Observation = { type: string; [key: string]: unknown };

/** Where a component listens: a port and the gRPC services served on it. */
export interface Listener {
  port: number;
  services: string[];
}

/**
 * A sans-IO component. Deterministic: the same inputs at the same times give the same effects.
 * Randomness, if any, comes from a seeded generator passed at construction.
 */
export interface Component {
  /** Component role, e.g. `scheduler`, `agent`, `mlserver`, `controller`. */
  readonly role: string;
  /** Process identity inside its namespace, e.g. `mlserver-0`, `seldon-scheduler-0`. */
  readonly name: string;
  /** What the process serves. Static for the life of the process. */
  readonly listeners: Listener[];
  handle(input: Input, now: Millis): Effect[];
}
