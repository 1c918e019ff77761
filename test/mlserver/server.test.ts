import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { MlServer, MLSERVER_VERSION } from "../../src/mlserver/server.ts";
import { Driver } from "./harness.ts";

const I = M.inference;

function started(options: Partial<ConstructorParameters<typeof MlServer>[0]> = {}): Driver {
  return new Driver(new MlServer({ name: "mlserver-0", ...options })).start();
}

const load = (d: Driver, model: string) => d.send(I.RepositoryModelLoad, { model_name: model });
const index = (d: Driver, ready = false) =>
  (d.call(I.RepositoryIndex, { ready }).message as { models: { name: string; version: string; state: string; reason: string }[] }).models;

describe("MlServer identity", () => {
  it("is an mlserver serving the inference service on 9500 by default", () => {
    const s = new MlServer({ name: "mlserver-0" });
    expect(s.role).toBe("mlserver");
    expect(s.name).toBe("mlserver-0");
    expect(s.listeners).toEqual([{ port: 9500, services: ["inference.GRPCInferenceService"] }]);
    expect(s.httpPort).toBe(9000);
  });

  it("takes its ports from the options", () => {
    const s = new MlServer({ name: "mlserver-1", grpcPort: 9501, httpPort: 9001 });
    expect(s.listeners[0]?.port).toBe(9501);
    expect(s.httpPort).toBe(9001);
  });
});

describe("health and metadata", () => {
  it("is live, and ready only once started", () => {
    const d = new Driver(new MlServer({ name: "mlserver-0" }));
    expect(d.call(I.ServerLive).message).toMatchObject({ live: true });
    expect(d.call(I.ServerReady).message).toMatchObject({ ready: false });
    d.start();
    expect(d.server.isStarted).toBe(true);
    expect(d.call(I.ServerReady)).toEqual({ message: { ready: true }, status: { code: Status.OK, details: "" } });
  });

  it("is not ready while a model is loading (MLServer: ready = every model ready)", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 100 });
    load(d, "iris_1");
    expect(d.call(I.ServerReady).message).toMatchObject({ ready: false });
    d.advance(100);
    expect(d.call(I.ServerReady).message).toMatchObject({ ready: true });
  });

  it("reports server metadata", () => {
    const d = started();
    expect(d.call(I.ServerMetadata).message).toEqual({ name: "mlserver", version: MLSERVER_VERSION, extensions: [] });
  });

  it("answers UNIMPLEMENTED for methods it does not serve", () => {
    const d = new Driver(new MlServer({ name: "m" })).start();
    expect(d.call("/inference.GRPCInferenceService/ModelStreamInfer").status.code).toBe(Status.UNIMPLEMENTED);
  });
});

describe("model repository", () => {
  it("load → READY in the index → unload → gone", () => {
    const d = started();
    const c = load(d, "iris_1");
    expect(d.result(c)).toEqual({ message: {}, status: { code: Status.OK, details: "" } });
    expect(index(d)).toEqual([{ name: "iris_1", version: "1", state: "READY", reason: "" }]);
    expect(d.server.models()).toEqual([{ name: "iris_1", version: "1", state: "READY", reason: "" }]);
    expect(d.server.modelState("iris_1")).toBe("READY");
    expect(d.call(I.ModelReady, { name: "iris_1", version: "" }).message).toMatchObject({ ready: true });

    const u = d.call(I.RepositoryModelUnload, { model_name: "iris_1" });
    expect(u.status.code).toBe(Status.OK);
    expect(index(d)).toEqual([]);
    expect(d.server.modelState("iris_1")).toBeUndefined();
  });

  it("emits observations on load and unload", () => {
    const d = started();
    load(d, "iris_1");
    d.call(I.RepositoryModelUnload, { model_name: "iris_1" });
    expect(d.observations("mlserver.modelLoaded")).toEqual([
      { type: "mlserver.modelLoaded", server: "mlserver-0", model: "iris_1", version: "1", reload: false },
    ]);
    expect(d.observations("mlserver.modelUnloaded")).toEqual([
      { type: "mlserver.modelUnloaded", server: "mlserver-0", model: "iris_1", version: "1", wasReady: true },
    ]);
  });

  it("lists models by name and honours the ready filter", () => {
    const d = started();
    load(d, "b_1");
    load(d, "a_1");
    d.server.setLoadBehaviour({ delayMs: 50 }, "slow_*");
    load(d, "slow_1");
    expect(index(d).map((m) => [m.name, m.state])).toEqual([
      ["a_1", "READY"],
      ["b_1", "READY"],
      ["slow_1", "UNKNOWN"], // MLServer's state for a registered model that is not ready yet
    ]);
    expect(index(d, true).map((m) => m.name)).toEqual(["a_1", "b_1"]);
    expect(d.server.readyModels()).toEqual(["a_1", "b_1"]);
  });

  it("unload of an unknown model is NOT_FOUND with MLServer's text", () => {
    const d = started();
    expect(d.call(I.RepositoryModelUnload, { model_name: "nope_1" }).status).toEqual({ code: Status.NOT_FOUND, details: "Model nope_1 not found" });
  });

  it("a second unload is NOT_FOUND", () => {
    const d = started();
    load(d, "iris_1");
    expect(d.call(I.RepositoryModelUnload, { model_name: "iris_1" }).status.code).toBe(Status.OK);
    expect(d.call(I.RepositoryModelUnload, { model_name: "iris_1" }).status.code).toBe(Status.NOT_FOUND);
  });

  it("load without a model name is NOT_FOUND", () => {
    const d = started();
    expect(d.call(I.RepositoryModelLoad, { model_name: "" }).status).toEqual({ code: Status.NOT_FOUND, details: "Model  not found" });
  });

  it("ModelReady is false while loading, and an unknown model escapes as UNKNOWN (no error translation in MLServer)", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 10 });
    load(d, "iris_1");
    expect(d.call(I.ModelReady, { name: "iris_1", version: "" }).message).toMatchObject({ ready: false });
    expect(d.call(I.ModelReady, { name: "other", version: "" }).status).toEqual({
      code: Status.UNKNOWN,
      details: "Unexpected <class 'mlserver.errors.ModelNotFound'>: Model other with version  not found",
    });
    expect(d.call(I.ModelReady, { name: "iris_1", version: "2" }).status.code).toBe(Status.UNKNOWN);
  });

  it("ModelMetadata names the model (the agent's model settings declare nothing else); unknown → NOT_FOUND", () => {
    const d = started();
    load(d, "iris_1");
    expect(d.call(I.ModelMetadata, { name: "iris_1", version: "" }).message).toEqual({ name: "iris_1", versions: [], platform: "", inputs: [], outputs: [], parameters: {} });
    expect(d.call(I.ModelMetadata, { name: "iris_1", version: "1" }).status.code).toBe(Status.OK);
    expect(d.call(I.ModelMetadata, { name: "iris_1", version: "7" }).status).toEqual({
      code: Status.NOT_FOUND,
      details: "Model iris_1 with version 7 not found",
    });
  });

  it("uses the configured model version", () => {
    const d = started({ modelVersion: "3" });
    load(d, "iris_1");
    expect(index(d)[0]?.version).toBe("3");
  });
});

describe("load faults", () => {
  it("a slow load answers only after its delay, then the model is READY", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 250 });
    const c = load(d, "iris_1");
    expect(d.result(c)).toBeUndefined();
    expect(d.server.modelState("iris_1")).toBe("UNKNOWN");
    expect(d.server.pendingLoads()).toEqual([{ model: "iris_1", call: c, startedAt: 0, dueAt: 250 }]);
    d.advance(249);
    expect(d.result(c)).toBeUndefined();
    d.advance(1);
    expect(d.status(c)).toEqual({ code: Status.OK, details: "" });
    expect(d.server.modelState("iris_1")).toBe("READY");
    expect(d.server.pendingLoads()).toEqual([]);
  });

  it("a failing load answers the configured error and leaves the model unregistered", () => {
    const d = started();
    d.server.setLoadBehaviour({ fail: "boom: artifact is corrupt", failCode: Status.FAILED_PRECONDITION });
    const c = load(d, "iris_1");
    expect(d.result(c)).toEqual({ status: { code: Status.FAILED_PRECONDITION, details: "boom: artifact is corrupt" } });
    expect(d.server.modelState("iris_1")).toBeUndefined();
    expect(index(d)).toEqual([]);
    expect(d.observations("mlserver.modelLoadFailed")).toHaveLength(1);
    expect(d.observations("mlserver.modelLoaded")).toHaveLength(0);
  });

  it("a failing load defaults to INTERNAL, as MLServer answers a runtime's load exception", () => {
    const d = started();
    d.server.setLoadBehaviour({ fail: "ValueError: bad pickle" });
    expect(d.status(load(d, "iris_1"))).toEqual({ code: Status.INTERNAL, details: "ValueError: bad pickle" });
  });

  it("a slow failing load fails after its delay", () => {
    const d = started();
    d.server.setLoadBehaviour({ fail: "nope", delayMs: 30 });
    const c = load(d, "iris_1");
    expect(d.result(c)).toBeUndefined();
    d.advance(30);
    expect(d.status(c).code).toBe(Status.INTERNAL);
    expect(d.server.modelState("iris_1")).toBeUndefined();
  });

  it("out of memory looks like an OOM-killed MLServer worker", () => {
    const d = started();
    d.server.setLoadBehaviour({ outOfMemory: true, fail: "ignored" }, "big-*");
    expect(d.status(load(d, "big-llm_1"))).toEqual({
      code: Status.INTERNAL,
      details: "Worker process stopped unexpectedly with exit code -9.",
    });
    expect(d.server.modelState("big-llm_1")).toBeUndefined();
    expect(d.status(load(d, "small_1")).code).toBe(Status.OK);
  });

  it("per-pattern rules: latest matching rule wins, else global; rules can be cleared", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 5 });
    d.server.setLoadBehaviour({ fail: "A" }, "iris*");
    d.server.setLoadBehaviour({ fail: "B" }, /_2$/);
    expect(d.status(load(d, "iris_1")).details).toBe("A");
    expect(d.status(load(d, "iris_2")).details).toBe("B");
    const c = load(d, "wine_1");
    expect(d.result(c)).toBeUndefined();
    d.advance(5);
    expect(d.status(c).code).toBe(Status.OK);
    d.server.clearLoadBehaviour("iris*");
    expect(d.server.loadBehaviourFor("iris_1")).toEqual({ delayMs: 5 });
    d.server.clearLoadBehaviour();
    expect(d.server.loadBehaviourFor("iris_2")).toEqual({});
    expect(d.status(load(d, "iris_2")).code).toBe(Status.OK);
  });

  it("rejects nonsense behaviours", () => {
    const s = new MlServer({ name: "m" });
    expect(() => s.setLoadBehaviour({ delayMs: -1 })).toThrow(RangeError);
    expect(() => s.setLoadBehaviour({ failCode: 0 })).toThrow(RangeError);
    expect(() => s.setLoadBehaviour({ failCode: 17 })).toThrow(RangeError);
  });

  it("a failed reload keeps the ready copy serving", () => {
    const d = started();
    load(d, "iris_1");
    d.server.setLoadBehaviour({ fail: "reload failed", delayMs: 10 });
    const c = load(d, "iris_1");
    expect(d.server.modelState("iris_1")).toBe("READY");
    d.advance(10);
    expect(d.status(c).code).toBe(Status.INTERNAL);
    expect(d.server.modelState("iris_1")).toBe("READY");
  });

  it("unload during a slow load: the load still answers OK but does not bring the model back", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 100 });
    const c = load(d, "iris_1");
    expect(d.call(I.RepositoryModelUnload, { model_name: "iris_1" }).status.code).toBe(Status.OK);
    d.advance(100);
    expect(d.status(c).code).toBe(Status.OK);
    expect(d.server.modelState("iris_1")).toBeUndefined();
    expect(d.observations("mlserver.modelLoadDiscarded")).toHaveLength(1);
  });

  it("a cancelled slow load sends no answer but still completes", () => {
    const d = started();
    d.server.setLoadBehaviour({ delayMs: 100 });
    const c = load(d, "iris_1");
    d.cancel(c);
    d.advance(100);
    expect(d.result(c)).toBeUndefined();
    expect(d.server.modelState("iris_1")).toBe("READY");
  });

  it("is deterministic: same inputs at the same times give the same effects", () => {
    const run = () => {
      const d = new Driver(new MlServer({ name: "mlserver-0" }));
      d.start();
      d.server.setLoadBehaviour({ delayMs: 7 }, "a*");
      d.server.setLoadBehaviour({ outOfMemory: true }, "b*");
      load(d, "a_1");
      load(d, "b_1");
      d.advance(3);
      load(d, "a_2");
      d.advance(10);
      d.call(I.RepositoryModelUnload, { model_name: "a_1" });
      return d.effects;
    };
    expect(run()).toEqual(run());
  });
});
