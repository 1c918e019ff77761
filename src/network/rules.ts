/**
 * Network rules between components: which connections a platform refuses, black-holes, delays,
 * resets or makes flap. Both runtimes ask `policyFor` when a call is opened and apply the answer
 * in their own way (in memory in `sim`, with real sockets in `wire`), so a rule means the same in
 * both.
 */

export type NetworkMode = "refuse" | "blackhole" | "delay" | "reset" | "flap";

/** Which processes a side of a rule matches; every given field must match. */
export interface Endpoint {
  role?: string;
  namespace?: string;
  /** Pod name, e.g. `mlserver-0`. */
  pod?: string;
  /** Server name, for agents and inference servers (`mlserver` for pod `mlserver-0`). */
  server?: string;
  replica?: number;
  port?: number;
}

export interface NetworkRule {
  id: string;
  from: Endpoint;
  to: Endpoint;
  mode: NetworkMode;
  /** Extra one-way latency for `delay`. */
  delayMs?: number;
  /** For `flap`: the link is refused for `downMs` at the start of every `periodMs`. */
  periodMs?: number;
  downMs?: number;
  /** Only between processes of the same pod (e.g. the agent and its own MLServer). */
  samePod?: boolean;
}

/** What a process looks like to the rules. */
export interface EndpointFacts {
  role: string;
  namespace: string;
  pod: string;
  server?: string;
  replica?: number;
  port?: number;
}

export type LinkPolicy =
  | { kind: "open"; extraDelayMs: number }
  | { kind: "refuse" }
  | { kind: "blackhole" }
  | { kind: "reset" };

/** Whether an endpoint selector matches a process's facts: every field it names must agree. */
export function matches(e: Endpoint, f: EndpointFacts): boolean {
  return (
    (e.role === undefined || e.role === f.role) &&
    (e.namespace === undefined || e.namespace === f.namespace) &&
    (e.pod === undefined || e.pod === f.pod) &&
    (e.server === undefined || e.server === f.server) &&
    (e.replica === undefined || e.replica === f.replica) &&
    (e.port === undefined || e.port === f.port)
  );
}

/** The first matching rule decides; no rule means an open link. */
export function policyFor(rules: readonly NetworkRule[], from: EndpointFacts, to: EndpointFacts, now: number): LinkPolicy {
  let extra = 0;
  for (const r of rules) {
    if (!matches(r.from, from) || !matches(r.to, to)) continue;
    if (r.samePod && from.pod !== to.pod) continue;
    switch (r.mode) {
      case "refuse": return { kind: "refuse" };
      case "blackhole": return { kind: "blackhole" };
      case "reset": return { kind: "reset" };
      case "delay": extra += r.delayMs ?? 0; break;
      case "flap": {
        const period = r.periodMs ?? 10_000;
        const down = r.downMs ?? period / 2;
        if (now % period < down) return { kind: "refuse" };
        break;
      }
    }
  }
  return { kind: "open", extraDelayMs: extra };
}

/** The error texts a Go gRPC client of Seldon sees, so logs read as they do on a cluster. */
export const goDialErrors = {
  refused: (target: string): string =>
    `connection error: desc = "transport: Error while dialing: dial tcp ${target}: connect: connection refused"`,
  /** grpc-go's DNS resolver (clients made with grpc.NewClient, as v2.9.0's are) turns an
   * unknown name into an empty address list, not a dial error. */
  noSuchHost: (_host: string): string => "name resolver error: produced zero addresses",
  reset: (target: string): string =>
    `connection error: desc = "transport: Error while dialing: read tcp ${target}: read: connection reset by peer"`,
  deadline: (): string => "context deadline exceeded",
  eof: (): string => "error reading from server: EOF",
  /** A connection attempt into a black hole, ended by grpc-go's connect timeout. */
  dialTimeout: (target: string): string =>
    `connection error: desc = "transport: Error while dialing: dial tcp ${target}: i/o timeout"`,
  /** The client's keepalive ping went unanswered: grpc-go closes the transport with this. */
  keepalive: (): string => `connection error: desc = "keepalive ping failed to receive ACK within timeout"`,
};
