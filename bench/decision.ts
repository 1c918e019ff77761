/**
 * What one placement decision costs at a given cluster size: `decide()` on a snapshot of
 * `servers × replicas` server replicas with MLServer's capability list and half-full memory,
 * with the explanation left unread (what the scheduler does) and computed (what `schedule`,
 * `run` and the reports read). Timed by tinybench; medians and p99 in microseconds.
 */
import { Bench } from "tinybench";
import { DEFAULT_CHAINS, decide } from "../src/scheduling/index.ts";
import type { SchedulingSnapshot, ServerSnapshot } from "../src/scheduling/types.ts";
import { MLSERVER_CAPABILITIES } from "../src/properties/snapshot-arb.ts";
import { growthExponent } from "./stats.ts";

const GIB = 1024n ** 3n;

export interface DecisionRow {
  servers: number;
  replicasPerServer: number;
  serverReplicas: number;
  explained: boolean;
  medianUs: number;
  p99Us: number;
  samples: number;
}

export interface DecisionResult {
  rows: DecisionRow[];
  /** Fitted growth exponent of the median against server replicas, per series. */
  exponents: { replicasPerServer: number; explained: boolean; exponent: number }[];
}

/**
 * A cluster where every server could take the model and the decision has to look at all of
 * them: every replica has the model's capability and half its memory free.
 */
export function decisionSnapshot(servers: number, replicasPerServer: number): SchedulingSnapshot {
  const list: ServerSnapshot[] = Array.from({ length: servers }, (_, s) => {
    const name = `mlserver-${s}`;
    return {
      name,
      shared: true,
      expectedReplicas: replicasPerServer,
      replicas: Array.from({ length: replicasPerServer }, (_, idx) => ({
        idx,
        serverName: name,
        memoryBytes: 64n * GIB,
        availableMemoryBytes: 32n * GIB - BigInt((s * 7 + idx * 13) % 100) * 1024n * 1024n,
        reservedMemoryBytes: BigInt(idx % 3) * 1024n * 1024n,
        capabilities: [...MLSERVER_CAPABILITIES],
        overCommitPercentage: 10,
        draining: false,
        loadedModels: [],
      })),
    };
  });
  return {
    servers: list,
    model: {
      name: "iris",
      requirements: ["sklearn", "python"],
      memoryBytes: 10n * 1024n * 1024n,
      replicas: Math.min(2, replicasPerServer),
      minReplicas: 0,
      maxReplicas: 0,
      server: null,
      explainer: false,
      deleted: false,
      existingState: { versions: [{ version: 1, scheduledServer: "", modelState: "ModelStateUnknown", replicaStates: new Map() }] },
    },
  };
}

export async function benchDecision(sizes: readonly number[], timeMs: number, minSamples = 10): Promise<DecisionResult> {
  const rows: DecisionRow[] = [];
  for (const replicasPerServer of [1, 10]) {
    for (const size of sizes) {
      const servers = Math.max(1, Math.round(size / replicasPerServer));
      const snapshot = decisionSnapshot(servers, replicasPerServer);
      for (const explained of [false, true]) {
        const bench = new Bench({ time: timeMs, iterations: minSamples, warmupTime: Math.min(100, timeMs / 2), warmupIterations: 2 });
        bench.add("decide", () => {
          const d = decide(snapshot, DEFAULT_CHAINS, { explain: explained });
          if (explained && d.explanation.servers.length !== servers) throw new Error("explanation incomplete");
        });
        await bench.run();
        const r = bench.tasks[0]!.result;
        if (r.state !== "completed") throw new Error(`decision benchmark ${servers}x${replicasPerServer}: ${r.state}`);
        rows.push({
          servers,
          replicasPerServer,
          serverReplicas: servers * replicasPerServer,
          explained,
          medianUs: r.latency.p50 * 1000,
          p99Us: r.latency.p99 * 1000,
          samples: r.latency.samplesCount,
        });
      }
    }
  }
  const exponents = [1, 10].flatMap((replicasPerServer) =>
    [false, true].map((explained) => ({
      replicasPerServer,
      explained,
      exponent: growthExponent(
        rows
          .filter((r) => r.replicasPerServer === replicasPerServer && r.explained === explained)
          .map((r) => ({ x: r.serverReplicas, y: r.medianUs })),
      ),
    })),
  );
  return { rows, exponents };
}
