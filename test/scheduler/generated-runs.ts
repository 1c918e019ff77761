/**
 * Generated clusters, models and fault timelines (the property campaign's cases), with a
 * comparison made after every step of every scheduler: for checking that something the
 * scheduler keeps (a cache, a reused snapshot) equals what a fresh computation gives.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { Component } from "../../src/core/protocol.ts";
import { caseArb } from "../../src/properties/arbitraries.ts";
import { runCase } from "../../src/properties/check.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";

export interface Comparison {
  /** Says which comparison this is, in a mismatch (e.g. the model). */
  label: string;
  kept: unknown;
  fresh: unknown;
}

/** How many comparisons were made, and where `kept` did not equal `fresh`. */
export async function compareAfterEverySchedulerStep(
  runs: number,
  seed: number,
  compare: (scheduler: Scheduler) => Comparison[],
): Promise<{ compared: number; mismatches: string[] }> {
  let compared = 0;
  const mismatches: string[] = [];
  const wrap = (component: Component): Component => {
    if (component.role !== "scheduler") return component;
    const scheduler = component as Scheduler;
    const handle = scheduler.handle.bind(scheduler);
    scheduler.handle = (input, now) => {
      const effects = handle(input, now);
      for (const c of compare(scheduler)) {
        compared++;
        try {
          expect(c.kept).toEqual(c.fresh);
        } catch {
          mismatches.push(`t=${now} after ${input.kind}${c.label ? `, ${c.label}` : ""}`);
        }
      }
      return effects;
    };
    return scheduler;
  };
  for (const c of fc.sample(caseArb(), { numRuns: runs, seed })) await runCase(c, [], { wrap });
  return { compared, mismatches };
}
