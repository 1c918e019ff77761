import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { FakeInferenceServer, loadOp, MIN, setup, startSubscribed, unloadOp } from "./harness.ts";

const MLSERVER_RUNTIME = { mlserver: { parallelWorkers: 1 } };

describe("LOAD_MODEL", () => {
  it("loads <model>_<version> on the inference server and reports LOADED with the memory left", () => {
    const { d, server, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 3, 300_000));

    const load = d.callsTo(M.inference.RepositoryModelLoad);
    expect(load.map((c) => c.request)).toEqual([{ model_name: "iris_3" }]);
    expect(load[0]!.deadlineMs).toBe(60 * MIN);
    expect(server.loaded.get("iris_3")).toBe("READY");
    expect(d.events()).toEqual([
      {
        serverName: "mlserver",
        replicaIdx: 0,
        modelName: "iris",
        modelVersion: 3,
        event: "LOADED",
        availableMemoryBytes: 800_000,
        runtimeInfo: MLSERVER_RUNTIME,
      },
    ]);
    expect(agent.availableMemoryBytes).toBe(700_000);
    expect(agent.availableMemoryBytesWithOverCommit).toBe(800_000);
    expect(agent.models()).toEqual([{ name: "iris", version: 3, versionedName: "iris_3", memoryBytes: 300_000, onInferenceServer: true }]);
    expect(d.logs("Load model iris:3 success")[0]!.fields).toEqual({ Name: "Client", func: "LoadModel" });
    expect(d.observations("agent.modelLoaded")).toEqual([{ type: "agent.modelLoaded", model: "iris_3", memoryBytes: 300_000, availableMainMemoryBytes: 700_000 }]);
  });

  it("counts memory once per MLServer parallel worker", () => {
    const { d, agent } = setup({ MLSERVER_PARALLEL_WORKERS: "2" });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 300_000));
    expect(agent.availableMemoryBytes).toBe(400_000);
    expect(d.events()[0].runtimeInfo).toEqual({ mlserver: { parallelWorkers: 2 } });
  });

  it("a model without memory takes none", () => {
    const { d, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, undefined));
    expect(d.events()[0].event).toBe("LOADED");
    expect(agent.availableMemoryBytes).toBe(1_000_000);
  });

  it("an already registered version is not loaded again but reported LOADED again", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 100));
    d.pushOperation(loadOp("iris", 1, 100));
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toHaveLength(1);
    expect(d.events().map((e) => e.event)).toEqual(["LOADED", "LOADED"]);
    expect(d.logs("Model version already exists for iris_1:1")[0]!.fields).toEqual({ Source: "StateManager" });
  });

  it("the load's retry budget counts from its first attempt", () => {
    // Each attempt hangs until its 60 min deadline: after one, 60 min of the budget are gone.
    const attempts = (budgetMinutes: number) => {
      const server = new FakeInferenceServer();
      server.hangLoads = true;
      const { d } = setup({ SELDON_MAX_LOAD_ELAPSED_TIME_MINUTES: String(budgetMinutes) }, { server });
      startSubscribed(d);
      d.pushOperation(loadOp("iris", 1, 300_000));
      d.runFor(200 * MIN);
      expect(d.events().map((e) => e.event)).toEqual(["LOAD_FAILED"]);
      return d.callsTo(M.inference.RepositoryModelLoad).length;
    };
    expect(attempts(30)).toBe(1);
    expect(attempts(90)).toBe(2);
  });

  it("a failing load is tried 5 times under back-off, then LOAD_FAILED with the gRPC error", () => {
    const server = new FakeInferenceServer();
    server.failLoad = () => ({ code: Status.INTERNAL, details: "boom" });
    const { d, agent } = setup({}, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 300_000));
    d.runFor(MIN);

    const loads = d.callsTo(M.inference.RepositoryModelLoad).map((c) => c.at);
    expect(loads).toHaveLength(5);
    const gaps = loads.slice(1).map((t, i) => t - loads[i]!);
    // cenkalti defaults: 500 ms × 1.5^n, ±50%.
    [500, 750, 1125, 1687.5].forEach((base, i) => {
      expect(gaps[i]!).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
      expect(gaps[i]!).toBeLessThanOrEqual(Math.ceil(base * 1.5) + 1);
    });
    expect(d.logs().filter((l) => l.msg.startsWith("Retry op #")).map((l) => l.msg)).toEqual(["Retry op #0", "Retry op #1", "Retry op #2", "Retry op #3"]);
    expect(d.events()).toEqual([
      {
        serverName: "mlserver",
        replicaIdx: 0,
        modelName: "iris",
        modelVersion: 1,
        event: "LOAD_FAILED",
        message: "rpc error: code = Internal desc = boom",
        availableMemoryBytes: 1_100_000,
      },
    ]);
    expect(d.logs("Failed to handle load model iris:1")[0]).toMatchObject({ level: "error", fields: { Name: "Client", error: "rpc error: code = Internal desc = boom" } });
    expect(agent.availableMemoryBytes).toBe(1_000_000);
    expect(agent.models()).toEqual([]);
  });

  it("UNAVAILABLE is also retried by the connection's interceptor: 5 × 5 calls", () => {
    const server = new FakeInferenceServer();
    server.failLoad = () => ({ code: Status.UNAVAILABLE, details: "busy" });
    const { d } = setup({}, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 1));
    d.runFor(MIN);
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toHaveLength(25);
    expect(d.events().map((e) => e.event)).toEqual(["LOAD_FAILED"]);
  });

  it("SELDON_MAX_LOAD_RETRY_COUNT=1 means a single attempt", () => {
    const server = new FakeInferenceServer();
    server.failLoad = () => ({ code: Status.INTERNAL, details: "boom" });
    const { d } = setup({ SELDON_MAX_LOAD_RETRY_COUNT: "1" }, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 1));
    d.runFor(MIN);
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toHaveLength(1);
  });

  it("a model bigger than main memory evicts everything else, then fails LOAD_FAILED (v2.9.0 never sends LOAD_FAIL_MEMORY)", () => {
    const { d, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("small", 1, 300_000));
    d.pushOperation(loadOp("huge", 1, 2_000_000));
    d.runFor(MIN);

    expect(d.callsTo(M.inference.RepositoryModelUnload).map((c) => c.request)).toEqual([{ model_name: "small_1" }]);
    expect(d.callsTo(M.inference.RepositoryModelLoad).map((c) => c.request.model_name)).toEqual(["small_1"]);
    const events = d.events();
    expect(events.map((e) => e.event)).toEqual(["LOADED", "LOAD_FAILED"]);
    // small_1 is off the inference server, so all main memory counts as free again (as in Go).
    expect(events[1]).toMatchObject({ modelName: "huge", message: "empty cache, cannot evict", availableMemoryBytes: 1_100_000 });
    expect(events.some((e) => e.event === "LOAD_FAIL_MEMORY")).toBe(false);
    expect(d.logs("Cannot peek cache for model huge_1")).toHaveLength(5);
    // The evicted model is still registered, just not on the inference server.
    expect(agent.models()).toEqual([{ name: "small", version: 1, versionedName: "small_1", memoryBytes: 300_000, onInferenceServer: false }]);
    expect(agent.availableMemoryBytes).toBe(1_000_000);
  });
});

describe("over-commit and LRU eviction", () => {
  it("evicts the least recently used version to make room, keeping it registered", () => {
    const { d, server, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 600_000));
    d.pushOperation(loadOp("b", 1, 300_000));
    d.runFor(1);
    d.pushOperation(loadOp("c", 1, 150_000));

    // a (600k) was used least recently: evicting it frees enough for c.
    expect(d.callsTo(M.inference.RepositoryModelUnload).map((c) => c.request)).toEqual([{ model_name: "a_1" }]);
    expect([...server.loaded.keys()].sort()).toEqual(["b_1", "c_1"]);
    expect(d.logs("model a_1 600000 evicted (for model c_1 150000), available memory bytes: 700000")[0]).toMatchObject({
      level: "info",
      fields: { Source: "StateManager" },
    });
    expect(d.observations("agent.modelEvicted")).toEqual([
      { type: "agent.modelEvicted", model: "a_1", forModel: "c_1", memoryBytes: 600_000, availableMainMemoryBytes: 700_000 },
    ]);
    // Registered: 1,050,000 of 1,000,000 + 100,000 over-commit.
    expect(d.events().map((e) => [e.modelName, e.event, e.availableMemoryBytes])).toEqual([
      ["a", "LOADED", 500_000],
      ["b", "LOADED", 200_000],
      ["c", "LOADED", 50_000],
    ]);
    expect(agent.availableMemoryBytes).toBe(550_000);
    expect(agent.models().map((m) => [m.versionedName, m.onInferenceServer])).toEqual([
      ["a_1", false],
      ["b_1", true],
      ["c_1", true],
    ]);
    expect(agent.evictionOrder()).toEqual(["b_1", "c_1"]);
  });

  it("unloading an evicted version does not call the inference server", () => {
    const { d, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 600_000));
    d.pushOperation(loadOp("b", 1, 500_000));
    const unloadsBefore = d.callsTo(M.inference.RepositoryModelUnload).length;
    d.pushOperation(unloadOp("a", 1));
    d.runFor(3_000);
    expect(d.callsTo(M.inference.RepositoryModelUnload)).toHaveLength(unloadsBefore);
    expect(d.events().at(-1)).toMatchObject({ modelName: "a", event: "UNLOADED", availableMemoryBytes: 600_000 });
    expect(agent.models().map((m) => m.versionedName)).toEqual(["b_1"]);
  });
});

describe("UNLOAD_MODEL", () => {
  it("waits the 2 s grace, unloads <model>_<version> and reports UNLOADED with the memory back", () => {
    const { d, server, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 300_000));
    const t0 = d.now;
    d.pushOperation(unloadOp("iris", 1));
    expect(d.callsTo(M.inference.RepositoryModelUnload)).toHaveLength(0);
    d.runFor(3_000);

    const unload = d.callsTo(M.inference.RepositoryModelUnload);
    expect(unload.map((c) => [c.at - t0, c.request, c.deadlineMs])).toEqual([[2_000, { model_name: "iris_1" }, 2 * MIN]]);
    expect(server.loaded.has("iris_1")).toBe(false);
    expect(d.events().at(-1)).toEqual({ serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 1, event: "UNLOADED", availableMemoryBytes: 1_100_000 });
    expect(agent.availableMemoryBytes).toBe(1_000_000);
    expect(agent.models()).toEqual([]);
    // Autoscaling was not enabled for it.
    expect(d.logs("Cannot delete model iris_1 from scaling service, likely that it was not enabled in the first place")[0]).toMatchObject({
      level: "warning",
      fields: { Name: "Client", func: "UnloadModel", error: "could not find item iris_1" },
    });
  });

  it("an unknown version is reported UNLOADED without touching the inference server", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(unloadOp("ghost", 4));
    d.runFor(3_000);
    expect(d.callsTo(M.inference.RepositoryModelUnload)).toHaveLength(0);
    expect(d.events().map((e) => [e.modelName, e.event])).toEqual([["ghost", "UNLOADED"]]);
    expect(d.logs("Model ghost_4 version 1 does not exist locally")).toHaveLength(1);
  });

  it("a failing unload is tried once and reported UNLOAD_FAILED", () => {
    const server = new FakeInferenceServer();
    server.failUnload = () => ({ code: Status.INTERNAL, details: "stuck" });
    const { d, agent } = setup({}, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 300_000));
    d.pushOperation(unloadOp("iris", 1));
    d.runFor(MIN);
    expect(d.callsTo(M.inference.RepositoryModelUnload)).toHaveLength(1);
    expect(d.events().at(-1)).toMatchObject({ event: "UNLOAD_FAILED", message: "rpc error: code = Internal desc = stuck", availableMemoryBytes: 800_000 });
    expect(agent.models()).toHaveLength(1);
  });

  it("an unload overtaken during its grace period by a newer load is ignored as out of order", () => {
    const { d, server } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 300_000));
    d.runFor(100);
    d.pushOperation(unloadOp("iris", 1));
    d.runFor(100);
    d.pushOperation(loadOp("iris", 1, 300_000));
    d.runFor(3_000);
    expect(d.logs("Ignoring out of order message for model iris:1")).toHaveLength(1);
    expect(d.events().map((e) => e.event)).toEqual(["LOADED", "LOADED"]);
    expect(server.loaded.has("iris_1")).toBe(true);
  });
});

describe("concurrency", () => {
  it("different versions load concurrently; operations on one version wait for each other", () => {
    const server = new FakeInferenceServer();
    server.hangLoads = true;
    const { d } = setup({}, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 100));
    d.pushOperation(loadOp("b", 1, 100));
    d.pushOperation(unloadOp("a", 1));
    d.runFor(5_000);
    const loads = d.callsTo(M.inference.RepositoryModelLoad);
    expect(loads.map((c) => c.request.model_name)).toEqual(["a_1", "b_1"]);
    // The unload of a_1 is blocked behind its load.
    expect(d.logs("Unload model a:1")).toHaveLength(0);
    server.hangLoads = false;
    d.reply(loads[0]!.call, { message: {} });
    d.runFor(5_000);
    expect(d.logs("Unload model a:1")).toHaveLength(1);
    expect(d.events().map((e) => [e.modelName, e.event])).toEqual([
      ["a", "LOADED"],
      ["a", "UNLOADED"],
    ]);
  });

  it("is deterministic", () => {
    const run = () => {
      const server = new FakeInferenceServer();
      let n = 0;
      server.failLoad = () => (++n % 3 === 0 ? { code: Status.INTERNAL, details: "flaky" } : undefined);
      const { d } = setup({}, { server, seed: 5 });
      startSubscribed(d);
      for (let i = 0; i < 6; i++) d.pushOperation(loadOp(`m${i}`, 1, 250_000));
      d.pushOperation(unloadOp("m2", 1));
      d.runFor(2 * MIN);
      return d.effects;
    };
    expect(run()).toEqual(run());
  });
});
