/**
 * v2.9.0's agent client handling the scheduler's load and unload operations: the events it
 * sends, the memory left, what it reports loaded, autoscaling bookkeeping, unknown models, and
 * operations that arrive out of order. Driven through our agent against a fake scheduler and a
 * fake inference server.
 *
 * Not covered: client creation against a failing model repository and artifact authentication
 * (rclone downloads are not simulated yet), closing the client and stopping when a sub-service
 * (reverse proxies, drainer) fails (those services are not simulated yet).
 */
import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { FakeInferenceServer, loadOp, setup, startSubscribed, unloadOp } from "../agent/harness.ts";

const ENV = { MEMORY_REQUEST: "1000", SELDON_OVERCOMMIT_PERCENTAGE: "0", SELDON_MAX_LOAD_RETRY_COUNT: "1", SELDON_MAX_UNLOAD_RETRY_COUNT: "1" };
/** Past the unload grace and any retry back-off. */
const SETTLE_MS = 120_000;

function agent(server = new FakeInferenceServer()) {
  const s = setup(ENV, { server });
  startSubscribed(s.d);
  return s;
}

const eventsOf = (d: ReturnType<typeof agent>["d"]) => d.events().map((e) => `${e.modelName}:${e.event}`);

describe("LOAD_MODEL", () => {
  it.each([
    { what: "a model that fits loads", memory: 500, failLoad: false, autoscaling: false, event: "LOADED", available: 500 },
    { what: "a model that fits loads, autoscaling on", memory: 500, failLoad: false, autoscaling: true, event: "LOADED", available: 500 },
    { what: "the inference server refusing the load fails it and frees the memory", memory: 500, failLoad: true, autoscaling: false, event: "LOAD_FAILED", available: 1000 },
    { what: "a model bigger than the replica fails to load", memory: 2000, failLoad: false, autoscaling: false, event: "LOAD_FAILED", available: 1000 },
  ])("$what", ({ memory, failLoad, autoscaling, event, available }) => {
    const server = new FakeInferenceServer();
    if (failLoad) server.failLoad = () => ({ code: Status.INVALID_ARGUMENT, details: "bad model" });
    const { d, agent: a } = agent(server);
    d.pushOperation(loadOp("iris", 0, memory, { autoscalingEnabled: autoscaling }));
    d.runFor(SETTLE_MS);
    expect(eventsOf(d)).toEqual([`iris:${event}`]);
    expect(a.availableMemoryBytes).toBe(available);
    if (event === "LOADED") {
      expect(d.events()[0].runtimeInfo).toEqual({ mlserver: { parallelWorkers: 1 } });
      expect(a.models()).toEqual([{ name: "iris", version: 0, versionedName: "iris_0", memoryBytes: memory, onInferenceServer: true }]);
      // the scaling bookkeeping holds the model exactly when autoscaling was asked for
      const n = d.effects.length;
      d.pushOperation(unloadOp("iris", 0));
      d.runFor(SETTLE_MS);
      const warned = d.effects.slice(n).some(({ effect }) => effect.kind === "log" && effect.msg.startsWith("Cannot delete model iris_0 from scaling service"));
      expect(warned).toBe(!autoscaling);
    } else {
      expect(a.models()).toEqual([]);
    }
  });

  it("a model too big reports the eviction error", () => {
    const { d } = agent();
    d.pushOperation(loadOp("iris", 0, 2000));
    d.runFor(SETTLE_MS);
    expect(d.events()[0]).toMatchObject({ event: "LOAD_FAILED", message: "empty cache, cannot evict" });
  });
});

describe("UNLOAD_MODEL", () => {
  it.each([
    { what: "unloading the loaded model frees its memory", unload: "iris", available: 1000 },
    { what: "unloading a model the agent does not have succeeds and changes nothing", unload: "iris2", available: 500 },
  ])("$what", ({ unload, available }) => {
    const { d, agent: a } = agent();
    d.pushOperation(loadOp("iris", 0, 500));
    d.pushOperation(unloadOp(unload, 0));
    d.runFor(SETTLE_MS);
    expect(eventsOf(d)).toEqual(["iris:LOADED", `${unload}:UNLOADED`]);
    expect(a.availableMemoryBytes).toBe(available);
  });
});

describe("operations out of order", () => {
  it("an unload overtaken by a later operation on the same version is ignored", () => {
    const { d, agent: a } = agent();
    d.pushOperation(loadOp("iris", 0, 500));
    d.runFor(100);
    d.pushOperation(unloadOp("iris", 0));
    // a load sent after the unload takes the version's lock while the unload waits out its grace
    d.runFor(100);
    d.pushOperation(loadOp("iris", 0, 500));
    d.runFor(SETTLE_MS);
    expect(eventsOf(d)).toEqual(["iris:LOADED", "iris:LOADED"]);
    expect(d.logs("Ignoring out of order message for model iris:0")).toHaveLength(1);
    expect(a.models()).toHaveLength(1);
  });

  it("in order, the unload goes ahead", () => {
    const { d, agent: a } = agent();
    d.pushOperation(loadOp("iris", 0, 500));
    d.runFor(100);
    d.pushOperation(unloadOp("iris", 0));
    d.runFor(SETTLE_MS);
    expect(eventsOf(d)).toEqual(["iris:LOADED", "iris:UNLOADED"]);
    expect(a.models()).toHaveLength(0);
  });
});

describe("what the agent reports loaded when it subscribes again", () => {
  it("the version as the scheduler sent it, under its own name and version, with its runtime info", () => {
    const { d } = agent();
    const op = loadOp("iris", 3, 500) as { modelVersion: { model: Record<string, unknown>; version: number } };
    d.pushOperation(op);
    d.closeSubscribe({ code: Status.UNAVAILABLE, details: "scheduler restarted" });
    d.runFor(SETTLE_MS);
    const resubscribe = d.callsTo(M.agent.Subscribe).at(-1)!.request;
    const sent = op.modelVersion;
    const modelSpec = sent.model.modelSpec as Record<string, unknown>;
    expect(resubscribe.loadedModels).toMatchObject([
      { model: { ...sent.model, modelSpec: { ...modelSpec, modelRuntimeInfo: { mlserver: { parallelWorkers: 1 } } } }, version: 3 },
    ]);
  });
});
