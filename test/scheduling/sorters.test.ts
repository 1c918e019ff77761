import { describe, it, expect } from "vitest";
import {
  availableMemorySorter,
  goStableSorted,
  modelAlreadyLoadedOnServerSorter,
  modelAlreadyLoadedSorter,
  replicaIndexSorter,
  snapshotFromJson,
  sorterFreeMemory,
  type CandidateReplica,
  type SchedulingSnapshot,
} from "../../src/scheduling/index.ts";

type Obj = Record<string, unknown>;

function snapshot(replicas: Obj[], modelFields: Obj = {}, serverNames = ["mlserver"]): SchedulingSnapshot {
  return snapshotFromJson(
    {
      servers: serverNames.map((name) => ({ name, shared: true, replicas })),
      model: { name: "m", replicas: 1, ...modelFields },
    },
    "t.json",
  );
}

function candidates(snap: SchedulingSnapshot, serverIndex = 0): CandidateReplica[] {
  const server = snap.servers[serverIndex];
  if (server === undefined) throw new Error("no server");
  return server.replicas.map((replica) => ({ model: snap.model, server, replica }));
}

function pair(snap: SchedulingSnapshot, i: number, j: number, serverIndex = 0): [CandidateReplica, CandidateReplica] {
  const c = candidates(snap, serverIndex);
  const a = c[i];
  const b = c[j];
  if (a === undefined || b === undefined) throw new Error("bad index");
  return [a, b];
}

describe("ReplicaIndexSorter", () => {
  const snap = snapshot([{ idx: 0 }, { idx: 1 }]);
  it.each([
    [0, 1, true],
    [1, 0, false],
    [1, 1, false],
  ])("isLess(replica %i, replica %i) = %s", (i, j, expected) => {
    expect(replicaIndexSorter.isLess(...pair(snap, i, j))).toBe(expected);
  });
});

describe("AvailableMemorySorter", () => {
  it.each([
    ["more free memory first", { availableMemoryBytes: 200 }, { availableMemoryBytes: 100 }, true],
    ["less free memory is not less", { availableMemoryBytes: 100 }, { availableMemoryBytes: 200 }, false],
    ["equal free memory", { availableMemoryBytes: 150, reservedMemoryBytes: 50 }, { availableMemoryBytes: 100 }, false],
    ["reservation counts", { availableMemoryBytes: 300, reservedMemoryBytes: 250 }, { availableMemoryBytes: 100 }, false],
    // uint64 wrap-around: 100 - 200 = 2^64 - 100, the largest free memory of all.
    ["reserved above available sorts first", { availableMemoryBytes: 100, reservedMemoryBytes: 200 }, { availableMemoryBytes: "1000000000000" }, true],
    ["...and nothing sorts before it", { availableMemoryBytes: "1000000000000" }, { availableMemoryBytes: 100, reservedMemoryBytes: 200 }, false],
  ])("%s", (_label, a, b, expected) => {
    const snap = snapshot([{ idx: 0, ...a }, { idx: 1, ...b }]);
    expect(availableMemorySorter.isLess(...pair(snap, 0, 1))).toBe(expected);
  });

  it("computes the wrapped free memory as float64(2^64 - 100)", () => {
    const r = snapshot([{ idx: 0, availableMemoryBytes: 100, reservedMemoryBytes: 200 }]).servers[0]?.replicas[0];
    if (r === undefined) throw new Error("no replica");
    expect(sorterFreeMemory(r)).toBe(18446744073709551516);
    expect(sorterFreeMemory(r)).toBeGreaterThan(1.8e19);
  });
});

describe("ModelAlreadyLoadedSorter", () => {
  const model = {
    existingState: {
      versions: [
        {
          version: 1,
          scheduledServer: "mlserver",
          replicaStates: { "0": "LoadRequested", "1": "Unloaded", "2": "Loaded", "3": "Draining", "4": "Available" },
        },
      ],
    },
  };
  const reps = [0, 1, 2, 3, 4].map((idx) => ({ idx }));
  const snap = snapshot(reps, model, ["mlserver", "triton"]);
  it.each([
    ["LoadRequested before Unloaded", 0, 1, 0, true],
    ["Unloaded not before LoadRequested", 1, 0, 0, false],
    ["both loading or loaded", 0, 2, 0, false],
    ["Available before Draining", 4, 3, 0, true],
    ["Draining does not count", 3, 1, 0, false],
    ["on another server nothing counts", 2, 1, 1, false],
  ])("%s", (_label, i, j, serverIndex, expected) => {
    expect(modelAlreadyLoadedSorter.isLess(...pair(snap, i, j, serverIndex))).toBe(expected);
  });
});

describe("ModelAlreadyLoadedOnServerSorter", () => {
  const names = Array.from({ length: 25 }, (_, i) => `s${i}`);
  const snap = snapshotFromJson(
    {
      servers: names.map((name) => ({ name, shared: true })),
      model: { name: "m", replicas: 1, existingState: { versions: [{ scheduledServer: "s22" }] } },
    },
    "t.json",
  );
  const cand = (name: string) => {
    const server = snap.servers.find((s) => s.name === name);
    if (server === undefined) throw new Error(name);
    return { model: snap.model, server };
  };

  it("looks only at its first argument (not irreflexive)", () => {
    expect(modelAlreadyLoadedOnServerSorter.isLess(cand("s22"), cand("s0"))).toBe(true);
    expect(modelAlreadyLoadedOnServerSorter.isLess(cand("s22"), cand("s22"))).toBe(true);
    expect(modelAlreadyLoadedOnServerSorter.isLess(cand("s0"), cand("s22"))).toBe(false);
    expect(modelAlreadyLoadedOnServerSorter.isLess(cand("s0"), cand("s1"))).toBe(false);
  });

  it("with 25 servers and Go's stable sort, puts the current server first and keeps the rest in order", () => {
    // Hand-worked: block [s0..s19] is unchanged by insertion sort; block [s20..s24] becomes
    // [s22,s20,s21,s23,s24]. symMerge(0,20,25): mid=12, start=11, end=21; rotate(11,20,21)
    // brings s22 to position 11, symMerge(0,11,12) moves it to the front, symMerge(12,21,25)
    // changes nothing.
    const sorted = goStableSorted(names.map(cand), (a, b) => modelAlreadyLoadedOnServerSorter.isLess(a, b));
    expect(sorted.map((c) => c.server.name)).toEqual(["s22", ...names.filter((n) => n !== "s22")]);
  });
});
