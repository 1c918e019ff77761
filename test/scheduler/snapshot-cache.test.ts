import { describe, expect, it } from "vitest";
import { snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
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
});
