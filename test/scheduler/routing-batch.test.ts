/**
 * The routing batch's short cuts (each queued version moved once, replicas already Available
 * left alone) against the batch as Seldon runs it: every version queued on every model event,
 * every routed replica moved to Available again. The scheduler's effects must be the same.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Component, Effect } from "../../src/core/protocol.ts";
import { caseArb } from "../../src/properties/arbitraries.ts";
import { runCase } from "../../src/properties/check.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";

type Batch = { name: string; version: number }[];

/** Moves of a replica from Available to Available that the batch without short cuts made. */
let repeatedMoves = 0;

/** The batch without short cuts, on the scheduler's own fields and helpers, with a queue of its own. */
function routeEveryQueuedVersion(scheduler: Scheduler): void {
  const s = scheduler as unknown as {
    everyQueued: Batch;
    routingUpdate(name: string, mv: { version: number }): void;
    routingSync(): void;
    moveReplicaRouting(mv: unknown, idx: number, expected: string, desired: string, cause: string): void;
    routingTimerSet: boolean;
    lastRoutingTrigger: number | null;
    now: number;
    out: Effect[];
    profile: { envoyBatchWaitMs: number };
    routes: Scheduler["routes"];
    store: Scheduler["store"];
    log(level: string, text: string, fields: object): void;
  };
  s.everyQueued = [];
  s.routingUpdate = function (name, mv) {
    this.everyQueued.push({ name, version: mv.version });
    if (this.lastRoutingTrigger === null) this.lastRoutingTrigger = this.now;
    if (this.now - this.lastRoutingTrigger > this.profile.envoyBatchWaitMs) {
      this.routingSync();
      this.lastRoutingTrigger = this.now;
      return;
    }
    if (!this.routingTimerSet) {
      this.routingTimerSet = true;
      this.out.push({ kind: "setTimer", timer: "routing", afterMs: this.profile.envoyBatchWaitMs });
    }
  };
  s.routingSync = function () {
    const pending = this.everyQueued;
    this.everyQueued = [];
    if (this.routingTimerSet) {
      this.routingTimerSet = false;
      this.out.push({ kind: "clearTimer", timer: "routing" });
    }
    for (const { name, version } of pending) {
      const model = this.store.models.get(name);
      const mv = model?.version(version);
      if (!model || !mv || !this.store.servers.has(mv.server)) continue;
      for (const idx of mv.assignment()) {
        const state = mv.replicaState(idx);
        if (state === "Draining") continue;
        if (state === "Available") repeatedMoves++;
        this.moveReplicaRouting(mv, idx, state, "Available", "routed");
      }
      for (const idx of mv.replicasInState("UnloadEnvoyRequested")) {
        this.moveReplicaRouting(mv, idx, "UnloadEnvoyRequested", "UnloadRequested", "unrouted");
      }
      if (this.routes.has(name) && model.latest()?.status.state === "ModelAvailable") {
        for (const old of model.versionsBeforeLastAvailable()) {
          try {
            this.store.unloadVersionModels(name, old.version);
          } catch (e) {
            this.log("warning", `Failed to run cleanup old versions for model ${name}`, { source: "VersionCleaner", func: "RunCleanup", error: String((e as Error).message) });
            break;
          }
        }
      }
    }
  };
}

const text = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));

/** Every input and effect of the run's schedulers, in order. */
async function schedulerTrace(c: Parameters<typeof runCase>[0], withoutShortCuts: boolean): Promise<string[]> {
  const trace: string[] = [];
  const wrap = (component: Component): Component => {
    if (component.role !== "scheduler") return component;
    const scheduler = component as Scheduler;
    if (withoutShortCuts) routeEveryQueuedVersion(scheduler);
    const handle = scheduler.handle.bind(scheduler);
    scheduler.handle = (input, now) => {
      const effects = handle(input, now);
      trace.push(`${now} ${text(input)} => ${text(effects)}`);
      return effects;
    };
    return scheduler;
  };
  await runCase(c, [], { wrap });
  return trace;
}

describe("the routing batch", () => {
  it("has the effects of the batch without short cuts, over generated runs with faults", async () => {
    let inputs = 0;
    for (const c of fc.sample(caseArb(), { numRuns: 25, seed: 47 })) {
      const fast = await schedulerTrace(c, false);
      const slow = await schedulerTrace(c, true);
      inputs += fast.length;
      expect(fast).toEqual(slow);
    }
    expect(inputs).toBeGreaterThan(300);
    // the runs reach the cases the short cuts serve
    expect(repeatedMoves).toBeGreaterThan(10);
  }, 120_000);
});
