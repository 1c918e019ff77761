/**
 * Which part of a scenario's cluster seldon-sim runs when a real component takes a place in it:
 * the container it replaces is left out (a real agent, a real controller: they dial us), or stands
 * in for a real server elsewhere (a real scheduler or MLServer: our components dial it).
 */
import type { PodSpec } from "../runtime/engine.ts";
import type { SessionOptions } from "../cluster/session.ts";

export type Role = "agent" | "scheduler" | "mlserver" | "controller";

/** One real component in the cluster: the container it takes, and for a server where it is. */
export interface Replacement {
  role: Role;
  namespace: string;
  pod: string;
  /** For a scheduler or MLServer: the host and, per port the pod would listen on, the real port. */
  remote?: { host: string; ports: Map<number, number> };
}

/** The session options that leave out, or point elsewhere, what `replacements` take. */
export function rolesOptions(replacements: readonly Replacement[]): Pick<SessionOptions, "omit" | "remote"> {
  const find = (pod: PodSpec, container: string) => replacements.find((r) => r.role === container && r.namespace === pod.namespace && r.pod === pod.name);
  return {
    omit: (pod, container) => {
      const r = find(pod, container);
      return r !== undefined && r.remote === undefined;
    },
    remote: (pod, container) => find(pod, container)?.remote,
  };
}
