import { describe, expect, it } from "vitest";
import { placeModel, snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
import { decide } from "../../src/scheduling/index.ts";
import { compareAfterEverySchedulerStep } from "../scheduler/generated-runs.ts";
import { plain } from "./decision-arbs.ts";

describe("the scheduler's server verdict cache", () => {
  it("gives the decision a fresh evaluation of a fresh store snapshot gives, after every step of generated runs with faults", async () => {
    const { compared, mismatches } = await compareAfterEverySchedulerStep(20, 41, (scheduler) =>
      // The store's own cache, shared with the scheduler's decisions, across several models.
      [...scheduler.store.models.values()].slice(0, 3).filter((model) => model.latest()).map((model) => ({
        label: `model ${model.name}`,
        kept: plain(placeModel(scheduler.store, model).full),
        fresh: plain(decide({ ...snapshotOf(scheduler.store, model), servers: [...scheduler.store.servers.values()].map(takeServerSnapshot) })),
      })));
    expect(compared).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 180_000);
});
