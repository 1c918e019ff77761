/**
 * Where the component under test sits in a contract's cluster: the pod and container it takes,
 * and which timeline steps cannot be played because they would act on it.
 */
import { UserError } from "../core/errors.ts";
import { CONTROLLER_POD, SCHEDULER_POD } from "../cluster/build.ts";
import type { Contract } from "./types.ts";

export interface SubjectPlace {
  namespace: string;
  pod: string;
  /** `namespace/pod/container`, as the recording names our own processes. */
  id: string;
}

export function subjectPlace(c: Contract): SubjectPlace {
  const cluster = c.scenario.cluster;
  const at = (namespace: string, pod: string): SubjectPlace => ({ namespace, pod, id: `${namespace}/${pod}/${c.subject}` });
  if (c.replaces) {
    const { namespace, pod } = c.replaces;
    const ok = c.subject === "scheduler" ? pod === SCHEDULER_POD && cluster.namespaces.some((n) => n.name === namespace && n.runtime)
      : c.subject === "controller" ? pod === CONTROLLER_POD && cluster.controllerNamespace === namespace
      : cluster.servers.some((s) => s.namespace === namespace && pod.startsWith(`${s.name}-`) && Number(pod.slice(s.name.length + 1)) < s.replicas);
    if (!ok) throw new UserError(`replaces: the scenario has no ${c.subject} in pod ${namespace}/${pod}`, { file: c.file, path: "replaces" });
    return at(namespace, pod);
  }
  switch (c.subject) {
    case "agent": case "mlserver": {
      const s = cluster.servers[0];
      if (!s) throw new UserError(`the scenario ${c.scenario.file} has no server, so no ${c.subject} to replace`, { file: c.file, path: "scenario" });
      return at(s.namespace, `${s.name}-0`);
    }
    case "scheduler": {
      const n = cluster.namespaces.find((x) => x.runtime);
      if (!n) throw new UserError(`the scenario ${c.scenario.file} has no namespace with a runtime, so no scheduler to replace`, { file: c.file, path: "scenario" });
      return at(n.name, SCHEDULER_POD);
    }
    case "controller": {
      if (cluster.controllerNamespace === null) throw new UserError(`the scenario ${c.scenario.file} has no controller to replace`, { file: c.file, path: "scenario" });
      return at(cluster.controllerNamespace, CONTROLLER_POD);
    }
  }
}

/** Steps a real component makes impossible: acting on its container, or (for a real controller)
 * applying resources, which it would read from Kubernetes. */
export function unplayableSteps(c: Contract, place: SubjectPlace): string[] {
  const out: string[] = [];
  for (const step of c.scenario.timeline) {
    const where = `${step.origin.file}: ${step.origin.path}`;
    if ((step.kind === "crash" || step.kind === "restart") && step.target.namespace === place.namespace && step.target.pod === place.pod && step.target.container === c.subject) {
      out.push(`${where}: ${step.kind} acts on the component under test, which seldon-sim does not run`);
    }
    if (c.subject === "controller" && (step.kind === "apply" || step.kind === "delete" || step.kind === "scale")) {
      out.push(`${where}: ${step.kind} goes through the controller, which is the component under test`);
    }
  }
  return out;
}
