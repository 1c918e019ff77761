import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { caseArb } from "../../src/properties/arbitraries.ts";
import { runCase } from "../../src/properties/check.ts";
import { placeModel, snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";
import type { Component } from "../../src/core/protocol.ts";
import { decide, type Decision } from "../../src/scheduling/index.ts";

const plain = (d: Decision): Record<string, unknown> => ({ ...d });

describe("the scheduler's server verdict cache", () => {
  it("gives the decision a fresh evaluation of a fresh store snapshot gives, after every step of generated runs with faults", async () => {
    const cases = fc.sample(caseArb(), { numRuns: 20, seed: 41 });
    let compared = 0;
    const mismatches: string[] = [];
    const wrap = (component: Component): Component => {
      if (component.role !== "scheduler") return component;
      const scheduler = component as Scheduler;
      const handle = scheduler.handle.bind(scheduler);
      scheduler.handle = (input, now) => {
        const effects = handle(input, now);
        // The store's own cache, shared with the scheduler's decisions, across several models.
        for (const model of [...scheduler.store.models.values()].slice(0, 3)) {
          if (!model.latest()) continue;
          const cached = placeModel(scheduler.store, model).full;
          const fresh = decide({
            ...snapshotOf(scheduler.store, model),
            servers: [...scheduler.store.servers.values()].map(takeServerSnapshot),
          });
          compared++;
          try {
            expect(plain(cached)).toEqual(plain(fresh));
          } catch {
            mismatches.push(`t=${now} after ${input.kind}, model ${model.name}`);
          }
        }
        return effects;
      };
      return scheduler;
    };
    for (const c of cases) await runCase(c, [], { wrap });
    expect(compared).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 180_000);
});
