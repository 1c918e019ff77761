/**
 * The rclone remote-control commands the Seldon v2.9.0 agent sends (its `rclone` package), by the
 * HTTP path rclone serves them on and the method that carries them between our processes.
 */
import type { MethodPath } from "../core/protocol.ts";
import { M } from "../proto/index.ts";

export const RCLONE_DEFAULT_PORT = 5572;

export const RC_COMMANDS = {
  noop: { path: "/rc/noop", method: M.rclone.Noop },
  configCreate: { path: "/config/create", method: M.rclone.ConfigCreate },
  configUpdate: { path: "/config/update", method: M.rclone.ConfigUpdate },
  configGet: { path: "/config/get", method: M.rclone.ConfigGet },
  configListRemotes: { path: "/config/listremotes", method: M.rclone.ConfigListRemotes },
  configDelete: { path: "/config/delete", method: M.rclone.ConfigDelete },
  syncCopy: { path: "/sync/copy", method: M.rclone.SyncCopy },
  operationsPurge: { path: "/operations/purge", method: M.rclone.OperationsPurge },
} as const;

export type RcCommand = keyof typeof RC_COMMANDS;

const BY_METHOD = new Map<MethodPath, RcCommand>(Object.entries(RC_COMMANDS).map(([k, v]) => [v.method, k as RcCommand]));
const BY_PATH = new Map<string, RcCommand>(Object.entries(RC_COMMANDS).map(([k, v]) => [v.path, k as RcCommand]));

export function commandOfMethod(method: MethodPath): RcCommand | undefined {
  return BY_METHOD.get(method);
}

/** `/sync/copy` or `sync/copy` → the command, as rclone's HTTP server matches its paths. */
export function commandOfPath(path: string): RcCommand | undefined {
  return BY_PATH.get(path.startsWith("/") ? path : `/${path}`);
}

/** The messages of the RemoteControl service (rc.proto). */
export interface RcRequestMsg {
  json?: string;
}
export interface RcResponseMsg {
  http_status?: number;
  json?: string;
}
