/**
 * gRPC keepalive as Seldon Core v2.9.0's components configure it, and grpc-go's defaults where
 * they configure nothing. A black-holed connection is only noticed by a keepalive ping that is
 * never acknowledged, so these numbers decide how long a silent stream stays "connected".
 *
 * v2.9.0 facts:
 * - The agent's client to the scheduler (and the other scheduler-side Go clients built with the
 *   shared helper): ping after 60 s without activity, give up 2 s after an unanswered ping, no
 *   pings without an active stream.
 * - The operator's (controller's) client to the scheduler: the same 60 s / 2 s, its own constants.
 * - The scheduler's servers (agent server on 9005, scheduler API on 9004) set only an enforcement
 *   policy (MinTime 60 s), no server parameters, so grpc-go's server defaults apply: ping after
 *   2 h of inactivity, give up after 20 s.
 * - MLServer is Python; the agent's own servers are not pinged by anything we simulate: none.
 * - A dial into a black hole: grpc-go bounds each connection attempt by minConnectTimeout, 20 s.
 */

/** One side's keepalive: when it pings an idle connection and how long it waits for the ACK. */
export interface KeepaliveParams {
  timeMs: number;
  timeoutMs: number;
}

export interface KeepaliveProfile {
  /** The client's keepalive by the client's role and the server's role; null: none configured. */
  client(clientRole: string, serverRole: string): KeepaliveParams | null;
  /** The server's keepalive by the server's role; null: none configured. */
  server(serverRole: string): KeepaliveParams | null;
  /** How long grpc-go's connection attempt into a black hole lasts before it fails. */
  connectTimeoutMs: number;
}

const SELDON_CLIENT: KeepaliveParams = { timeMs: 60_000, timeoutMs: 2_000 };
const GRPC_GO_SERVER_DEFAULT: KeepaliveParams = { timeMs: 2 * 60 * 60_000, timeoutMs: 20_000 };

export const KEEPALIVE_V2_9_0: KeepaliveProfile = {
  client(clientRole, serverRole) {
    if (serverRole !== "scheduler") return null;
    return clientRole === "agent" || clientRole === "controller" ? SELDON_CLIENT : null;
  },
  server(serverRole) {
    return serverRole === "scheduler" ? GRPC_GO_SERVER_DEFAULT : null;
  },
  connectTimeoutMs: 20_000,
};

/** When a stream that went silent at `since` is broken, and which side notices first. */
export function keepaliveBreak(
  profile: KeepaliveProfile, clientRole: string, serverRole: string, since: number,
): { at: number; side: "client" | "server" } | null {
  const c = profile.client(clientRole, serverRole);
  const s = profile.server(serverRole);
  const ct = c ? since + c.timeMs + c.timeoutMs : Infinity;
  const st = s ? since + s.timeMs + s.timeoutMs : Infinity;
  if (ct === Infinity && st === Infinity) return null;
  return ct <= st ? { at: ct, side: "client" } : { at: st, side: "server" };
}
