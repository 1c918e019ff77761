/**
 * Differential tests: the production `decide()` against the reference model of Seldon v2.9.0's
 * placement rules, the reference's power to catch planted bugs, and hand-derived cases.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffWithReference, referencePlace, type ReferenceOutcome } from "../../src/properties/reference.ts";
import { schedulingSnapshotArb } from "../../src/properties/snapshot-arb.ts";
import { decide } from "../../src/scheduling/decide.ts";
import { availableMemoryReplicaFilter, modelLoadedOnReplica } from "../../src/scheduling/filters.ts";
import type { ReplicaFilter } from "../../src/scheduling/plugins.ts";
import { DEFAULT_CHAINS, resolveChains, type ChainNames, type SchedulerChains } from "../../src/scheduling/registry.ts";
import type {
  ModelReplicaState,
  ModelSnapshot,
  SchedulingSnapshot,
  ServerReplicaSnapshot,
  ServerSnapshot,
} from "../../src/scheduling/types.ts";

const SEED = 20240529;
const RUNS = 2000;

const agrees = (chains?: SchedulerChains) =>
  fc.property(schedulingSnapshotArb(), (s) => diffWithReference(s, decide(s, chains)) === null);

describe("reference model vs decide()", () => {
  it("the production decision with the default chains agrees with the reference", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb(), (s) => {
        const diff = diffWithReference(s, decide(s));
        if (diff !== null) throw new Error(diff);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

describe("planted bugs are caught", () => {
  const defaults = {
    serverFilters: DEFAULT_CHAINS.serverFilters.map((p) => p.name),
    replicaFilters: DEFAULT_CHAINS.replicaFilters.map((p) => p.name),
    serverSorters: DEFAULT_CHAINS.serverSorters.map((p) => p.name),
    replicaSorters: DEFAULT_CHAINS.replicaSorters.map((p) => p.name),
  };
  const omissions: [keyof typeof defaults, string][] = (Object.keys(defaults) as (keyof typeof defaults)[]).flatMap(
    (kind) => defaults[kind].map((name): [keyof typeof defaults, string] => [kind, name]),
  );

  const without = (kind: keyof typeof defaults, name: string): SchedulerChains =>
    resolveChains({ [kind]: defaults[kind].filter((n) => n !== name) } as ChainNames);

  // ServerRequirementsFilter also rejects a server without replicas, so dropping
  // ServerReplicaFilter alone changes no decision (only the logged reason): it is checked below.
  const detectable = omissions.filter(([, name]) => name !== "ServerReplicaFilter");

  it.each(detectable)("omitting %s %s", (kind, name) => {
    const result = fc.check(agrees(without(kind, name)), { numRuns: RUNS, seed: SEED });
    expect(result.failed).toBe(true);
  });

  it("omitting ServerReplicaFilter alone is an equivalent mutant; with ServerRequirementsFilter it is caught", () => {
    expect(fc.check(agrees(without("serverFilters", "ServerReplicaFilter")), { numRuns: RUNS, seed: SEED }).failed).toBe(false);
    const both = resolveChains({ serverFilters: ["SharingServerFilter", "DeletedServerFilter"] });
    expect(fc.check(agrees(both), { numRuns: RUNS, seed: SEED }).failed).toBe(true);
  });

  it("a memory filter that ignores reserved memory", () => {
    const ignoresReserved: ReplicaFilter = {
      ...availableMemoryReplicaFilter,
      name: "AvailableMemoryIgnoringReserved",
      filter: (model, replica) => model.memoryBytes <= replica.availableMemoryBytes || modelLoadedOnReplica(model, replica),
    };
    const chains: SchedulerChains = {
      ...DEFAULT_CHAINS,
      replicaFilters: [ignoresReserved, ...DEFAULT_CHAINS.replicaFilters.filter((f) => f.name !== availableMemoryReplicaFilter.name)],
    };
    expect(fc.check(agrees(chains), { numRuns: RUNS, seed: SEED }).failed).toBe(true);
  });
});

// ---- Hand-derived cases -------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;
const MLSERVER_CAPS = ["mlserver", "alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn", "spark-mlib", "xgboost"];

function replica(server: string, idx: number, over: Partial<ServerReplicaSnapshot> = {}): ServerReplicaSnapshot {
  return {
    idx,
    serverName: server,
    memoryBytes: 1000n,
    availableMemoryBytes: 1000n,
    reservedMemoryBytes: 0n,
    capabilities: MLSERVER_CAPS,
    overCommitPercentage: 10,
    draining: false,
    loadedModels: [],
    ...over,
  };
}

function server(name: string, replicas: ServerReplicaSnapshot[], over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return { name, shared: true, expectedReplicas: replicas.length, replicas, ...over };
}

function model(over: Partial<ModelSnapshot> = {}, current = "", states: [number, ModelReplicaState][] = []): ModelSnapshot {
  return {
    name: "m",
    requirements: ["sklearn"],
    memoryBytes: 100n,
    replicas: 1,
    minReplicas: 0,
    maxReplicas: 1,
    server: null,
    explainer: false,
    deleted: false,
    existingState: {
      versions: [{ version: 1, scheduledServer: current, modelState: "ModelProgressing", replicaStates: new Map(states) }],
    },
    ...over,
  };
}

const placed = (server: string, replicaIdxs: number[], minReplicasFallback = false): ReferenceOutcome => ({
  scheduled: true,
  server,
  replicaIdxs,
  error: null,
  minReplicasFallback,
});
const NO_SERVERS: ReferenceOutcome = {
  scheduled: false,
  server: null,
  replicaIdxs: [],
  error: "Failed to schedule model as no matching servers are available",
  minReplicasFallback: false,
};
const NO_REPLICAS: ReferenceOutcome = { ...NO_SERVERS, error: "Failed to schedule model as no matching server had enough suitable replicas" };

const cases: [string, SchedulingSnapshot, ReferenceOutcome][] = [
  [
    "zero available memory rejects every replica",
    { servers: [server("mlserver", [replica("mlserver", 0, { availableMemoryBytes: 0n })])], model: model() },
    NO_REPLICAS,
  ],
  [
    "a zero-memory model fits a replica with zero memory",
    { servers: [server("mlserver", [replica("mlserver", 0, { availableMemoryBytes: 0n })])], model: model({ memoryBytes: 0n }) },
    placed("mlserver", [0]),
  ],
  [
    "reserved above available: the filter clamps free memory at 0, so the model does not fit",
    {
      servers: [server("mlserver", [replica("mlserver", 0, { availableMemoryBytes: 500n, reservedMemoryBytes: 600n })])],
      model: model(),
    },
    NO_REPLICAS,
  ],
  [
    "reserved above available: the sorter's uint64 difference wraps, so that replica sorts first",
    {
      servers: [
        server("mlserver", [
          replica("mlserver", 0, { availableMemoryBytes: 5000n }),
          replica("mlserver", 1, { availableMemoryBytes: 500n, reservedMemoryBytes: 600n }),
        ]),
      ],
      // A zero-memory model passes the clamped filter on replica 1 too.
      model: model({ memoryBytes: 0n, replicas: 2, maxReplicas: 2 }),
    },
    placed("mlserver", [1, 0]),
  ],
  [
    "free memory of 2^64 after rounding converts to 2^63 in the filter",
    { servers: [server("mlserver", [replica("mlserver", 0, { availableMemoryBytes: U64_MAX })])], model: model({ memoryBytes: (1n << 63n) + 1n }) },
    NO_REPLICAS,
  ],
  [
    "amounts that round to the same float64 tie in the sorter; the lower index wins",
    {
      servers: [
        server("mlserver", [
          replica("mlserver", 3, { availableMemoryBytes: U64_MAX - 1n }),
          replica("mlserver", 1, { availableMemoryBytes: U64_MAX }),
          replica("mlserver", 2, { availableMemoryBytes: 1000n }),
        ]),
      ],
      model: model({ replicas: 3, maxReplicas: 3 }),
    },
    placed("mlserver", [1, 3, 2]),
  ],
  [
    "draining replicas are skipped",
    {
      servers: [server("mlserver", [replica("mlserver", 0, { draining: true, availableMemoryBytes: 9000n }), replica("mlserver", 1)])],
      model: model(),
    },
    placed("mlserver", [1]),
  ],
  [
    "an explainer needs alibi-explain on the replica itself",
    {
      servers: [
        server("mlserver", [
          replica("mlserver", 0, { availableMemoryBytes: 9000n }),
          replica("mlserver", 1, { capabilities: ["sklearn"] }),
        ]),
      ],
      model: model({ explainer: true, replicas: 2, maxReplicas: 2 }),
    },
    NO_REPLICAS,
  ],
  [
    "a model naming a non-shared server goes there, not to a shared one listed first",
    {
      servers: [
        server("mlserver", [replica("mlserver", 0)]),
        server("dedicated", [replica("dedicated", 4), replica("dedicated", 2)], { shared: false }),
      ],
      model: model({ server: "dedicated", replicas: 2, maxReplicas: 2 }),
    },
    placed("dedicated", [2, 4]),
  ],
  [
    "a model without a server never goes to a non-shared server",
    { servers: [server("dedicated", [replica("dedicated", 0)], { shared: false })], model: model() },
    NO_SERVERS,
  ],
  [
    "a namespaced server name matches no server",
    { servers: [server("mlserver", [replica("mlserver", 0)])], model: model({ server: "seldon-system/mlserver" }) },
    NO_SERVERS,
  ],
  [
    "requirements are trimmed, capabilities are not, and only the first replica's count",
    {
      servers: [
        server("a", [replica("a", 0, { capabilities: [" torch "] }), replica("a", 1, { capabilities: ["torch"] })]),
        server("b", [replica("b", 0, { capabilities: ["torch"] })]),
      ],
      model: model({ requirements: [" torch\t"] }),
    },
    placed("b", [0]),
  ],
  [
    "Go's TrimSpace trims U+0085 from a requirement",
    { servers: [server("mlserver", [replica("mlserver", 0)])], model: model({ requirements: ["\u0085sklearn"] }) },
    placed("mlserver", [0]),
  ],
  [
    "a server being deleted (expected replicas 0) is rejected; unknown (-1) is not",
    {
      servers: [server("a", [replica("a", 0)], { expectedReplicas: 0 }), server("b", [replica("b", 0)], { expectedReplicas: -1 })],
      model: model(),
    },
    placed("b", [0]),
  ],
  [
    "min-replica fallback: the first server with at least min replicas gets all it has, up to desired",
    {
      servers: [
        server("a", [replica("a", 0)]),
        server("b", [replica("b", 0), replica("b", 1, { availableMemoryBytes: 2000n }), replica("b", 2, { availableMemoryBytes: 10n })]),
      ],
      model: model({ replicas: 3, minReplicas: 2, maxReplicas: 3 }),
    },
    placed("b", [1, 0], true),
  ],
  [
    "min-replica fallback fails when no server has min replicas",
    { servers: [server("a", [replica("a", 0)])], model: model({ replicas: 3, minReplicas: 2, maxReplicas: 3 }) },
    NO_REPLICAS,
  ],
  [
    "without minReplicas there is no fallback",
    { servers: [server("a", [replica("a", 0)])], model: model({ replicas: 2, maxReplicas: 2 }) },
    NO_REPLICAS,
  ],
  [
    "the current server is tried first, and a replica already loading there passes the memory filter and sorts first",
    {
      servers: [
        server("a", [replica("a", 0), replica("a", 1)]),
        server("b", [replica("b", 0, { availableMemoryBytes: 9000n }), replica("b", 1, { availableMemoryBytes: 0n })]),
      ],
      model: model({ replicas: 2, maxReplicas: 2 }, "b", [[1, "Loading"]]),
    },
    placed("b", [1, 0]),
  ],
  [
    "LoadRequested does not exempt from the memory filter",
    { servers: [server("a", [replica("a", 0, { availableMemoryBytes: 0n })])], model: model({}, "a", [[0, "LoadRequested"]]) },
    NO_REPLICAS,
  ],
  [
    "zero desired replicas: the first accepted server with no replicas handed over",
    { servers: [server("a", [replica("a", 0, { draining: true })])], model: model({ replicas: 0, maxReplicas: 0 }) },
    placed("a", []),
  ],
  [
    "a deleted model is not placed and reports no error",
    { servers: [server("a", [replica("a", 0)])], model: model({ deleted: true }) },
    { scheduled: false, server: null, replicaIdxs: [], error: null, minReplicasFallback: false },
  ],
  ["no servers at all", { servers: [], model: model() }, NO_SERVERS],
];

describe("reference model, hand-derived cases", () => {
  it.each(cases)("%s", (_title, snapshot, expected) => {
    expect(referencePlace(snapshot)).toEqual(expected);
  });
});
