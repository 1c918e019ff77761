/**
 * The agent environment a server pod gets: its install's ServerConfig (./install.ts), the
 * inference container's memory request as MEMORY_REQUEST and the pod's identity (downward API),
 * then a scenario's own settings, as a Server's overrides are laid over its ServerConfig.
 */
import type { ServerType } from "../scenario/types.ts";
import { DEFAULT_INSTALL, INSTALLS, type InstallKind } from "./install.ts";

/** The agent's environment for a pod of this server: the install's defaults, then the user's. */
export function agentEnv(
  type: ServerType,
  userEnv: Record<string, string>,
  podName: string,
  namespace: string,
  install: InstallKind = DEFAULT_INSTALL,
): Record<string, string> {
  const profile = INSTALLS[install];
  return {
    ...profile.agentEnv(type),
    MEMORY_REQUEST: String(profile.inferenceMemoryRequestBytes[type]),
    POD_NAME: podName,
    POD_NAMESPACE: namespace,
    ...userEnv,
  };
}

/**
 * Seldon's shipped ServerConfigs give each of a server pod's three containers (rclone, the agent,
 * the inference server) a preStop hook that calls the agent's drainer, and the pod 120 s to
 * terminate; after that Kubernetes kills what still runs.
 */
export const PRE_STOP_HOOKS = ["rclone", "agent", "server"] as const;
export const TERMINATION_GRACE_PERIOD_MS = 120_000;
