/**
 * The clusters and models the benchmarks bring up: `servers` MLServer Servers of `replicas`
 * pods each in one namespace, and models with 1–3 replicas, mixed requirements and memory.
 */
import { Session } from "../src/cluster/session.ts";
import type { Component, Effect } from "../src/core/protocol.ts";
import type { RuntimeKind } from "../src/runtime/index.ts";
import type { ClusterSpec, K8sResource, ServerTopology } from "../src/scenario/types.ts";

const origin = { file: "bench", path: "" };
export const NS = "seldon-mesh";

export function clusterSpec(servers: number, replicas: number): ClusterSpec {
  const topo: ServerTopology[] = Array.from({ length: servers }, (_, i) => ({
    name: `mlserver-${i}`, namespace: NS, replicas, type: "mlserver",
    env: { MEMORY_REQUEST: String(64 * 1024 ** 3) }, agentFlags: {},
    inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false }, origin,
  }));
  return { controllerNamespace: "seldon-system", namespaces: [{ name: NS, runtime: true }], servers: topo };
}

const resource = (kind: "Model" | "Server", name: string, spec: Record<string, unknown>): K8sResource => ({
  apiVersion: "mlops.seldon.io/v1alpha1", kind, metadata: { name, namespace: NS }, spec, origin,
});

export const serverResource = (i: number, replicas: number): K8sResource =>
  resource("Server", `mlserver-${i}`, { serverConfig: "mlserver", replicas });

const REQUIREMENTS = [["sklearn"], ["xgboost"], ["mlflow", "python"], ["lightgbm"]] as const;

/** Model `i` of a benchmark: replicas 1–3, one of four requirement sets, 10–200 MiB. */
export function modelMix(i: number): { name: string; storageUri: string; requirements: readonly string[]; memoryMiB: number; replicas: number } {
  return {
    name: `m-${i}`, storageUri: `gs://models/m-${i}`, requirements: REQUIREMENTS[i % REQUIREMENTS.length]!,
    memoryMiB: 10 + ((i * 37) % 191), replicas: 1 + (i % 3),
  };
}

/** Model `i` of a benchmark as a Model resource (`modelMix`). */
export function modelResource(i: number): K8sResource {
  const m = modelMix(i);
  return resource("Model", m.name, { storageUri: m.storageUri, requirements: [...m.requirements], memory: `${m.memoryMiB}Mi`, replicas: m.replicas });
}

/**
 * Counts models whose latest version the scheduler reports `ModelAvailable`, from the status
 * messages it sends, so that "are all models up" costs O(1) per event instead of a walk over
 * every model. Only schedulers are wrapped: the other components' effects are not looked at
 * (the message count of a run is the engine's `messagesAsked`).
 */
export class RolloutWatch {
  available = 0;
  private readonly state = new Map<string, boolean>();

  /** For `SessionOptions.wrap`: the same component, a scheduler's outputs observed. */
  wrap = (component: Component): Component => {
    if (component.role !== "scheduler") return component;
    const handle = component.handle.bind(component);
    component.handle = (input, now) => {
      const effects = handle(input, now);
      this.observe(effects);
      return effects;
    };
    return component;
  };

  private observe(effects: readonly Effect[]): void {
    for (const e of effects) {
      if (e.kind !== "reply") continue;
      const m = e.message as { modelName?: unknown; versions?: { state?: { state?: unknown } }[] };
      if (typeof m.modelName !== "string" || !Array.isArray(m.versions)) continue;
      const latest = m.versions[m.versions.length - 1];
      const up = latest?.state?.state === "ModelAvailable";
      const was = this.state.get(m.modelName) ?? false;
      if (up !== was) {
        this.state.set(m.modelName, up);
        this.available += up ? 1 : -1;
      }
    }
  }
}

/** A child process's arguments: `RUNTIME SERVERS REPLICAS MODELS`. */
export function childArgs(argv: readonly string[] = process.argv): { runtime: RuntimeKind; servers: number; replicas: number; models: number } {
  return { runtime: argv[2] as RuntimeKind, servers: Number(argv[3]), replicas: Number(argv[4]), models: Number(argv[5]) };
}

/**
 * The benchmark cluster on `runtime`, recording nothing, its components wrapped by `wrap` (a
 * `RolloutWatch`'s): its Servers applied and their agents given 10 s to come up.
 */
export async function startCluster(runtime: RuntimeKind, servers: number, replicas: number, wrap: (c: Component) => Component): Promise<Session> {
  const s = await Session.start(clusterSpec(servers, replicas), {
    runtime, seed: 1, traceMessages: false, recordDecisions: false, record: false, wrap,
  });
  try {
    for (let i = 0; i < servers; i++) s.apply(serverResource(i, replicas));
    await s.advance(10_000);
    return s;
  } catch (e) {
    await s.close();
    throw e;
  }
}

/** Apply `models` models at once and run until every one is `ModelAvailable`. */
export async function rollOut(s: Session, watch: RolloutWatch, models: number): Promise<void> {
  for (let i = 0; i < models; i++) s.apply(modelResource(i));
  await s.waitFor(() => watch.available === models, 24 * 3600_000);
}
