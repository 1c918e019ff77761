/**
 * What one placement costs as the scheduler makes it in a rollout: `placeModel` on the
 * scheduler's own store, which takes the store's snapshot (reusing the servers that did not
 * change) and decides, then the load reserved on the replicas it chose, as the scheduler
 * reserves it, so that each decision finds the server the one before it changed. The store's
 * servers are MLServer replicas as their agents subscribe them; the models are the rollout's
 * mix (four requirement sets, 10–200 MiB), each wanting at most as many replicas as a server
 * has, so that every decision places its model where a rollout on that cluster shape would.
 * `bench/decision.ts` times `decide()` alone on snapshots built for it; the difference between
 * the two is the store's snapshot and what a store that changes under the decisions costs.
 * Timed by tinybench; medians and p99 in microseconds.
 */
import { MemoryStore } from "../src/scheduler/store.ts";
import { placeModel } from "../src/scheduler/placement.ts";
import { MLSERVER_CAPABILITIES } from "../src/properties/snapshot-arb.ts";
import type { PbAgentSubscribeRequest, PbLoadModelRequest } from "../src/proto/messages.ts";
import { NS, modelMix } from "./cluster.ts";
import { growthExponent, timeTask } from "./stats.ts";
import { clusterShapes } from "./decision.ts";

export interface PlacementResult {
  rows: PlacementRow[];
  /** Fitted growth exponent of the median against server replicas, per series. */
  exponents: { replicasPerServer: number; exponent: number }[];
}

export interface PlacementRow {
  servers: number;
  replicasPerServer: number;
  serverReplicas: number;
  medianUs: number;
  p99Us: number;
  samples: number;
}

const MEMORY = String(64 * 1024 ** 3);

/** A store with `servers × replicasPerServer` replicas, subscribed as their agents subscribe. */
export function placementStore(servers: number, replicasPerServer: number): MemoryStore {
  const store = new MemoryStore(() => 0);
  for (let s = 0; s < servers; s++) {
    for (let idx = 0; idx < replicasPerServer; idx++) {
      const request: PbAgentSubscribeRequest = {
        serverName: `mlserver-${s}`, shared: true, replicaIdx: idx, loadedModels: [], availableMemoryBytes: MEMORY,
        replicaConfig: {
          inferenceSvc: `mlserver-${s}-${idx}`, inferenceHttpPort: 9001, inferenceGrpcPort: 9501,
          memoryBytes: MEMORY, capabilities: [...MLSERVER_CAPABILITIES], overCommitPercentage: 10,
        },
      };
      store.addServerReplica(request);
    }
  }
  return store;
}

/** The scheduler's LoadModel request for model `i` of the mix, at most `maxReplicas` replicas. */
export function loadRequest(i: number, maxReplicas: number): PbLoadModelRequest {
  const m = modelMix(i);
  return {
    model: {
      meta: { name: m.name, kind: "", version: "", kubernetesMeta: { namespace: NS, generation: 1 } },
      modelSpec: { uri: m.storageUri, requirements: [...m.requirements], memoryBytes: String(m.memoryMiB * 1024 * 1024) },
      deploymentSpec: { replicas: 1 + (i % Math.min(3, maxReplicas)), minReplicas: 0, maxReplicas: 0, logPayloads: false },
    },
  } as PbLoadModelRequest;
}

/**
 * Runs placements on a fresh store of `servers × replicasPerServer` until tinybench has its
 * samples: before each, the next model is added to the store (untimed); the placement is timed;
 * after it, the chosen replicas are reserved and the store's events and log lines dropped
 * (untimed), as the scheduler takes them.
 */
async function timePlacements(servers: number, replicasPerServer: number, timeMs: number, minSamples: number): Promise<PlacementRow> {
  const store = placementStore(servers, replicasPerServer);
  let next = 0;
  let name = "";
  let placed: ReturnType<typeof placeModel> | null = null;
  const timing = await timeTask(`placement benchmark ${servers}x${replicasPerServer}`, timeMs, minSamples, () => {
    placed = placeModel(store, store.models.get(name)!);
  }, {
    beforeEach: () => {
      const request = loadRequest(next++, replicasPerServer);
      name = request.model!.meta!.name;
      store.updateModel(request, "adopt");
    },
    afterEach: () => {
      const d = placed?.decision;
      if (d?.server) store.updateLoadedModels(name, 1, d.server, d.replicaIdxs);
      store.events.length = 0;
      store.logs.length = 0;
      placed = null;
    },
  });
  return { servers, replicasPerServer, serverReplicas: servers * replicasPerServer, ...timing };
}

/** Placement cost at each size (server replicas), servers × 1 and × 10. */
export async function benchPlacement(sizes: readonly number[], timeMs: number, minSamples = 10): Promise<PlacementResult> {
  const rows: PlacementRow[] = [];
  for (const { servers, replicasPerServer } of clusterShapes(sizes)) rows.push(await timePlacements(servers, replicasPerServer, timeMs, minSamples));
  const exponents = [1, 10].map((replicasPerServer) => ({
    replicasPerServer,
    exponent: growthExponent(rows.filter((r) => r.replicasPerServer === replicasPerServer).map((r) => ({ x: r.serverReplicas, y: r.medianUs }))),
  }));
  return { rows, exponents };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  for (const r of (await benchPlacement(sizes.length ? sizes : [100, 1000], 500)).rows) {
    console.log(`${r.servers} × ${r.replicasPerServer}: median ${r.medianUs.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs (${r.samples} samples)`);
  }
}
