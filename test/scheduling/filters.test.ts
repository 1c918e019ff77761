import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { fitsFilterFreeMemory, filterFreeMemory } from "../../src/scheduling/filters.ts";
import {
  availableMemoryReplicaFilter,
  deletedServerFilter,
  explainerFilter,
  replicaDrainingFilter,
  serverReplicaFilter,
  serverRequirementsFilter,
  sharingServerFilter,
  snapshotFromJson,
  type ModelSnapshot,
  type ServerReplicaSnapshot,
  type ServerSnapshot,
} from "../../src/scheduling/index.ts";

type Obj = Record<string, unknown>;

function model(fields: Obj = {}): ModelSnapshot {
  return snapshotFromJson({ servers: [], model: { name: "m", replicas: 1, ...fields } }, "test.json").model;
}

function server(fields: Obj = {}): ServerSnapshot {
  const s = snapshotFromJson({ servers: [{ name: "mlserver", ...fields }], model: { name: "m", replicas: 1 } }, "t").servers[0];
  if (s === undefined) throw new Error("no server");
  return s;
}

function replica(fields: Obj = {}, serverName = "mlserver"): ServerReplicaSnapshot {
  const r = server({ name: serverName, replicas: [{ idx: 0, ...fields }] }).replicas[0];
  if (r === undefined) throw new Error("no replica");
  return r;
}

const onServer = (scheduledServer: string, replicaStates: Obj, extra: Obj = {}) => ({
  existingState: { versions: [{ version: 1, scheduledServer, replicaStates }] },
  ...extra,
});

describe("ServerReplicaFilter", () => {
  it.each([
    [[], false, "0 server replicas (waiting for server replicas to connect)"],
    [[{ idx: 0 }], true, "1 server replicas (waiting for server replicas to connect)"],
    [[{ idx: 0 }, { idx: 3 }], true, "2 server replicas (waiting for server replicas to connect)"],
  ])("replicas %j → %s", (replicas, pass, reason) => {
    const s = server({ replicas });
    expect(serverReplicaFilter.filter(model(), s)).toBe(pass);
    expect(serverReplicaFilter.reason(model(), s)).toBe(reason);
  });
});

describe("SharingServerFilter", () => {
  it.each([
    ["no request, shared", null, "mlserver", true, true, "sharing true"],
    ["no request, not shared", null, "mlserver", false, false, "sharing false"],
    ["requested, not shared", "dedicated", "dedicated", false, true, "requested server dedicated == dedicated"],
    ["requested, shared", "dedicated", "dedicated", true, true, "requested server dedicated == dedicated"],
    ["other server requested", "mlserver", "triton", true, false, "requested server mlserver == triton"],
    ["namespaced name", "seldon-system/mlserver", "mlserver", true, false, "requested server seldon-system/mlserver == mlserver"],
  ])("%s", (_label, requested, name, shared, pass, reason) => {
    const m = model({ server: requested });
    const s = server({ name, shared });
    expect(sharingServerFilter.filter(m, s)).toBe(pass);
    expect(sharingServerFilter.reason(m, s)).toBe(reason);
  });
});

describe("DeletedServerFilter", () => {
  it.each([
    [0, false, "expected replicas 0 != 0"],
    [-1, true, "expected replicas -1 != 0"],
    [3, true, "expected replicas 3 != 0"],
  ])("expectedReplicas %i → %s", (expectedReplicas, pass, reason) => {
    const s = server({ expectedReplicas });
    expect(deletedServerFilter.filter(model(), s)).toBe(pass);
    expect(deletedServerFilter.reason(model(), s)).toBe(reason);
  });

  it("an omitted expectedReplicas is -1 (unknown) and passes", () => {
    expect(server().expectedReplicas).toBe(-1);
    expect(deletedServerFilter.filter(model(), server())).toBe(true);
  });
});

describe("ServerRequirementsFilter", () => {
  const caps = (c: string[], idx = 0) => ({ idx, capabilities: c });
  it.each([
    ["no replicas: capabilities unknown", [], [], false, "model requirements [], server capabilities unknown"],
    ["no replicas with requirements", ["sklearn"], [], false, "model requirements [sklearn], server capabilities unknown"],
    ["no requirements", [], [caps(["mlserver"])], true, "model requirements [], server capabilities [mlserver]"],
    ["all present", ["sklearn", "mlflow"], [caps(["mlflow", "sklearn"])], true, "model requirements [sklearn mlflow], server capabilities [mlflow sklearn]"],
    ["one missing", ["mlflow", "torch"], [caps(["mlflow", "sklearn"])], false, "model requirements [mlflow torch], server capabilities [mlflow sklearn]"],
    // Requirements are trimmed when compared but printed as given.
    ["requirement with spaces", [" sklearn "], [caps(["sklearn"])], true, "model requirements [ sklearn ], server capabilities [sklearn]"],
    // Capabilities are not trimmed by the filter.
    ["capability with spaces", ["sklearn"], [caps([" sklearn"])], false, "model requirements [sklearn], server capabilities [ sklearn]"],
    // Only the first replica's capabilities count.
    ["second replica has it", ["xgboost"], [caps(["mlserver"], 0), caps(["mlserver", "xgboost"], 1)], false, "model requirements [xgboost], server capabilities [mlserver]"],
    ["first replica has it", ["xgboost"], [caps(["xgboost"], 0), caps([], 1)], true, "model requirements [xgboost], server capabilities [xgboost]"],
  ])("%s", (_label, requirements, replicas, pass, reason) => {
    const m = model({ requirements });
    const s = server({ replicas });
    expect(serverRequirementsFilter.filter(m, s)).toBe(pass);
    expect(serverRequirementsFilter.reason(m, s)).toBe(reason);
  });
});

describe("AvailableMemoryReplicaFilter", () => {
  it.each([
    ["zero memory model, zero free", null, { availableMemoryBytes: 0 }, true, "model memory 0 replica memory 0"],
    ["exact fit", 100, { availableMemoryBytes: 100 }, true, "model memory 100 replica memory 100"],
    ["one byte short", 101, { availableMemoryBytes: 100 }, false, "model memory 101 replica memory 100"],
    // The reason prints the available memory, not what is left after the reservation.
    ["reservation leaves too little", 50, { availableMemoryBytes: 100, reservedMemoryBytes: 60 }, false, "model memory 50 replica memory 100"],
    ["reservation leaves enough", 40, { availableMemoryBytes: 100, reservedMemoryBytes: 60 }, true, "model memory 40 replica memory 100"],
    // Reserved above available: the float subtraction is clamped at 0 (no wrap-around here).
    ["reserved above available, 1 byte model", 1, { availableMemoryBytes: 100, reservedMemoryBytes: 200 }, false, "model memory 1 replica memory 100"],
    ["reserved above available, zero memory model", 0, { availableMemoryBytes: 100, reservedMemoryBytes: 200 }, true, "model memory 0 replica memory 100"],
    // float64(2^53 + 1) rounds down to 2^53, so the replica looks one byte short.
    ["float64 rounding", "9007199254740993", { availableMemoryBytes: "9007199254740993" }, false, "model memory 9007199254740993 replica memory 9007199254740993"],
  ])("%s", (_label, memoryBytes, rep, pass, reason) => {
    const m = model({ memoryBytes });
    const r = replica(rep);
    expect(availableMemoryReplicaFilter.filter(m, r)).toBe(pass);
    expect(availableMemoryReplicaFilter.reason(m, r)).toBe(reason);
  });

  const big = { memoryBytes: 1000 };
  const tight = { availableMemoryBytes: 10 };
  it.each([
    ["Loaded on this replica of the current server", onServer("mlserver", { "0": "Loaded" }, big), "mlserver", true],
    ["Loading", onServer("mlserver", { "0": "Loading" }, big), "mlserver", true],
    ["Available", onServer("mlserver", { "0": "Available" }, big), "mlserver", true],
    ["LoadedUnavailable", onServer("mlserver", { "0": "LoadedUnavailable" }, big), "mlserver", true],
    ["LoadRequested does not count", onServer("mlserver", { "0": "LoadRequested" }, big), "mlserver", false],
    ["Draining does not count", onServer("mlserver", { "0": "Draining" }, big), "mlserver", false],
    ["LoadFailed does not count", onServer("mlserver", { "0": "LoadFailed" }, big), "mlserver", false],
    ["loaded on another replica index", onServer("mlserver", { "1": "Loaded" }, big), "mlserver", false],
    ["same index but on another server", onServer("mlserver", { "0": "Loaded" }, big), "triton", false],
    ["model without a server", onServer("", { "0": "Loaded" }, big), "mlserver", false],
  ])("already loaded: %s → %s", (_label, m, serverName, pass) => {
    expect(availableMemoryReplicaFilter.filter(model(m), replica(tight, serverName))).toBe(pass);
  });
});

describe("ExplainerFilter", () => {
  it.each([
    ["not an explainer, no capabilities", false, [], true, "model is explainer true replica capabilities []"],
    ["not an explainer", false, ["mlserver"], true, "model is explainer true replica capabilities [mlserver]"],
    ["explainer on alibi-explain", true, ["mlserver", "alibi-explain"], true, "model is explainer false replica capabilities [mlserver alibi-explain]"],
    ["explainer without alibi-explain", true, ["mlserver"], false, "model is explainer false replica capabilities [mlserver]"],
    ["explainer spec object", { type: "anchor_tabular", modelRef: "income" }, ["alibi-explain"], true, "model is explainer false replica capabilities [alibi-explain]"],
    ["explainer, capability not trimmed", true, [" alibi-explain"], false, "model is explainer false replica capabilities [ alibi-explain]"],
  ])("%s", (_label, explainer, capabilities, pass, reason) => {
    const m = model({ explainer });
    const r = replica({ capabilities });
    expect(explainerFilter.filter(m, r)).toBe(pass);
    expect(explainerFilter.reason(m, r)).toBe(reason);
  });
});

describe("ReplicaDrainingFilter", () => {
  it.each([
    [0, false, true, "Replica server 0 is draining check false"],
    [3, true, false, "Replica server 3 is draining check true"],
  ])("replica %i draining %s", (idx, draining, pass, reason) => {
    const r = replica({ idx, draining });
    expect(replicaDrainingFilter.filter(model(), r)).toBe(pass);
    expect(replicaDrainingFilter.reason(model(), r)).toBe(reason);
  });
});

describe("fitsFilterFreeMemory", () => {
  it("answers as comparing with filterFreeMemory does, over the whole uint64 range", () => {
    const u64 = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: 1n << 40n }),
      fc.constantFrom(0n, 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n),
    );
    fc.assert(
      fc.property(u64, u64, u64, (memory, available, reserved) => {
        const replica = { idx: 0, serverName: "s", memoryBytes: 0n, availableMemoryBytes: available, reservedMemoryBytes: reserved, capabilities: [], overCommitPercentage: 0, draining: false, loadedModels: [] };
        expect(fitsFilterFreeMemory(memory, replica)).toBe(memory <= filterFreeMemory(replica));
        // Memory right at the boundary, where rounding would show.
        const free = filterFreeMemory(replica);
        for (const m of [free, free + 1n, free > 0n ? free - 1n : 0n]) expect(fitsFilterFreeMemory(m, replica)).toBe(m <= free);
      }),
      { numRuns: 3000, seed: 36 },
    );
  });
});
