/**
 * One rollout in a process of its own, so that its peak RSS and CPU time are its own:
 * `servers × replicas` agents come up, then `models` models are applied at once and the run
 * goes on until every one is `ModelAvailable`. Prints one JSON line (`RolloutMeasurement`).
 *
 * With `again`, the same rollout is then made a second time in the same process, on a cluster
 * of its own: what it takes once the code is compiled (V8 runs a function interpreted until it
 * has run often enough to be optimised), beside the first rollout, which is what one run of the
 * command takes.
 *
 *   node --import tsx bench/rollout-child.ts sim 100 10 10000
 *   node --import tsx bench/rollout-child.ts sim 100 10 10000 again
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
  /** Of the process, up to the end of the first rollout. */
  peakRssMiB: number;
  /** The same rollout made again in the same process on a new cluster (`again`); null if not asked. */
  again: { wallS: number; cpuS: number } | null;
}

const { runtime, servers, replicas, models } = childArgs();
const again = process.argv[6] === "again";

/** Brings a cluster up and rolls the models out on it; `peakRssMiB` is the process's so far. */
async function once(): Promise<RolloutMeasurement> {
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
    const virtualS = (s.now - v0) / 1000;
    return {
      runtime, agents: servers * replicas, models, available: watch.available,
      wallS, cpuS: (cpu.user + cpu.system) / 1e6, messages, messagesPerS: messages / wallS,
      virtualS, speedUp: virtualS / wallS,
      connectWallS: (t1 - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024, again: null,
    };
  } finally {
    await s.close();
  }
}

const out = await once();
if (again) {
  const second = await once();
  out.again = { wallS: second.wallS, cpuS: second.cpuS };
}
console.log(JSON.stringify(out));
