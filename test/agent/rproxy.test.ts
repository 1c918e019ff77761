import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { FakeInferenceServer, infer, loadOp, served, setup, startSubscribed, unloadOp } from "./harness.ts";

describe("the reverse proxies", () => {
  it("listen on the reverse-proxy ports of the ServerConfig", () => {
    const { agent } = setup({ SELDON_REVERSE_PROXY_HTTP_PORT: "9001", SELDON_REVERSE_PROXY_GRPC_PORT: "9501" });
    expect(agent.listeners.map((l) => l.port).sort()).toEqual([9001, 9501]);
  });

  it("forward an inference under the internal name, without a version, and return the answer", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 2, 100));
    infer(d, "in-1", "iris", 2);
    const forwarded = d.callsTo(M.inference.ModelInfer);
    expect(forwarded.map((c) => [c.request.model_name, c.request.model_version])).toEqual([["iris_2", ""]]);
    expect(served(d, "in-1")).toEqual({ message: { model_name: "iris_2", id: "in-1" }, status: { code: Status.OK, details: "" } });
  });

  it("gRPC without the seldon-internal-model header is FAILED_PRECONDITION", () => {
    const { d } = setup();
    startSubscribed(d);
    infer(d, "in-1", "iris", 1, "grpc", { "seldon-model": "iris" });
    expect(served(d, "in-1").status).toEqual({ code: Status.FAILED_PRECONDITION, details: "Failed to extract model name seldon-internal-model:[] seldon-model:[iris]" });
    expect(d.callsTo(M.inference.ModelInfer)).toHaveLength(0);
  });

  it("a version this replica never loaded is NOT_FOUND over gRPC and 404 over REST", () => {
    const { d } = setup();
    startSubscribed(d);
    infer(d, "g", "iris", 1, "grpc");
    infer(d, "r", "iris", 1, "rest");
    expect(served(d, "g").status).toEqual({ code: Status.NOT_FOUND, details: "Model iris_1 not found (err: No details for model iris_1)" });
    expect(served(d, "r").status).toEqual({ code: Status.NOT_FOUND, details: "404 page not found" });
    expect(d.logs("Error getting memory for model iris_1, model unloaded?")[0]).toMatchObject({ level: "error", fields: { Source: "StateManager", error: "No details for model iris_1" } });
    expect(d.logs("Cannot load model in agent iris_1")[0]).toMatchObject({ level: "error", fields: { Source: "HTTPProxy" } });
  });

  it("an inference moves the model to the back of the eviction order", () => {
    const { d, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 100));
    d.runFor(10);
    d.pushOperation(loadOp("b", 1, 100));
    expect(agent.evictionOrder()).toEqual(["a_1", "b_1"]);
    d.runFor(10);
    infer(d, "in-1", "a", 1);
    expect(agent.evictionOrder()).toEqual(["b_1", "a_1"]);
  });

  it("an evicted model is loaded again before the request is forwarded, evicting the least recently used", () => {
    const { d, agent, server } = setup({ SELDON_OVERCOMMIT_PERCENTAGE: "100" });
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 600_000));
    d.runFor(10);
    d.pushOperation(loadOp("b", 1, 600_000));
    expect(agent.models().map((m) => [m.versionedName, m.onInferenceServer])).toEqual([["a_1", false], ["b_1", true]]);

    const before = d.calls.length;
    infer(d, "in-1", "a", 1, "rest");
    const order = d.calls.slice(before).map((c) => `${c.method.slice(c.method.lastIndexOf("/") + 1)} ${c.request.model_name}`);
    expect(order).toEqual(["RepositoryModelUnload b_1", "RepositoryModelLoad a_1", "ModelInfer a_1"]);
    expect(served(d, "in-1").status?.code).toBe(Status.OK);
    expect(server.loaded.has("b_1")).toBe(false);
    expect(agent.models().map((m) => [m.versionedName, m.onInferenceServer])).toEqual([["a_1", true], ["b_1", false]]);
    expect(agent.availableMemoryBytes).toBe(400_000);
    expect(d.logs(`Reload model a_1 success, available memory is 400000`)[0]).toMatchObject({ level: "info", fields: { Source: "StateManager" } });
    expect(d.observations("agent.modelReloaded")).toEqual([{ type: "agent.modelReloaded", model: "a_1", memoryBytes: 600_000, availableMainMemoryBytes: 400_000 }]);
    // the scheduler hears nothing of it: the model was loaded all along as far as it knows
    expect(d.events().map((e) => `${e.modelName} ${e.event}`)).toEqual(["a LOADED", "b LOADED"]);
  });

  it("a model the inference server lost is loaded again and the request tried once more (gRPC: NOT_FOUND)", () => {
    const { d, server } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 100));
    server.loaded.delete("iris_1"); // e.g. MLServer restarted
    infer(d, "in-1", "iris", 1);
    expect(d.callsTo(M.inference.ModelInfer)).toHaveLength(2);
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toHaveLength(2);
    expect(served(d, "in-1").status?.code).toBe(Status.OK);
  });

  it("a failed reload answers NOT_FOUND with the reason and gives the memory back", () => {
    const server = new FakeInferenceServer();
    const { d, agent } = setup({ SELDON_OVERCOMMIT_PERCENTAGE: "100" }, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("a", 1, 600_000));
    d.pushOperation(loadOp("b", 1, 600_000));
    server.failLoad = () => ({ code: Status.INTERNAL, details: "disk full" });
    infer(d, "in-1", "a", 1);
    expect(served(d, "in-1").status).toEqual({ code: Status.NOT_FOUND, details: "Model a_1 not found (err: rpc error: code = Internal desc = disk full)" });
    expect(agent.availableMemoryBytes).toBe(1_000_000);
  });

  it("does not serve before the agent has started its sub-services", () => {
    const server = new FakeInferenceServer();
    server.live = false; // still waiting for the inference server
    const { d } = setup({}, { server });
    d.start();
    infer(d, "in-1", "iris", 1);
    expect(served(d, "in-1").status?.code).toBe(Status.UNIMPLEMENTED);
  });
});

describe("model scaling triggers", () => {
  const sends = (d: ReturnType<typeof setup>["d"]) =>
    d.effects.flatMap(({ at, effect }) => (effect.kind === "send" ? [{ at, message: effect.message as Record<string, unknown> }] : []));

  it("REST requests in flight at or over the lag threshold send SCALE_UP at the next period, and the lag restarts from 0", () => {
    const server = new FakeInferenceServer();
    const { d } = setup({ SELDON_MODEL_INFERENCE_LAG_THRESHOLD: "3", SELDON_SCALING_STATS_PERIOD_SECONDS: "20", SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD: "600" }, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 4, 100, { autoscalingEnabled: true }));
    server.hangInfers = true;
    infer(d, "r1", "iris", 4, "rest");
    infer(d, "r2", "iris", 4, "rest");
    d.runUntil(20_000);
    // enabling counts 1, plus 2 in flight
    expect(sends(d).map((s) => s.message)).toEqual([{ serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 4, trigger: "SCALE_UP", amount: 3 }]);
    expect(sends(d)[0]!.at).toBe(20_000);
    const stream = d.callsTo(M.agent.ModelScalingTrigger)[0]!;
    expect(d.effects.some(({ effect }) => effect.kind === "send" && effect.call === stream.call)).toBe(true);
    expect(d.logs("Trigger model scaling event 0 for model iris:4 with value 3")[0]!.fields).toEqual({ Name: "Client" });
    d.runUntil(40_000);
    expect(sends(d)).toHaveLength(1);
  });

  it("gRPC requests never build lag (v2.9.0 counts them down at once)", () => {
    const server = new FakeInferenceServer();
    const { d } = setup({ SELDON_MODEL_INFERENCE_LAG_THRESHOLD: "2", SELDON_SCALING_STATS_PERIOD_SECONDS: "20" }, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 100, { autoscalingEnabled: true }));
    server.hangInfers = true;
    for (let i = 0; i < 5; i++) infer(d, `g${i}`, "iris", 1, "grpc");
    d.runUntil(20_000);
    expect(sends(d).filter((s) => s.message.trigger === "SCALE_UP")).toEqual([]);
  });

  it("a model idle for the inactivity threshold gets SCALE_DOWN every period while it stays idle", () => {
    const { d } = setup({ SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD: "30", SELDON_SCALING_STATS_PERIOD_SECONDS: "20" });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 100, { autoscalingEnabled: true }));
    d.runUntil(20_000);
    infer(d, "r1", "iris", 1, "rest"); // last used at 20 s
    d.runUntil(40_000);
    expect(sends(d)).toEqual([]);
    d.runUntil(100_000);
    expect(sends(d).map((s) => [s.at, s.message.trigger, s.message.amount])).toEqual([
      [60_000, "SCALE_DOWN", 20],
      [80_000, "SCALE_DOWN", 20],
      [100_000, "SCALE_DOWN", 20],
    ]);
  });

  it("only models loaded with autoscalingEnabled are reported, and an unloaded model no more", () => {
    const { d } = setup({ SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD: "10", SELDON_SCALING_STATS_PERIOD_SECONDS: "20" });
    startSubscribed(d);
    d.pushOperation(loadOp("plain", 1, 100));
    d.pushOperation(loadOp("scaled", 1, 100, { autoscalingEnabled: true }));
    infer(d, "r1", "plain", 1, "rest");
    d.runUntil(20_000);
    expect(sends(d).map((s) => s.message.modelName)).toEqual(["scaled"]);
    d.pushOperation(unloadOp("scaled", 1));
    d.runUntil(60_000);
    expect(sends(d)).toHaveLength(1);
  });
});
