/**
 * v2.9.0's agent server, the scheduler's side of the agents' streams: sending load and unload
 * requests for a model (Sync) and recording failed sends, deciding scaling triggers (desired
 * replicas, min / max bounds, stability, which version may scale), the autoscaling flag it
 * sends, and one registered subscriber per replica however often it subscribes. Driven through
 * our scheduler component with the store set to each test's starting state.
 *
 * Not covered here: the model relocated waiter (drain waits) is checked in
 * test/scheduler/fidelity.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Effect } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { Model, ModelVersion } from "../../src/scheduler/model.ts";
import type { ModelState, ReplicaState } from "../../src/scheduler/states.ts";
import type { PbModelOperationMessage } from "../../src/proto/messages.ts";
import { SchedulerHarness } from "../scheduler/harness.ts";

interface VersionSpec {
  version: number;
  replicas: number;
  min?: number;
  max?: number;
  states: Record<number, ReplicaState>;
  state: ModelState;
  /** When the version's status last changed (ms); default long before the trigger. */
  at?: number;
}

function putModel(h: SchedulerHarness, name: string, versions: VersionSpec[], server = "server1"): Model {
  const model = new Model(name);
  for (const v of versions) {
    const mv = new ModelVersion({ meta: { name }, modelSpec: {}, deploymentSpec: { replicas: v.replicas, minReplicas: v.min ?? 0, maxReplicas: v.max ?? 0 } }, v.version);
    mv.server = server;
    for (const [idx, state] of Object.entries(v.states)) mv.replicas.set(Number(idx), { state, reason: "", at: 0 });
    mv.status = { ...mv.status, state: v.state, at: v.at ?? 0 };
    model.versions.push(mv);
  }
  h.s.store.models.set(name, model);
  return model;
}

/** The scheduler's Sync for one model (run on every model event in the real server), its effects kept. */
function sync(h: SchedulerHarness, model: Model): void {
  const s = h.s as unknown as { sync(m: Model): void; out: Effect[] };
  s.out = [];
  s.sync(model);
  h.effects.push(...s.out);
}

/** Marks the replica's stream as one a send fails on (its agent has gone). */
function breakStream(h: SchedulerHarness, server: string, idx: number): void {
  const agents = (h.s as unknown as { agents: Map<string, { closed: boolean }> }).agents;
  agents.get(`${server}:${idx}`)!.closed = true;
}

describe("Sync: requests for the replicas that wait for one", () => {
  it.each([
    { what: "a load request is sent", versions: [{ version: 1, replicas: 1, states: { 1: "LoadRequested" }, state: "ModelProgressing" }], broken: false, after: { 1: "Loading" }, ops: ["LOAD_MODEL:1"] },
    { what: "a load request that cannot be sent fails the load", versions: [{ version: 1, replicas: 1, states: { 1: "LoadRequested" }, state: "ModelProgressing" }], broken: true, after: { 1: "LoadFailed" }, ops: [] },
    { what: "an unload request is sent", versions: [{ version: 1, replicas: 1, states: { 1: "UnloadRequested" }, state: "ModelTerminating" }], broken: false, after: { 1: "Unloading" }, ops: ["UNLOAD_MODEL:1"] },
    { what: "an unload request that cannot be sent fails the unload", versions: [{ version: 1, replicas: 1, states: { 1: "UnloadRequested" }, state: "ModelTerminating" }], broken: true, after: { 1: "UnloadFailed" }, ops: [] },
    {
      what: "an older version is unloaded while the latest loads",
      versions: [
        { version: 1, replicas: 1, states: { 1: "UnloadRequested" }, state: "ModelProgressing" },
        { version: 2, replicas: 1, states: { 1: "LoadRequested" }, state: "ModelProgressing" },
      ],
      broken: false, after: { 1: "Unloading", 2: "Loading" }, ops: ["LOAD_MODEL:2", "UNLOAD_MODEL:1"],
    },
  ] as { what: string; versions: VersionSpec[]; broken: boolean; after: Record<number, ReplicaState>; ops: string[] }[])("$what", ({ versions, broken, after, ops }) => {
    const h = new SchedulerHarness();
    h.subscribeAgent("server1", 1);
    const model = putModel(h, "iris", versions);
    if (broken) breakStream(h, "server1", 1);
    const from = h.effects.length;
    sync(h, model);
    for (const [version, state] of Object.entries(after)) expect(model.version(Number(version))!.replicaState(1)).toBe(state);
    expect(h.opsTo("server1", 1, from).map((o) => `${o.operation}:${o.modelVersion?.version}`)).toEqual(ops);
  });
});

describe("the autoscaling flag of a load request", () => {
  it.each([
    { what: "on with min replicas", min: 1, max: 0, enabled: true },
    { what: "on with max replicas", min: 0, max: 3, enabled: true },
    { what: "off without either", min: 0, max: 0, enabled: false },
  ])("$what", ({ min, max, enabled }) => {
    const h = new SchedulerHarness({ modelAutoscaling: true });
    h.subscribeAgent("server1", 1);
    const model = putModel(h, "iris", [{ version: 1, replicas: 2, min, max, states: { 1: "LoadRequested" }, state: "ModelProgressing" }]);
    const from = h.effects.length;
    sync(h, model);
    const ops: PbModelOperationMessage[] = h.opsTo("server1", 1, from);
    expect(ops.map((o) => o.autoscalingEnabled)).toEqual([enabled]);
  });
});

describe("scaling triggers", () => {
  const COOLDOWN_PASSED = 10 * 60_000;
  const trigger = (h: SchedulerHarness, kind: "SCALE_UP" | "SCALE_DOWN", version: number): void => {
    h.feed({ kind: "incoming", call: "trig", method: M.agent.ModelScalingTrigger, peer: "agent" });
    h.feed({ kind: "incomingMessage", call: "trig", message: { serverName: "server1", replicaIdx: 1, modelName: "iris", modelVersion: version, trigger: kind, amount: 1, metrics: [] } });
  };
  /** Why triggers were refused (the placement that follows an accepted one is not part of the decision). */
  const refusals = (h: SchedulerHarness): unknown[] =>
    h.effects.filter((e) => e.kind === "log" && e.msg.startsWith("Could not scale model"))
      .map((e) => (e as { fields?: { error?: unknown } }).fields?.error)
      .filter((reason) => !String(reason).startsWith("Failed to schedule model"));

  const avail = (n: number): Record<number, ReplicaState> => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, "Available"]));
  const cases: { what: string; versions: VersionSpec[]; kind: "SCALE_UP" | "SCALE_DOWN"; version: number; replicas: number; refused?: string; recent?: boolean }[] = [
    { what: "up without autoscaling is refused", versions: [{ version: 1, replicas: 1, states: avail(1), state: "ModelAvailable" }], kind: "SCALE_UP", version: 1, replicas: 1, refused: "No autoscaling for model iris" },
    { what: "up with min replicas and no max", versions: [{ version: 1, replicas: 1, min: 1, states: avail(1), state: "ModelAvailable" }], kind: "SCALE_UP", version: 1, replicas: 2 },
    { what: "up within max replicas", versions: [{ version: 1, replicas: 1, min: 1, max: 2, states: avail(1), state: "ModelAvailable" }], kind: "SCALE_UP", version: 1, replicas: 2 },
    { what: "up past max replicas is refused", versions: [{ version: 1, replicas: 1, min: 1, max: 1, states: avail(1), state: "ModelAvailable" }], kind: "SCALE_UP", version: 1, replicas: 1, refused: "Violating max replicas 1 / 2 for model iris" },
    { what: "down within min replicas", versions: [{ version: 1, replicas: 2, min: 1, max: 2, states: avail(2), state: "ModelAvailable" }], kind: "SCALE_DOWN", version: 1, replicas: 1 },
    { what: "down below min replicas is refused", versions: [{ version: 1, replicas: 2, min: 2, max: 3, states: avail(2), state: "ModelAvailable" }], kind: "SCALE_DOWN", version: 1, replicas: 2, refused: "Violating min replicas 2 / 1 for model iris" },
    { what: "down to no replicas is refused", versions: [{ version: 1, replicas: 1, min: 0, max: 2, states: avail(1), state: "ModelAvailable" }], kind: "SCALE_DOWN", version: 1, replicas: 1, refused: "Violating min replicas 0 / 0 for model iris" },
    { what: "down without autoscaling is refused", versions: [{ version: 1, replicas: 2, states: avail(2), state: "ModelAvailable" }], kind: "SCALE_DOWN", version: 1, replicas: 2, refused: "No autoscaling for model iris" },
    { what: "down just after a change is refused", versions: [{ version: 1, replicas: 2, min: 1, states: avail(2), state: "ModelAvailable" }], kind: "SCALE_DOWN", version: 1, replicas: 2, recent: true, refused: "Model iris has changed status recently, skip scaling" },
    { what: "up just after a change goes ahead", versions: [{ version: 1, replicas: 2, min: 1, states: avail(2), state: "ModelAvailable" }], kind: "SCALE_UP", version: 1, replicas: 3, recent: true },
    {
      what: "up while the model is not available is refused",
      versions: [{ version: 1, replicas: 2, min: 1, states: { 1: "Available", 2: "LoadFailed" }, state: "ScheduleFailed" }], kind: "SCALE_UP", version: 1, replicas: 2,
      refused: "Cannot scale model version iris",
    },
    { what: "down while the model is not available goes ahead", versions: [{ version: 1, replicas: 2, min: 1, states: { 1: "Available", 2: "LoadFailed" }, state: "ScheduleFailed" }], kind: "SCALE_DOWN", version: 1, replicas: 1 },
    {
      what: "up while the available version is not the latest is refused",
      versions: [
        { version: 1, replicas: 2, min: 1, states: avail(2), state: "ModelAvailable" },
        { version: 2, replicas: 2, min: 1, states: { 1: "Available", 2: "Loading" }, state: "ModelProgressing" },
      ],
      kind: "SCALE_UP", version: 2, replicas: 2, recent: true, refused: "Cannot scale model version iris",
    },
    {
      what: "a trigger for another version than the latest is refused",
      versions: [
        { version: 1, replicas: 2, min: 1, states: avail(2), state: "ModelAvailable" },
        { version: 2, replicas: 2, min: 1, states: avail(2), state: "ModelAvailable" },
      ],
      kind: "SCALE_UP", version: 1, replicas: 2, refused: "Model version iris not matching (expected: 2 - actual: 1)",
    },
  ];
  it.each(cases)("$what", (c) => {
    const h = new SchedulerHarness({ modelAutoscaling: true });
    h.advance(COOLDOWN_PASSED);
    const model = putModel(h, "iris", c.recent ? c.versions.map((v) => ({ ...v, at: h.now })) : c.versions);
    trigger(h, c.kind, c.version);
    expect(refusals(h)).toEqual(c.refused === undefined ? [] : [c.refused]);
    expect(model.latest()!.desiredReplicas()).toBe(c.replicas);
  });

  it("a model the scheduler does not know yet is refused as the store reports it", () => {
    const h = new SchedulerHarness({ modelAutoscaling: true });
    trigger(h, "SCALE_UP", 1);
    expect(refusals(h)).toEqual(["Model iris does not exist yet, possibly due to scheduler restarting"]);
  });
});

describe("one subscriber per replica", () => {
  /** Subscribes replicas in turn; returns each subscription's call id. */
  function subscribeAll(h: SchedulerHarness, idxs: number[]): string[] {
    return idxs.map((idx) => {
      h.subscribeAgent("dummy", idx);
      return h.agentStreams.get(`dummy:${idx}`)!;
    });
  }
  const connected = (h: SchedulerHarness) => h.s.store.servers.get("dummy")?.replicas.size ?? 0;

  it.each([
    { what: "two replicas, both leave", idxs: [1, 2], close: [true, true], before: 2, after: 0 },
    { what: "two replicas, one leaves", idxs: [1, 2], close: [true, false], before: 2, after: 1 },
    { what: "the same replica twice, the first leaves and the second takes over", idxs: [1, 1], close: [true, false], before: 1, after: 1 },
    { what: "the same replica three times, all leave", idxs: [1, 1, 1], close: [true, true, true], before: 1, after: 0 },
  ])("$what", ({ idxs, close, before, after }) => {
    const h = new SchedulerHarness();
    const calls = subscribeAll(h, idxs);
    expect(connected(h)).toBe(before);
    calls.forEach((call, i) => {
      if (close[i]) h.feed({ kind: "incomingCancelled", call });
    });
    expect(connected(h)).toBe(after);
  });
});
