import { describe, it, expect } from "vitest";
import {
  DEFAULT_CHAINS,
  NOT_ENOUGH_REPLICAS,
  NO_MATCHING_SERVERS,
  MIN_REPLICAS_WARNING,
  decide,
  resolveChains,
  snapshotFromJson,
  type Decision,
  type SchedulerChains,
  type ServerSorter,
} from "../../src/scheduling/index.ts";

type Obj = Record<string, unknown>;

const CAPS = ["mlserver", "sklearn", "mlflow"];
const GB = 1_000_000_000;

/** A shared server whose replicas all have 1 GB free and MLServer-like capabilities. */
function srv(name: string, replicas: Obj[] | number, extra: Obj = {}): Obj {
  const list =
    typeof replicas === "number" ? Array.from({ length: replicas }, (_, idx) => ({ idx })) : replicas;
  return {
    name,
    shared: true,
    replicas: list.map((r) => ({ availableMemoryBytes: GB, capabilities: CAPS, ...r })),
    ...extra,
  };
}

function state(scheduledServer: string, replicaStates: Obj = {}, modelState = "ModelStateUnknown"): Obj {
  return { existingState: { versions: [{ version: 1, scheduledServer, modelState, replicaStates }] } };
}

function run(servers: Obj[], model: Obj, chains: SchedulerChains = DEFAULT_CHAINS): Decision {
  return decide(snapshotFromJson({ servers, model: { name: "m", replicas: 1, ...model } }, "t.json"), chains);
}

describe("decide: the desired pass", () => {
  it("places a zero-memory model even on replicas with no free memory", () => {
    const d = run([srv("mlserver", [{ idx: 0, availableMemoryBytes: 0 }])], { memoryBytes: null });
    expect(d).toMatchObject({ outcome: "scheduled", scheduled: true, server: "mlserver", replicaIdxs: [0], error: null });
    expect(d.failedScheduling).toBeNull();
    expect(d.serverScaleUpEvents).toEqual([]);
  });

  it("takes the first `desired` replicas after the default sorters (loaded, then most memory, then index)", () => {
    const d = run(
      [
        srv("mlserver", [
          { idx: 0, availableMemoryBytes: GB },
          { idx: 1, availableMemoryBytes: 3 * GB },
          { idx: 2, availableMemoryBytes: GB },
          { idx: 3, availableMemoryBytes: 2 * GB },
        ]),
      ],
      { replicas: 3, ...state("mlserver", { "2": "Loaded" }) },
    );
    expect(d.explanation.replicaOrder).toEqual({ mlserver: [2, 1, 3, 0] });
    expect(d).toMatchObject({ outcome: "scheduled", server: "mlserver", replicaIdxs: [2, 1, 3] });
  });

  it("a replica with more reserved than available memory is rejected only when the model needs memory, and then sorts first", () => {
    const replicas = [
      { idx: 0, availableMemoryBytes: 5 * GB },
      { idx: 1, availableMemoryBytes: 100, reservedMemoryBytes: 200 },
    ];
    const zero = run([srv("mlserver", replicas)], { memoryBytes: 0 });
    expect(zero).toMatchObject({ outcome: "scheduled", replicaIdxs: [1] });
    expect(zero.explanation.replicaOrder).toEqual({ mlserver: [1, 0] });
    const some = run([srv("mlserver", replicas)], { memoryBytes: 1 });
    expect(some).toMatchObject({ outcome: "scheduled", replicaIdxs: [0] });
    expect(some.explanation.replicaOrder).toEqual({ mlserver: [0] });
  });

  it("an already loaded replica passes the memory filter on the model's current server only", () => {
    const servers = [
      srv("other", [{ idx: 0, availableMemoryBytes: 10 }]),
      srv("mlserver", [{ idx: 0, availableMemoryBytes: 10 }, { idx: 1, availableMemoryBytes: 10 }]),
    ];
    const d = run(servers, { memoryBytes: GB, ...state("mlserver", { "0": "Available", "1": "LoadRequested" }) });
    expect(d).toMatchObject({ outcome: "scheduled", server: "mlserver", replicaIdxs: [0] });
    expect(d.explanation.serverOrder).toEqual(["mlserver", "other"]);
    expect(d.explanation.replicaOrder).toEqual({ other: [], mlserver: [0] });
    const other = d.explanation.servers.find((s) => s.name === "other");
    expect(other?.replicas[0]?.filters[0]).toEqual({
      name: "AvailableMemoryReplicaFilter",
      pass: false,
      reason: `model memory ${GB} replica memory 10`,
    });
  });

  it("skips draining replicas", () => {
    const d = run([srv("mlserver", [{ idx: 0, draining: true }, { idx: 1 }])], { replicas: 1 });
    expect(d).toMatchObject({ outcome: "scheduled", replicaIdxs: [1] });
  });

  it("a model naming a non-shared server goes there; other models skip it", () => {
    const servers = [srv("dedicated", 1, { shared: false }), srv("pool", 1)];
    expect(run(servers, { server: "dedicated" })).toMatchObject({ outcome: "scheduled", server: "dedicated" });
    expect(run(servers, {})).toMatchObject({ outcome: "scheduled", server: "pool" });
    expect(run([srv("dedicated", 1, { shared: false })], {})).toMatchObject({
      outcome: "noMatchingServers",
      error: NO_MATCHING_SERVERS,
    });
  });

  it("explainers need a replica with alibi-explain", () => {
    const servers = [
      srv("plain", 2),
      srv("explain", [{ idx: 0, capabilities: ["mlserver", "alibi-explain"] }, { idx: 1 }]),
    ];
    const d = run(servers, { explainer: { type: "anchor_tabular" } });
    expect(d).toMatchObject({ outcome: "scheduled", server: "explain", replicaIdxs: [0] });
    expect(d.explanation.replicaOrder).toEqual({ plain: [], explain: [0] });
    const two = run(servers, { explainer: true, replicas: 2 });
    expect(two).toMatchObject({ outcome: "notEnoughReplicas", error: NOT_ENOUGH_REPLICAS });
  });

  it("rejects servers being deleted (expectedReplicas 0) but not unknown ones (-1)", () => {
    expect(run([srv("gone", 1, { expectedReplicas: 0 })], {})).toMatchObject({ outcome: "noMatchingServers" });
    expect(run([srv("gone", 1, { expectedReplicas: 0 }), srv("new", 1, { expectedReplicas: -1 })], {})).toMatchObject({
      outcome: "scheduled",
      server: "new",
    });
  });

  it("trims requirements but not capabilities", () => {
    expect(run([srv("mlserver", 1)], { requirements: ["  sklearn", "mlflow "] })).toMatchObject({ outcome: "scheduled" });
    const d = run([srv("mlserver", [{ idx: 0, capabilities: [" sklearn"] }])], { requirements: ["sklearn"] });
    expect(d.outcome).toBe("noMatchingServers");
    expect(d.explanation.servers[0]?.filters[3]?.reason).toBe("model requirements [sklearn], server capabilities [ sklearn]");
  });

  it("schedules zero desired replicas on the first candidate server with no replicas", () => {
    expect(run([srv("a", 1), srv("b", 1)], { replicas: 0 })).toMatchObject({
      outcome: "scheduled",
      server: "a",
      replicaIdxs: [],
    });
  });

  it("tries servers in sorted order and skips those with too few suitable replicas", () => {
    const d = run([srv("small", 1), srv("big", 3), srv("current", 1)], { replicas: 2, ...state("current") });
    expect(d.explanation.serverOrder).toEqual(["current", "small", "big"]);
    expect(d).toMatchObject({ outcome: "scheduled", server: "big", replicaIdxs: [0, 1] });
  });
});

describe("decide: the min-replicas fallback", () => {
  it("takes min(suitable, desired) replicas on the first server with at least min, and asks to scale up", () => {
    const servers = [srv("one", 1), srv("three", 3)];
    const d = run(servers, { replicas: 4, minReplicas: 2, ...state("three", { "0": "Available" }, "ModelAvailable") });
    expect(d).toMatchObject({
      outcome: "scheduledWithMinReplicas",
      scheduled: true,
      server: "three",
      replicaIdxs: [0, 1, 2],
      minReplicasFallback: "succeeded",
      error: null,
      warning: MIN_REPLICAS_WARNING,
      failedScheduling: null,
    });
    expect(d.serverScaleUpEvents).toEqual([{ serverName: "three", updateContext: "SERVER_SCALE_UP" }]);
  });

  it("takes min replicas when min equals what fits", () => {
    const d = run([srv("two", 2)], { replicas: 5, minReplicas: 1, ...state("two") });
    expect(d).toMatchObject({ outcome: "scheduledWithMinReplicas", replicaIdxs: [0, 1] });
  });

  it("reports a failed fallback when no server has min replicas", () => {
    const d = run([srv("one", 1)], { replicas: 3, minReplicas: 2, ...state("one", { "0": "Available" }) });
    expect(d).toMatchObject({
      outcome: "notEnoughReplicas",
      scheduled: false,
      server: null,
      replicaIdxs: [],
      minReplicasFallback: "failed",
      error: NOT_ENOUGH_REPLICAS,
      failedScheduling: { message: NOT_ENOUGH_REPLICAS, clearServer: false },
    });
    expect(d.serverScaleUpEvents).toEqual([{ serverName: "one", updateContext: "SERVER_SCALE_UP" }]);
  });

  it("does not try the fallback when minReplicas is 0", () => {
    const d = run([srv("one", 1)], { replicas: 2 });
    expect(d).toMatchObject({ outcome: "notEnoughReplicas", minReplicasFallback: "notAttempted" });
  });

  it("sends no scale-up request when the model has no server and nothing was placed", () => {
    const d = run([srv("one", 1)], { replicas: 2, minReplicas: 2 });
    expect(d).toMatchObject({ outcome: "notEnoughReplicas", minReplicasFallback: "failed" });
    expect(d.serverScaleUpEvents).toEqual([]);
  });

  it("a successful fallback for a model without a server asks to scale up the server just chosen", () => {
    // The store writes the new server into the version before serverScaleUp reads it.
    const d = run([srv("one", 1)], { replicas: 2, minReplicas: 1 });
    expect(d).toMatchObject({ outcome: "scheduledWithMinReplicas", server: "one", replicaIdxs: [0] });
    expect(d.serverScaleUpEvents).toEqual([{ serverName: "one", updateContext: "SERVER_SCALE_UP" }]);
  });

  it("...unless the store has nothing to update, in which case the server stays empty and no event is sent", () => {
    // Replica 0 is already Loaded and the version state (ModelFailed) does not force an update.
    const d = run([srv("one", 1)], { replicas: 2, minReplicas: 1, ...state("", { "0": "Loaded" }, "ModelFailed") });
    expect(d).toMatchObject({ outcome: "scheduledWithMinReplicas", server: "one", replicaIdxs: [0] });
    expect(d.serverScaleUpEvents).toEqual([]);
    const progressing = run([srv("one", 1)], {
      replicas: 2,
      minReplicas: 1,
      ...state("", { "0": "Loaded" }, "ModelProgressing"),
    });
    expect(progressing.serverScaleUpEvents).toEqual([{ serverName: "one", updateContext: "SERVER_SCALE_UP" }]);
  });

  it("a fallback onto a different server asks to scale up the model's old server", () => {
    const d = run([srv("new", 2), srv("old", 0)], { replicas: 3, minReplicas: 1, ...state("old", { "0": "Available" }) });
    expect(d).toMatchObject({ outcome: "scheduledWithMinReplicas", server: "new", replicaIdxs: [0, 1] });
    expect(d.serverScaleUpEvents).toEqual([{ serverName: "old", updateContext: "SERVER_SCALE_UP" }]);
  });
});

describe("decide: FailedScheduling's reset flag", () => {
  it.each([
    ["no servers, nothing live", "noMatchingServers", {}, true],
    ["no servers, Available replica", "noMatchingServers", { "0": "Available" }, false],
    ["no servers, Draining replica (live)", "noMatchingServers", { "0": "Draining" }, false],
    // Loading is not live: only the second case also keeps the server for loading replicas.
    ["no servers, Loading replica", "noMatchingServers", { "0": "Loading" }, true],
    ["not enough replicas, Loading replica", "notEnoughReplicas", { "0": "Loading" }, false],
    ["not enough replicas, LoadRequested replica", "notEnoughReplicas", { "0": "LoadRequested" }, true],
    ["not enough replicas, Draining replica", "notEnoughReplicas", { "0": "Draining" }, false],
    ["not enough replicas, Unloaded replica", "notEnoughReplicas", { "0": "Unloaded" }, true],
  ])("%s → clearServer %s", (_label, outcome, replicaStates, clearServer) => {
    const servers = outcome === "noMatchingServers" ? [srv("mlserver", 0)] : [srv("mlserver", 1)];
    const d = run(servers, { replicas: 2, ...state("mlserver", replicaStates) });
    expect(d.outcome).toBe(outcome);
    expect(d.failedScheduling?.clearServer).toBe(clearServer);
    expect(d.failedScheduling?.message).toBe(d.error);
  });

  it("no matching servers sends no scale-up request even when the model has a server", () => {
    const d = run([srv("mlserver", 0)], state("mlserver", { "0": "Available" }));
    expect(d.serverScaleUpEvents).toEqual([]);
  });
});

describe("decide: deleted models", () => {
  const versions = [
    { version: 1, scheduledServer: "mlserver", replicaStates: { "0": "Available" } },
    { version: 2, scheduledServer: "mlserver", replicaStates: { "0": "Unloaded" } },
    { version: 3, scheduledServer: "mlserver", replicaStates: { "0": "Loading", "1": "LoadedUnavailable" } },
  ];

  it("places nothing, returns no error, and lists the versions to unload", () => {
    const d = run([srv("mlserver", 2)], { deleted: true, existingState: { versions } });
    expect(d).toMatchObject({
      outcome: "deleted",
      scheduled: false,
      server: null,
      replicaIdxs: [],
      error: null,
      failedScheduling: null,
      version: 3,
      deletion: { server: "mlserver", unloadVersions: [1, 3] },
    });
    expect(d.serverScaleUpEvents).toEqual([]);
    expect(d.explanation).toEqual({ servers: [], serverOrder: [], replicaOrder: {} });
  });

  it("a deleted model without a server releases nothing", () => {
    const d = run([srv("mlserver", 1)], { deleted: true });
    expect(d).toMatchObject({ outcome: "deleted", deletion: { server: null, unloadVersions: [] } });
  });
});

describe("decide: explanations", () => {
  it("evaluates every filter of every server and replica, even after a rejection", () => {
    const d = run([srv("empty", 0, { shared: false, expectedReplicas: 0 }), srv("mlserver", [{ idx: 4, draining: true }])], {
      memoryBytes: 2 * GB,
      requirements: ["sklearn"],
    });
    const [empty, ml] = d.explanation.servers;
    expect(empty).toEqual({
      name: "empty",
      accepted: false,
      filters: [
        { name: "ServerReplicaFilter", pass: false, reason: "0 server replicas (waiting for server replicas to connect)" },
        { name: "SharingServerFilter", pass: false, reason: "sharing false" },
        { name: "DeletedServerFilter", pass: false, reason: "expected replicas 0 != 0" },
        { name: "ServerRequirementsFilter", pass: false, reason: "model requirements [sklearn], server capabilities unknown" },
      ],
      replicas: [],
    });
    expect(ml?.accepted).toBe(true);
    expect(ml?.replicas).toEqual([
      {
        idx: 4,
        accepted: false,
        filters: [
          { name: "AvailableMemoryReplicaFilter", pass: false, reason: `model memory ${2 * GB} replica memory ${GB}` },
          { name: "ExplainerFilter", pass: true, reason: "model is explainer true replica capabilities [mlserver sklearn mlflow]" },
          { name: "ReplicaDrainingFilter", pass: false, reason: "Replica server 4 is draining check true" },
        ],
      },
    ]);
    expect(d.explanation.serverOrder).toEqual(["mlserver"]);
    expect(d.explanation.replicaOrder).toEqual({ mlserver: [] });
  });

  it("reports the replicas of rejected servers too, but gives them no order", () => {
    const d = run([srv("private", 2, { shared: false })], {});
    expect(d.explanation.servers[0]?.replicas.map((r) => [r.idx, r.accepted])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(d.explanation.replicaOrder).toEqual({});
  });

  it("with 25 candidate servers, the current server comes first and the others keep snapshot order", () => {
    const names = Array.from({ length: 25 }, (_, i) => `s${i}`);
    const d = run(
      names.map((n) => srv(n, 1)),
      { replicas: 2, ...state("s22") },
    );
    expect(d.explanation.serverOrder).toEqual(["s22", ...names.filter((n) => n !== "s22")]);
    expect(d.outcome).toBe("notEnoughReplicas");
    expect(d.serverScaleUpEvents).toEqual([{ serverName: "s22", updateContext: "SERVER_SCALE_UP" }]);
  });
});

describe("decide: custom chains", () => {
  it("empty chains accept every server and replica, in snapshot order", () => {
    const chains = resolveChains({ serverFilters: [], replicaFilters: [], serverSorters: [], replicaSorters: [] });
    const servers = [
      srv("empty", 0, { shared: false, expectedReplicas: 0 }),
      srv("drain", [{ idx: 2, draining: true }, { idx: 1, availableMemoryBytes: 0 }]),
    ];
    const d = run(servers, { replicas: 2, memoryBytes: GB, ...state("drain") }, chains);
    expect(d.explanation.servers.map((s) => [s.name, s.accepted, s.filters.length])).toEqual([
      ["empty", true, 0],
      ["drain", true, 0],
    ]);
    expect(d.explanation.serverOrder).toEqual(["empty", "drain"]);
    expect(d).toMatchObject({ outcome: "scheduled", server: "drain", replicaIdxs: [2, 1] });
  });

  it("only the configured filters are evaluated, in the configured order", () => {
    const chains = resolveChains({ serverFilters: ["DeletedServerFilter", "ServerReplicaFilter"] });
    const d = run([srv("private", 1, { shared: false })], {}, chains);
    expect(d.explanation.servers[0]?.filters.map((f) => f.name)).toEqual(["DeletedServerFilter", "ServerReplicaFilter"]);
    expect(d).toMatchObject({ outcome: "scheduled", server: "private" });
  });

  it("reordered replica sorters change the order: the last sort decides", () => {
    const replicas = [
      { idx: 0, availableMemoryBytes: GB },
      { idx: 1, availableMemoryBytes: 3 * GB },
      { idx: 2, availableMemoryBytes: 2 * GB },
    ];
    const model = { replicas: 3, ...state("mlserver", { "2": "Loaded" }) };
    expect(run([srv("mlserver", replicas)], model).replicaIdxs).toEqual([2, 1, 0]);
    const reversed = resolveChains({
      replicaSorters: ["ModelAlreadyLoadedSorter", "AvailableMemorySorter", "ReplicaIndexSorter"],
    });
    expect(run([srv("mlserver", replicas)], model, reversed).replicaIdxs).toEqual([0, 1, 2]);
    const memoryOnly = resolveChains({ replicaSorters: ["AvailableMemorySorter"] });
    expect(run([srv("mlserver", replicas)], model, memoryOnly).replicaIdxs).toEqual([1, 2, 0]);
  });

  it("a first-argument-only server sorter across more than 20 servers follows Go's merge, not a stable partition", () => {
    // Same comparator shape as ModelAlreadyLoadedOnServerSorter, but matching two servers.
    const marked = new Set(["s5", "s21"]);
    const sorter: ServerSorter = { kind: "serverSorter", name: "Marked", isLess: (a) => marked.has(a.server.name) };
    const chains = { ...DEFAULT_CHAINS, serverSorters: [sorter] };
    const names = Array.from({ length: 22 }, (_, i) => `s${i}`);
    const d = run(names.map((n) => srv(n, 1)), {}, chains);
    expect(d.explanation.serverOrder).toEqual([
      "s21",
      "s5",
      ...names.filter((n) => n !== "s5" && n !== "s21"),
    ]);
    expect(d).toMatchObject({ outcome: "scheduled", server: "s21" });
  });
});
