/**
 * What one placement decision costs at a given cluster size: `decide()` on a snapshot of
 * `servers × replicas` server replicas with MLServer's capability list and half-full memory,
 * as the scheduler makes it (with its server verdict cache, one server's snapshot replaced
 * since the previous decision, as a load replaces it, and told where each server sits and which
 * places were replaced, as the scheduler's list of servers tells it), with the explanation left unread (what
 * the scheduler does) and recorded (`explain: true`). Also measured: the same with nothing to
 * reuse (no cache, every snapshot object new), and an explained decision whose explanation is
 * read in full (every reason text, what `schedule`, `run` and the reports read).
 * Timed by tinybench; medians and p99 in microseconds.
 */
import { DEFAULT_CHAINS, decide } from "../src/scheduling/index.ts";
import { ServerVerdictCache } from "../src/scheduling/server-verdicts.ts";
import { ChangeRing } from "../src/core/change-ring.ts";
import type { SchedulingSnapshot, ServerSnapshot } from "../src/scheduling/types.ts";
import { MLSERVER_CAPABILITIES } from "../src/properties/snapshot-arb.ts";
import { growthExponent, timeTask, type Timing } from "./stats.ts";

const GIB = 1024n ** 3n;

export interface DecisionRow {
  servers: number;
  replicasPerServer: number;
  serverReplicas: number;
  explained: boolean;
  /** With the verdict cache, one server changed since the previous decision. */
  medianUs: number;
  p99Us: number;
  samples: number;
  /** Nothing reused: no verdict cache, every snapshot object new (built outside the timing). */
  coldMedianUs: number;
  coldP99Us: number;
  /** Explained rows only: the decision and then its whole explanation read (null otherwise). */
  readMedianUs: number | null;
  readP99Us: number | null;
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

/** The place whose server snapshot list `step` of `changingServerLists` replaces. */
const replacedAt = (step: number, servers: number) => (step * 37) % servers;

/**
 * Server lists as the scheduler hands them out decision after decision: the same snapshot
 * objects, except one server per step whose snapshot was taken again (same content: a load
 * changes memory, which no server filter reads).
 */
function changingServerLists(snapshot: SchedulingSnapshot, steps: number): SchedulingSnapshot[] {
  const n = snapshot.servers.length;
  return Array.from({ length: steps }, (_, step) => {
    const servers = [...snapshot.servers];
    const at = replacedAt(step, n);
    const old = servers[at]!;
    servers[at] = { ...old, replicas: old.replicas.map((r) => ({ ...r, capabilities: [...r.capabilities] })) };
    return { servers, model: snapshot.model };
  });
}

/**
 * The cluster shapes the decision and placement benchmarks measure: for each size (server
 * replicas), that many servers of one replica, then a tenth as many of ten.
 */
export function clusterShapes(sizes: readonly number[]): { servers: number; replicasPerServer: number }[] {
  return [1, 10].flatMap((replicasPerServer) => sizes.map((size) => ({ servers: Math.max(1, Math.round(size / replicasPerServer)), replicasPerServer })));
}

/** `timeTask` for one row of this benchmark. */
const time = (label: string, timeMs: number, minSamples: number, fn: () => void, beforeEach?: () => void): Promise<Timing> =>
  timeTask(`decision benchmark ${label}`, timeMs, minSamples, fn, beforeEach === undefined ? {} : { beforeEach });

export async function benchDecision(sizes: readonly number[], timeMs: number, minSamples = 10): Promise<DecisionResult> {
  const rows: DecisionRow[] = [];
  for (const { servers, replicasPerServer } of clusterShapes(sizes)) {
    const label = `${servers}x${replicasPerServer}`;
    const lists = changingServerLists(decisionSnapshot(servers, replicasPerServer), 16);
    const serverPositions = new Map(lists[0]!.servers.map((s, i) => [s.name, i]));
    for (const explained of [false, true]) {
      const cache = new ServerVerdictCache();
      // What the scheduler's list of servers notes: each step puts back the server the step
      // before replaced and replaces another.
      const replacedServers = new ChangeRing<number>(1024);
      let step = 0;
      const asScheduler = () => {
        replacedServers.note(replacedAt((step + lists.length - 1) % lists.length, servers));
        replacedServers.note(replacedAt(step % lists.length, servers));
        return decide(lists[step++ % lists.length]!, DEFAULT_CHAINS, { explain: explained, verdicts: cache, serverPositions, replacedServers });
      };
      // the notes are this benchmark's own: a wrong one would time a wrong decision
      for (let k = 0; k < 2 * lists.length; k++) {
        const expected = decide(lists[step % lists.length]!);
        const d = asScheduler();
        if (JSON.stringify([d.server, d.replicaIdxs]) !== JSON.stringify([expected.server, expected.replicaIdxs])) {
          throw new Error(`decision benchmark ${label}: the decision told what changed differs from a fresh one`);
        }
      }
      const warm = await time(label, timeMs, minSamples, () => {
        asScheduler();
      });
      // A new snapshot for every sample: nothing kept from one decision helps the next.
      let fresh = decisionSnapshot(servers, replicasPerServer);
      const cold = await time(`${label} cold`, Math.max(20, timeMs / 3), minSamples, () => {
        decide(fresh, DEFAULT_CHAINS, { explain: explained });
      }, () => {
        fresh = decisionSnapshot(servers, replicasPerServer);
      });
      const read = explained
        ? await time(`${label} read`, timeMs, minSamples, () => {
            const d = decide(lists[step++ % lists.length]!, DEFAULT_CHAINS, { explain: true, verdicts: cache });
            if (d.explanation.servers.length !== servers) throw new Error("explanation incomplete");
          })
        : null;
      rows.push({
        servers,
        replicasPerServer,
        serverReplicas: servers * replicasPerServer,
        explained,
        ...warm,
        coldMedianUs: cold.medianUs,
        coldP99Us: cold.p99Us,
        readMedianUs: read?.medianUs ?? null,
        readP99Us: read?.p99Us ?? null,
      });
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
