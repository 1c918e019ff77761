import { describe, expect, it } from "vitest";
import { snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
import { buildStore } from "../vectors/store-fixtures.ts";
import { compareAfterEverySchedulerStep } from "./generated-runs.ts";

describe("reused server snapshots", () => {
  it("equal a fresh snapshot of the store after every step of generated runs with faults", async () => {
    const { compared, mismatches } = await compareAfterEverySchedulerStep(25, 21, (scheduler) => {
      const model = scheduler.store.models.values().next().value;
      if (!model?.latest()) return [];
      return [{ label: "", kept: snapshotOf(scheduler.store, model).servers, fresh: [...scheduler.store.servers.values()].map(takeServerSnapshot) }];
    });
    expect(compared).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 120_000);

  it("follow a drained replica, which generated runs do not reach", () => {
    const store = buildStore({
      models: { m: { versions: [{ version: 1, server: "s", replicas: { 0: "Available" }, state: "ModelAvailable" }] } },
      servers: { s: { replicas: { 0: { loaded: [["m", 1]], memory: 1000n, availableMemory: 1000n }, 1: {} } } },
    });
    const model = store.models.get("m")!;
    const before = snapshotOf(store, model).servers[0]!;
    store.drainServerReplica("s", 0);
    const after = snapshotOf(store, model).servers[0]!;
    expect(after).toEqual(takeServerSnapshot(store.servers.get("s")!));
    expect(after.replicas[0]!.draining).toBe(true);
    // the replica that did not move is the same object in both snapshots
    expect(after.replicas[1]).toBe(before.replicas[1]);
  });

  it("print and spread as a fresh snapshot does: the same properties, in the same order", () => {
    const store = buildStore({
      models: { m: { versions: [{ version: 1, server: "s", replicas: { 0: "Available" }, state: "ModelAvailable" }] } },
      servers: { s: { replicas: { 0: { loaded: [["m", 1]], memory: 1000n, availableMemory: 1000n }, 1: {} } } },
    });
    const kept = snapshotOf(store, store.models.get("m")!).servers[0]!;
    const fresh = takeServerSnapshot(store.servers.get("s")!);
    const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    expect(text(kept)).toBe(text(fresh));
    for (let i = 0; i < fresh.replicas.length; i++) {
      expect(Object.keys(kept.replicas[i]!)).toEqual(Object.keys(fresh.replicas[i]!));
      expect({ ...kept.replicas[i]! }).toStrictEqual(fresh.replicas[i]);
    }
  });
});
