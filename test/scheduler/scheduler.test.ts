import { describe, expect, it } from "vitest";
import { SchedulerHarness } from "./harness.ts";
import { M } from "../../src/proto/index.ts";
import type { Effect } from "../../src/core/protocol.ts";

describe("scheduler: loading a model", () => {
  it("goes LoadRequested -> Loading -> Loaded -> Available and ModelAvailable after routing", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris", { replicas: 2, memory: 100_000_000 });
    expect(h.state("iris")).toMatchObject({ state: "ModelProgressing", server: "mlserver", replicas: { 0: "Loading", 1: "Loading" } });
    expect(h.opsTo("mlserver", 0).map((o) => o.operation)).toEqual(["LOAD_MODEL"]);
    expect(h.opsTo("mlserver", 1)[0]!.modelVersion!.model!.meta!.name).toBe("iris");
    h.agentEvent("mlserver", 0, "iris", 1, "LOADED", 900_000_000);
    h.agentEvent("mlserver", 1, "iris", 1, "LOADED", 900_000_000);
    expect(h.state("iris")).toMatchObject({ state: "ModelProgressing", available: 0, replicas: { 0: "Loaded", 1: "Loaded" } });
    h.advance(250);
    expect(h.state("iris")).toMatchObject({ state: "ModelAvailable", available: 2, replicas: { 0: "Available", 1: "Available" } });
    const replica = h.s.store.servers.get("mlserver")!.replicas.get(0)!;
    expect(replica.availableMemory).toBe(900_000_000n);
    expect(replica.reservedMemory).toBe(0n);
  });

  it("reserves memory for loads in flight, so a second model goes to the other replica", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0, { memory: 1000 });
    h.subscribeAgent("mlserver", 1, { memory: 1000 });
    h.loadModel("a", { memory: 600 });
    h.loadModel("b", { memory: 600 });
    expect(h.state("a").replicas).toEqual({ 0: "Loading" });
    expect(h.state("b").replicas).toEqual({ 1: "Loading" });
    expect(h.s.store.servers.get("mlserver")!.replicas.get(0)!.reservedMemory).toBe(600n);
  });

  it("fails with no matching servers, logs Empty server, and retries when an agent subscribes", () => {
    const h = new SchedulerHarness();
    h.loadModel("test-model-simple", { requirements: ["mlflow", "torch"], server: "mlserver" });
    expect(h.state("test-model-simple")).toMatchObject({ state: "ScheduleFailed", reason: "Failed to schedule model as no matching servers are available", server: "" });
    expect(h.logs()).toContain("Empty server for test-model-simple:1 so ignoring event");
    h.subscribeAgent("mlserver", 0, { capabilities: ["mlflow", "torch"] });
    expect(h.logs()).toContain("Received subscribe request from mlserver:0");
    expect(h.state("test-model-simple")).toMatchObject({ state: "ModelProgressing", server: "mlserver", replicas: { 0: "Loading" } });
  });

  it("not enough memory: no matching server had enough suitable replicas", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0, { memory: 0 });
    h.loadModel("big", { memory: 1 });
    expect(h.state("big")).toMatchObject({ state: "ScheduleFailed", reason: "Failed to schedule model as no matching server had enough suitable replicas" });
    expect(h.logs()).toContain("Empty server for big:1 so ignoring event");
  });

  it("min replicas fallback places fewer replicas and the model becomes available", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("m", { replicas: 3, minReplicas: 1 });
    expect(h.logs()).toContain("Failed to schedule model as no matching server had enough suitable replicas, managed to schedule with min replicas");
    h.ackAll();
    expect(h.state("m")).toMatchObject({ state: "ModelAvailable", available: 1 });
  });
});

describe("scheduler: versions, deletion, disconnects", () => {
  it("a changed model spec makes version 2; version 1 unloads once version 2 is available", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { uri: "gs://a" });
    h.ackAll();
    expect(h.state("iris")).toMatchObject({ version: 1, state: "ModelAvailable" });
    const before = h.effects.length;
    h.loadModel("iris", { uri: "gs://b" });
    expect(h.state("iris")).toMatchObject({ version: 2 });
    h.ackAll();
    expect(h.state("iris")).toMatchObject({ version: 2, state: "ModelAvailable" });
    const ops = h.opsTo("mlserver", 0, before).map((o) => `${o.operation}:${o.modelVersion!.version}`);
    expect(ops).toEqual(["LOAD_MODEL:2", "UNLOAD_MODEL:1"]);
    const v1 = h.s.store.models.get("iris")!.version(1)!;
    expect(v1.status.state).toBe("ModelTerminated");
  });

  it("a changed replica count updates the version in place", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris", { replicas: 1 });
    h.ackAll();
    h.loadModel("iris", { replicas: 2 });
    expect(h.state("iris").version).toBe(1);
    h.ackAll();
    expect(h.state("iris")).toMatchObject({ version: 1, state: "ModelAvailable", available: 2 });
  });

  it("unload takes the model down to ModelTerminated and frees the replica", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { memory: 100 });
    h.ackAll(() => 999_999_900);
    h.call(M.scheduler.UnloadModel, { model: { name: "iris" } });
    expect(h.state("iris").replicas).toEqual({ 0: "Unloading" });
    h.ackAll(() => 1_000_000_000);
    expect(h.state("iris")).toMatchObject({ state: "ModelTerminated" });
    expect(h.s.store.servers.get("mlserver")!.replicas.get(0)!.loaded.size).toBe(0);
  });

  it("an agent disconnect reschedules its models onto the remaining replica", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris", { replicas: 1 });
    h.ackAll();
    const placed = Number(Object.keys(h.state("iris").replicas)[0]);
    h.disconnectAgent("mlserver", placed);
    expect(h.logs()).toContain(`Client replica mlserver:${placed} has disconnected`);
    const other = 1 - placed;
    expect(h.state("iris").replicas).toEqual({ [other]: "Loading" });
  });

  it("a disconnect of the only replica leaves the model ScheduleFailed with the Empty server line", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    h.ackAll();
    h.disconnectAgent("mlserver", 0);
    expect(h.state("iris")).toMatchObject({ state: "ScheduleFailed", server: "" });
    expect(h.logs().filter((l) => l === "Empty server for iris:1 so ignoring event").length).toBeGreaterThan(0);
  });

  it("an AgentEvent for a replica in the wrong state is answered INTERNAL", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    const out: Effect[] = h.agentEvent("mlserver", 0, "iris", 1, "UNLOADED", 1);
    const fin = out.find((e) => e.kind === "finish") as Extract<Effect, { kind: "finish" }>;
    expect(fin.status.code).toBe(13);
    expect(fin.status.details).toContain("State mismatch for iris:1 expected state Unloading but was Loading");
  });

  it("a failed load marks the model ModelFailed with the agent's reason", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    h.agentEvent("mlserver", 0, "iris", 1, "LOAD_FAIL_MEMORY", 1000, "not enough memory");
    expect(h.state("iris")).toMatchObject({ state: "ModelFailed", reason: "not enough memory", replicas: { 0: "LoadFailed" } });
  });

  it("drain moves the model off the draining replica", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris");
    h.ackAll();
    const placed = Number(Object.keys(h.state("iris").replicas)[0]);
    h.call(M.agent.AgentDrain, { serverName: "mlserver", replicaIdx: placed });
    expect(h.state("iris").replicas[placed]).toBe("Draining");
    expect(h.state("iris").replicas[1 - placed]).toBe("Loading");
  });

  it("rejects invalid model names with FAILED_PRECONDITION", () => {
    const h = new SchedulerHarness();
    const out = h.loadModel("Bad.Name");
    const fin = out.find((e) => e.kind === "finish") as Extract<Effect, { kind: "finish" }>;
    expect(fin.status.code).toBe(9);
    expect(fin.status.details).toContain("does not have a valid name");
  });
});
