import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { schedulingSnapshotArb } from "../../src/properties/snapshot-arb.ts";
import { chainsArb, plain } from "./decision-arbs.ts";
import {
  DEFAULT_CHAINS,
  PLUGIN_REGISTRY,
  decide,
  explainDecision,
  goStableSort,
  goStableSortUnlessOrdered,
  type ServerReplicaSnapshot,
  type ServerSnapshot,
  type ServerFilter,
  type SchedulingSnapshot,
} from "../../src/scheduling/index.ts";
import { currentServer } from "../../src/scheduling/model.ts";

describe("decide: the short-cut decision equals the fully explained one", () => {
  it("on generated snapshots with Seldon's default chains", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 6, maxReplicas: 6 }), (snapshot) => {
        expect(plain(decide(snapshot))).toEqual(plain(decide(snapshot, DEFAULT_CHAINS, { explain: true })));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it("on generated snapshots with any chains", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb(), chainsArb, (snapshot, chains) => {
        expect(plain(decide(snapshot, chains))).toEqual(plain(decide(snapshot, chains, { explain: true })));
      }),
      { numRuns: 1000, seed: 12 },
    );
  });

  it("decides the same when told where each server sits, and the named sorter's short cut is taken", () => {
    const positions = (snapshot: SchedulingSnapshot) => new Map(snapshot.servers.map((s, i) => [s.name, i]));
    let moved = 0;
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 6, maxReplicas: 6 }), chainsArb, (snapshot, chains) => {
        for (const c of [DEFAULT_CHAINS, chains]) {
          const told = decide(snapshot, c, { serverPositions: positions(snapshot) });
          expect(plain(told)).toEqual(plain(decide(snapshot, c)));
          // the model's server was accepted behind another one, and the sort moved it ahead
          const order = told.explanation.serverOrder;
          const at = (name: string | undefined) => snapshot.servers.findIndex((s) => s.name === name);
          if (order.length >= 2 && order[0] === currentServer(snapshot.model) && at(order[0]) > at(order[1])) moved++;
        }
      }),
      { numRuns: 1500, seed: 14 },
    );
    expect(moved).toBeGreaterThan(50);
  });

  it("reads the explanation once, from the snapshot it decided on", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb(), (snapshot) => {
        const d = decide(snapshot);
        const first = d.explanation;
        expect(d.explanation).toBe(first);
        expect(first).toEqual(snapshot.model.deleted ? { servers: [], serverOrder: [], replicaOrder: {} } : explainDecision(snapshot));
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});

describe("decide: Seldon's short cuts", () => {
  const counted = (calls: string[], f: ServerFilter): ServerFilter => ({
    ...f,
    filter: (m, s) => {
      calls.push(`${f.name}:${s.name}`);
      return f.filter(m, s);
    },
    reason: (m, s) => {
      calls.push(`reason:${f.name}`);
      return f.reason(m, s);
    },
  });
  const replica = { idx: 0, serverName: "a", memoryBytes: 0n, availableMemoryBytes: 10n ** 9n, reservedMemoryBytes: 0n, capabilities: ["sklearn"], overCommitPercentage: 0, draining: false, loadedModels: [] };
  const snapshot = {
    servers: [
      { name: "a", shared: false, expectedReplicas: -1, replicas: [replica] },
      { name: "b", shared: true, expectedReplicas: -1, replicas: [{ ...replica, serverName: "b" }] },
    ],
    model: {
      name: "m", requirements: ["sklearn"], memoryBytes: 1n, replicas: 1, minReplicas: 0, maxReplicas: 0, server: null,
      explainer: false, deleted: false,
      existingState: { versions: [{ version: 1, scheduledServer: "", modelState: "ModelStateUnknown" as const, replicaStates: new Map() }] as const },
    },
  };

  it("stops a server's filters at the first that rejects it and formats no reason unless asked", () => {
    const calls: string[] = [];
    const chains = { ...DEFAULT_CHAINS, serverFilters: DEFAULT_CHAINS.serverFilters.map((f) => counted(calls, f)) };
    const d = decide(snapshot, chains);
    expect(d.outcome === "scheduled" && d.server).toBe("b");
    // Server a is not shared: SharingServerFilter rejects it and the two after it are not run.
    expect(calls).toEqual([
      "ServerReplicaFilter:a", "SharingServerFilter:a",
      "ServerReplicaFilter:b", "SharingServerFilter:b", "DeletedServerFilter:b", "ServerRequirementsFilter:b",
    ]);
    calls.length = 0;
    expect(d.explanation.servers[0]!.filters.map((f) => f.pass)).toEqual([true, false, true, true]);
    expect(calls.filter((c) => c.startsWith("reason:"))).toHaveLength(8);
  });
});

describe("goStableSortUnlessOrdered: the same order as Go's stable sort for every sorter Seldon ships", () => {
  it("on the servers and replicas of generated snapshots", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 8, maxReplicas: 8 }), (snapshot) => {
        const model = snapshot.model;
        for (const sorter of PLUGIN_REGISTRY.serverSorters.values()) {
          const less = (a: ServerSnapshot, b: ServerSnapshot) => sorter.isLess({ model, server: a }, { model, server: b });
          const full = [...snapshot.servers];
          const short = [...snapshot.servers];
          goStableSort(full, less);
          goStableSortUnlessOrdered(short, less);
          expect(short).toEqual(full);
        }
        for (const server of snapshot.servers) {
          for (const sorter of PLUGIN_REGISTRY.replicaSorters.values()) {
            const less = (a: ServerReplicaSnapshot, b: ServerReplicaSnapshot) =>
              sorter.isLess({ model, server, replica: a }, { model, server, replica: b });
            const full = [...server.replicas];
            const short = [...server.replicas];
            goStableSort(full, less);
            goStableSortUnlessOrdered(short, less);
            expect(short.map((r) => r.idx)).toEqual(full.map((r) => r.idx));
          }
        }
      }),
      { numRuns: 1000, seed: 14 },
    );
  });
});
