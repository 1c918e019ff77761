/**
 * Writes a scenario file of a given size for `seldon-sim run`: the rollout benchmark's workload
 * (bench/cluster.ts) as a scenario: `servers` Servers of `replicas` pods applied and given 10 s
 * to come up, then `models` Models (the benchmarks' mix) applied at once, then a settle long
 * enough for every model to become available. Models applied together with the Servers, before
 * any agent has subscribed, are a different run: every model is first scheduled on no server and
 * then again as the replicas arrive, which costs more than the rollout it is compared with.
 *
 *   node --import tsx bench/scenario-gen.ts 100 10 10000 > /tmp/rollout-10k.yaml
 */
import { stringify } from "yaml";
import { NS, modelResource } from "./cluster.ts";

/** What `startCluster` gives the agents before the models come (bench/cluster.ts). */
const AGENTS_UP = "10s";

export function rolloutScenario(servers: number, replicas: number, models: number): string {
  const resources: unknown[] = [
    { apiVersion: "mlops.seldon.io/v1alpha1", kind: "SeldonRuntime", metadata: { name: "seldon", namespace: NS }, spec: { seldonConfig: "default" } },
  ];
  for (let i = 0; i < servers; i++) {
    resources.push({ apiVersion: "mlops.seldon.io/v1alpha1", kind: "Server", metadata: { name: `mlserver-${i}`, namespace: NS }, spec: { serverConfig: "mlserver", replicas } });
  }
  const timeline: unknown[] = [];
  for (let i = 0; i < models; i++) {
    const { apiVersion, kind, metadata, spec } = modelResource(i);
    timeline.push({ ...(i === 0 ? { at: AGENTS_UP } : {}), apply: { apiVersion, kind, metadata, spec } });
  }
  return stringify({
    name: `bench/rollout-${servers * replicas}-agents-${models}-models`,
    description: `${servers} Servers × ${replicas} replicas, and ${AGENTS_UP} later ${models} Models applied at once.`,
    cluster: {
      controller: "seldon-system",
      servers: Array.from({ length: servers }, (_, i) => ({ name: `mlserver-${i}`, namespace: NS, memory: "64Gi" })),
    },
    resources,
    timeline,
    settle: "2m",
    expect: { models: [{ model: `${NS}/m-0`, state: "ModelAvailable" }, { model: `${NS}/m-${models - 1}`, state: "ModelAvailable" }] },
  }, { lineWidth: 0 });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [servers, replicas, models] = process.argv.slice(2).map(Number) as [number, number, number];
  process.stdout.write(rolloutScenario(servers, replicas, models));
}
