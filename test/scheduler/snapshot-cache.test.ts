import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { caseArb } from "../../src/properties/arbitraries.ts";
import { runCase } from "../../src/properties/check.ts";
import { snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";
import type { Component } from "../../src/core/protocol.ts";

describe("reused server snapshots", () => {
  it("equal a fresh snapshot of the store after every step of generated runs with faults", async () => {
    const cases = fc.sample(caseArb(), { numRuns: 25, seed: 21 });
    let compared = 0;
    const mismatches: string[] = [];
    const wrap = (component: Component): Component => {
      if (component.role !== "scheduler") return component;
      const scheduler = component as Scheduler;
      const handle = scheduler.handle.bind(scheduler);
      scheduler.handle = (input, now) => {
        const effects = handle(input, now);
        const model = scheduler.store.models.values().next().value;
        if (model?.latest()) {
          const reused = snapshotOf(scheduler.store, model).servers;
          const fresh = [...scheduler.store.servers.values()].map(takeServerSnapshot);
          compared++;
          try {
            expect(reused).toEqual(fresh);
          } catch {
            mismatches.push(`t=${now} after ${input.kind}`);
          }
        }
        return effects;
      };
      return scheduler;
    };
    for (const c of cases) await runCase(c, [], { wrap });
    expect(compared).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 120_000);
});
