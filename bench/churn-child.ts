/**
 * Churn in a process of its own: `servers × replicas` agents and `models` models come up,
 * then a tenth of the agents crash and are restarted at once. Prints one JSON line
 * (`ChurnMeasurement`): how long until every model is `ModelAvailable` again, virtual and wall.
 *
 *   node --import tsx bench/churn-child.ts sim 20 10 1000
 */
import type { RuntimeKind } from "../src/runtime/index.ts";
import { NS, RolloutWatch, childArgs, rollOut, startCluster } from "./cluster.ts";

export interface ChurnMeasurement {
  runtime: RuntimeKind;
  agents: number;
  models: number;
  restarted: number;
  available: number;
  /** From the crashes to every model available again. */
  recoveryWallS: number;
  recoveryVirtualS: number;
  peakRssMiB: number;
}

const { runtime, servers, replicas, models } = childArgs();
const watch = new RolloutWatch();
const s = await startCluster(runtime, servers, replicas, watch.wrap);
try {
  await rollOut(s, watch, models);
  const agents = servers * replicas;
  const restarted = Math.max(1, Math.round(agents / 10));
  const t0 = performance.now();
  const v0 = s.now;
  // Every tenth agent, spread over the servers.
  for (let k = 0; k < restarted; k++) {
    const a = Math.floor((k * agents) / restarted);
    s.restart(NS, `mlserver-${Math.floor(a / replicas)}-${a % replicas}`, "agent");
  }
  await s.advance(1); // the restarts are seen before "all available" is asked again
  await s.waitFor(() => watch.available === models, 24 * 3600_000);
  const out: ChurnMeasurement = {
    runtime, agents, models, restarted, available: watch.available,
    recoveryWallS: (performance.now() - t0) / 1000, recoveryVirtualS: (s.now - v0) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(out));
} finally {
  await s.close();
}
