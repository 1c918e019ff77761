/**
 * v2.9.0's placement filters and sorters on the inputs of their own unit tests, decided by our
 * plugins (through the placement snapshot a `seldon-sim schedule` input also builds).
 * One describe per Seldon filter or sorter; the explainer filter has no test of its own in v2.9.0.
 */
import { describe, expect, it } from "vitest";
import {
  availableMemoryReplicaFilter,
  availableMemorySorter,
  deletedServerFilter,
  goStableSorted,
  modelAlreadyLoadedOnServerSorter,
  modelAlreadyLoadedSorter,
  replicaDrainingFilter,
  replicaIndexSorter,
  serverReplicaFilter,
  serverRequirementsFilter,
  sharingServerFilter,
  snapshotFromJson,
  type CandidateReplica,
  type ModelSnapshot,
  type ServerSnapshot,
} from "../../src/scheduling/index.ts";

type Obj = Record<string, unknown>;

/** A model whose latest version is on `scheduledServer` with replica 3 loading (as Seldon's tests build it). */
function model(fields: Obj = {}, scheduledServer = "server1", replicaStates: Obj = { 3: "Loading" }): ModelSnapshot {
  return snapshotFromJson(
    { servers: [], model: { name: "m", replicas: 1, existingState: { versions: [{ version: 1, scheduledServer, replicaStates }] }, ...fields } },
    "vector.json",
  ).model;
}

function server(fields: Obj): ServerSnapshot {
  return snapshotFromJson({ servers: [{ shared: true, ...fields }], model: { name: "m", replicas: 1 } }, "vector.json").servers[0]!;
}

describe("DeletedServerFilter", () => {
  it.each([
    { what: "a server being deleted (0 expected replicas) is refused", expectedReplicas: 0, pass: false },
    { what: "a server whose replicas are not yet announced passes", expectedReplicas: -1, pass: true },
    { what: "an active server passes", expectedReplicas: 4, pass: true },
  ])("$what", ({ expectedReplicas, pass }) => {
    expect(deletedServerFilter.filter(model(), server({ name: "server1", expectedReplicas }))).toBe(pass);
  });
});

describe("ReplicaDrainingFilter", () => {
  it.each([
    { what: "a draining replica is refused", draining: true, pass: false },
    { what: "a replica not draining passes", draining: false, pass: true },
  ])("$what", ({ draining, pass }) => {
    const replica = server({ name: "s", replicas: [{ idx: 0, draining }] }).replicas[0]!;
    expect(replicaDrainingFilter.filter(model(), replica)).toBe(pass);
  });
});

describe("AvailableMemoryReplicaFilter", () => {
  const replica = (available: number, reserved: number) =>
    server({ name: "server1", replicas: [{ idx: 0, memoryBytes: available, availableMemoryBytes: available, reservedMemoryBytes: reserved }] }).replicas[0]!;
  it.each([
    { what: "enough memory", memory: 100, on: ["", {}], available: 100, reserved: 0, pass: true },
    { what: "a model without memory fits", memory: undefined, on: ["", {}], available: 200, reserved: 0, pass: true },
    { what: "not enough memory", memory: 100, on: ["", {}], available: 50, reserved: 0, pass: false },
    { what: "not enough once reservations are taken off", memory: 100, on: ["", {}], available: 200, reserved: 150, pass: false },
    { what: "reservations above the available memory leave none", memory: 100, on: ["", {}], available: 200, reserved: 250, pass: false },
    { what: "the model already loading there passes without memory", memory: 100, on: ["server1", { 0: "Loading" }], available: 0, reserved: 0, pass: true },
  ] as const)("$what", ({ memory, on, available, reserved, pass }) => {
    const m = model(memory === undefined ? {} : { memoryBytes: memory }, on[0], on[1]);
    expect(availableMemoryReplicaFilter.filter(m, replica(available, reserved))).toBe(pass);
  });
});

describe("ServerReplicaFilter", () => {
  it.each([
    { what: "a server without replicas is refused", replicas: [], pass: false },
    { what: "a server with a replica passes", replicas: [{ idx: 0 }], pass: true },
  ])("$what", ({ replicas, pass }) => {
    expect(serverReplicaFilter.filter(model(), server({ name: "server1", expectedReplicas: 0, replicas }))).toBe(pass);
  });
});

describe("ServerRequirementsFilter", () => {
  const srv = (count: number, capabilities: string[], startIdx = 0) =>
    server({ name: "server", replicas: Array.from({ length: count }, (_, i) => ({ idx: startIdx + i, capabilities })) });
  it.each([
    { what: "no replicas: capabilities unknown", requirements: ["sklearn"], server: srv(0, []), pass: false },
    { what: "a matching capability", requirements: ["sklearn"], server: srv(1, ["sklearn"]), pass: true },
    { what: "a match on a replica whose index is not 0", requirements: ["sklearn"], server: srv(1, ["sklearn"], 10), pass: true },
    { what: "a mismatch", requirements: ["sklearn"], server: srv(1, ["xgboost"]), pass: false },
    { what: "only some requirements met", requirements: ["sklearn", "xgboost"], server: srv(1, ["xgboost"]), pass: false },
    { what: "all of several requirements met", requirements: ["sklearn", "xgboost"], server: srv(1, ["xgboost", "sklearn", "tensorflow"]), pass: true },
    { what: "a requirement repeated", requirements: ["sklearn", "xgboost", "sklearn"], server: srv(1, ["xgboost", "sklearn", "tensorflow"]), pass: true },
    { what: "several replicas that match", requirements: ["sklearn"], server: srv(2, ["xgboost", "sklearn", "tensorflow"]), pass: true },
    { what: "several replicas that do not", requirements: ["sklearn"], server: srv(2, ["xgboost"]), pass: false },
  ])("$what", ({ requirements, server: s, pass }) => {
    expect(serverRequirementsFilter.filter(model({ requirements }, "server"), s)).toBe(pass);
  });
});

describe("SharingServerFilter", () => {
  it.each([
    { what: "the named server, not shared", requested: "server1", name: "server1", shared: false, pass: true },
    { what: "the named server, shared", requested: "server1", name: "server1", shared: true, pass: true },
    { what: "another server than the named one", requested: "server1", name: "foo", shared: true, pass: false },
    { what: "no server named: any shared server", requested: null, name: "foo", shared: true, pass: true },
    { what: "no server named: not a dedicated one", requested: null, name: "foo", shared: false, pass: false },
  ])("$what", ({ requested, name, shared, pass }) => {
    expect(sharingServerFilter.filter(model({ server: requested }), server({ name, shared }))).toBe(pass);
  });
});

function candidates(m: ModelSnapshot, serverName: string, replicas: Obj[]): CandidateReplica[] {
  const s = server({ name: serverName, replicas });
  return s.replicas.map((replica) => ({ model: m, server: s, replica }));
}

describe("ModelAlreadyLoadedSorter", () => {
  it.each([
    { what: "the replica loading the model comes first", on: "server1", order: [3, 2, 1] },
    { what: "loading on another server does not count", on: "server2", order: [2, 1, 3] },
  ])("$what", ({ on, order }) => {
    const c = candidates(model({}, on), "server1", [{ idx: 2 }, { idx: 1 }, { idx: 3 }]);
    const sorted = goStableSorted(c, (a, b) => modelAlreadyLoadedSorter.isLess(a, b));
    expect(sorted.map((x) => x.replica.idx)).toEqual(order);
  });
});

describe("ModelAlreadyLoadedOnServerSorter", () => {
  it.each([
    { what: "the model's server comes first, the others keep their order", on: "server1", order: ["server1", "server3", "server2"] },
    { what: "a model on no server keeps the order", on: "", order: ["server3", "server2", "server1"] },
  ])("$what", ({ on, order }) => {
    const m = model({}, on, {});
    const servers = ["server3", "server2", "server1"].map((name) => ({ model: m, server: server({ name }) }));
    const sorted = goStableSorted(servers, (a, b) => modelAlreadyLoadedOnServerSorter.isLess(a, b));
    expect(sorted.map((x) => x.server.name)).toEqual(order);
  });
});

describe("ReplicaIndexSorter", () => {
  it("orders by replica index", () => {
    const c = candidates(model(), "dummy", [
      { idx: 20, availableMemoryBytes: 200 }, { idx: 10, availableMemoryBytes: 100 }, { idx: 30, availableMemoryBytes: 150 },
    ]);
    expect(goStableSorted(c, (a, b) => replicaIndexSorter.isLess(a, b)).map((x) => x.replica.idx)).toEqual([10, 20, 30]);
  });
});

describe("AvailableMemorySorter", () => {
  it.each([
    {
      what: "most free memory first",
      replicas: [{ idx: 1, availableMemoryBytes: 100 }, { idx: 2, availableMemoryBytes: 200 }, { idx: 3, availableMemoryBytes: 150 }],
      order: [2, 3, 1],
    },
    {
      what: "reserved memory counts as used",
      replicas: [{ idx: 1, availableMemoryBytes: 100 }, { idx: 2, availableMemoryBytes: 200, reservedMemoryBytes: 150 }, { idx: 3, availableMemoryBytes: 150 }],
      order: [3, 1, 2],
    },
  ])("$what", ({ replicas, order }) => {
    const c = candidates(model(), "dummy", replicas.map((r) => ({ memoryBytes: 100, ...r })));
    expect(goStableSorted(c, (a, b) => availableMemorySorter.isLess(a, b)).map((x) => x.replica.idx)).toEqual(order);
  });
});
