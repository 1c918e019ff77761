/**
 * `kubectl get pods` as the run ends: each pod's containers up or not, restarts, and the status
 * kubectl would print. A container that exited and waits for its restart back-off is
 * CrashLoopBackOff, as the kubelet reports it, while `kubectl get servers` may still say READY.
 */
import type { Engine, TraceEvent } from "../runtime/engine.ts";

export interface PodRow {
  namespace: string;
  name: string;
  /** Containers up, e.g. 1/2. */
  ready: string;
  status: "Running" | "CrashLoopBackOff" | "Error" | "Completed";
  restarts: number;
  /** Virtual time the pod's first container started, or null if none ever did. */
  startedAt: number | null;
  containers: { name: string; up: boolean; restarts: number; lastExit: string | null }[];
}

export function podRows(engine: Engine, trace: readonly TraceEvent[]): PodRow[] {
  const started = new Map<string, number>();
  const lastExit = new Map<string, string>();
  for (const ev of trace) {
    if (ev.type !== "lifecycle") continue;
    const pod = ev.proc.slice(0, ev.proc.lastIndexOf("/"));
    if (ev.what === "start" && !started.has(pod)) started.set(pod, ev.t);
    if (ev.what === "exit" || ev.what === "crash") lastExit.set(ev.proc, `${ev.what}${ev.reason ? `: ${ev.reason}` : ""}`);
  }
  const rows: PodRow[] = [];
  for (const pod of engine.pods.values()) {
    const containers = [...pod.processes.values()].map((p) => ({ name: p.spec.container, up: p.up, restarts: p.restarts, lastExit: lastExit.get(p.id) ?? null, restartable: p.spec.restart ?? true }));
    const down = containers.filter((c) => !c.up);
    const status: PodRow["status"] = down.length === 0 ? "Running"
      : down.some((c) => c.restartable) ? "CrashLoopBackOff"
      : down.some((c) => c.lastExit?.startsWith("crash")) ? "Error" : "Completed";
    rows.push({
      namespace: pod.namespace,
      name: pod.name,
      ready: `${containers.length - down.length}/${containers.length}`,
      status,
      restarts: containers.reduce((a, c) => a + c.restarts, 0),
      startedAt: started.get(`${pod.namespace}/${pod.name}`) ?? null,
      containers: containers.map(({ restartable: _r, ...c }) => c),
    });
  }
  return rows.sort((a, b) => (a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace)));
}
