/**
 * One rollout in a process of its own, so that its peak RSS and CPU time are its own:
 * `servers × replicas` agents come up, then `models` models are applied at once and the run
 * goes on until every one is `ModelAvailable`. Prints one JSON line (`RolloutMeasurement`).
 *
 *   node --import tsx bench/rollout-child.ts sim 100 10 10000
 */
import type { RuntimeKind } from "../src/runtime/index.ts";
import { RolloutWatch, childArgs, rollOut, startCluster } from "./cluster.ts";

export interface RolloutMeasurement {
  runtime: RuntimeKind;
  agents: number;
  models: number;
  available: number;
  /** From applying the models to the last one available. */
  wallS: number;
  cpuS: number;
  messages: number;
  messagesPerS: number;
  /** Virtual time the rollout took, divided by its wall time. */
  speedUp: number;
  virtualS: number;
  /** Agents up: from start to every agent subscribed and the servers applied. */
  connectWallS: number;
  peakRssMiB: number;
}

const { runtime, servers, replicas, models } = childArgs();
const watch = new RolloutWatch();
const t0 = performance.now();
const s = await startCluster(runtime, servers, replicas, watch.wrap);
try {
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const v0 = s.now;
  const m0 = s.engine.messagesAsked;
  await rollOut(s, watch, models);
  const wallS = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const messages = s.engine.messagesAsked - m0;
  const out: RolloutMeasurement = {
    runtime, agents: servers * replicas, models, available: watch.available,
    wallS, cpuS: (cpu.user + cpu.system) / 1e6, messages, messagesPerS: messages / wallS,
    virtualS: (s.now - v0) / 1000, speedUp: (s.now - v0) / 1000 / wallS,
    connectWallS: (t1 - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(out));
} finally {
  await s.close();
}
