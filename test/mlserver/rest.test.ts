import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { Status } from "../../src/core/protocol.ts";
import { MlServer, MLSERVER_VERSION } from "../../src/mlserver/server.ts";
import { createRestApp, type Dispatch } from "../../src/mlserver/rest.ts";
import { Driver } from "./harness.ts";

const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function setup(dispatch?: Dispatch): { d: Driver; app: FastifyInstance } {
  const d = new Driver(new MlServer({ name: "mlserver-0" })).start();
  const app = createRestApp(dispatch ?? d.dispatch);
  apps.push(app);
  return { d, app };
}

async function loaded(model = "iris_1") {
  const s = setup();
  const r = await s.app.inject({ method: "POST", url: `/v2/repository/models/${model}/load` });
  expect(r.statusCode).toBe(200);
  return s;
}

describe("REST health and metadata", () => {
  it("live and ready are 200 with an empty body", async () => {
    const { app } = setup();
    for (const url of ["/v2/health/live", "/v2/health/ready"]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode).toBe(200);
      expect(r.body).toBe("");
    }
  });

  it("ready is 400 while a model loads", async () => {
    const { app, d } = setup();
    d.server.setLoadBehaviour({ delayMs: 5 });
    d.send("/inference.GRPCInferenceService/RepositoryModelLoad", { model_name: "iris_1" });
    expect((await app.inject({ method: "GET", url: "/v2/health/ready" })).statusCode).toBe(400);
  });

  it("GET /v2 is the server metadata", async () => {
    const { app } = setup();
    const r = await app.inject({ method: "GET", url: "/v2" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ name: "mlserver", version: MLSERVER_VERSION, extensions: [] });
  });

  it("model ready and metadata, with and without version", async () => {
    const { app } = await loaded();
    expect((await app.inject({ method: "GET", url: "/v2/models/iris_1/ready" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/v2/models/iris_1/versions/1/ready" })).statusCode).toBe(200);
    const meta = await app.inject({ method: "GET", url: "/v2/models/iris_1" });
    expect(meta.statusCode).toBe(200);
    expect(meta.json()).toEqual({ name: "iris_1", versions: [], platform: "", inputs: [], outputs: [] });
    expect((await app.inject({ method: "GET", url: "/v2/models/iris_1/versions/1" })).statusCode).toBe(200);
  });

  it("unknown models are 404 with MLServer's error body", async () => {
    const { app } = await loaded();
    const ready = await app.inject({ method: "GET", url: "/v2/models/nope/ready" });
    expect(ready.statusCode).toBe(404);
    expect(ready.json()).toEqual({ error: "Model nope not found" });
    const meta = await app.inject({ method: "GET", url: "/v2/models/iris_1/versions/9" });
    expect(meta.statusCode).toBe(404);
    expect(meta.json()).toEqual({ error: "Model iris_1 with version 9 not found" });
  });

  it("unknown routes are 404", async () => {
    const { app } = setup();
    expect((await app.inject({ method: "GET", url: "/v3/whatever" })).statusCode).toBe(404);
  });
});

describe("REST inference", () => {
  it("JSON round trip: FP32 (nested data), INT64, BOOL and BYTES as strings", async () => {
    const { app } = await loaded();
    const r = await app.inject({
      method: "POST",
      url: "/v2/models/iris_1/infer",
      payload: {
        id: "abc",
        inputs: [
          { name: "x", shape: [2, 2], datatype: "FP32", data: [[1.5, 2], [3, -4.25]] },
          { name: "n", shape: [2], datatype: "INT64", data: [7, -8] },
          { name: "b", shape: [1], datatype: "BOOL", data: [true] },
          { name: "s", shape: [2], datatype: "BYTES", data: ["hello", "wörld"] },
        ],
      },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      model_name: "iris_1",
      model_version: "1",
      id: "abc",
      outputs: [
        { name: "output-0", shape: [2, 2], datatype: "FP32", data: [1.5, 2, 3, -4.25] },
        { name: "output-1", shape: [2], datatype: "INT64", data: [7, -8] },
        { name: "output-2", shape: [1], datatype: "BOOL", data: [true] },
        { name: "output-3", shape: [2], datatype: "BYTES", data: ["hello", "wörld"] },
      ],
    });
  });

  it("the versioned infer path works; a wrong version is 404", async () => {
    const { app } = await loaded();
    const payload = { inputs: [{ name: "x", shape: [1], datatype: "INT32", data: [1] }] };
    expect((await app.inject({ method: "POST", url: "/v2/models/iris_1/versions/1/infer", payload })).statusCode).toBe(200);
    const bad = await app.inject({ method: "POST", url: "/v2/models/iris_1/versions/2/infer", payload });
    expect(bad.statusCode).toBe(404);
    expect(bad.json()).toEqual({ error: "Model iris_1 with version 2 not found" });
  });

  it("unknown model → 404 {error}", async () => {
    const { app } = await loaded();
    const r = await app.inject({ method: "POST", url: "/v2/models/nope/infer", payload: { inputs: [] } });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: "Model nope not found" });
  });

  it("model not ready → 400 'is not ready yet.'", async () => {
    const { app, d } = setup();
    d.server.setLoadBehaviour({ delayMs: 5 });
    d.send("/inference.GRPCInferenceService/RepositoryModelLoad", { model_name: "iris_1" });
    const r = await app.inject({ method: "POST", url: "/v2/models/iris_1/infer", payload: { inputs: [] } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: "Model iris_1 is not ready yet." });
  });

  it("bad tensors → 400 {error}", async () => {
    const { app } = await loaded();
    const shape = await app.inject({
      method: "POST",
      url: "/v2/models/iris_1/infer",
      payload: { inputs: [{ name: "x", shape: [3], datatype: "FP32", data: [1, 2] }] },
    });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error).toMatch(/input "x": shape \[3\] has 3 elements but fp32_contents has 2/);

    const dtype = await app.inject({
      method: "POST",
      url: "/v2/models/iris_1/infer",
      payload: { inputs: [{ name: "x", shape: [1], datatype: "COMPLEX", data: [1] }] },
    });
    expect(dtype.statusCode).toBe(400);
    expect(dtype.json().error).toMatch(/unsupported datatype "COMPLEX"/);

    const type = await app.inject({
      method: "POST",
      url: "/v2/models/iris_1/infer",
      payload: { inputs: [{ name: "x", shape: [1], datatype: "FP32", data: ["one"] }] },
    });
    expect(type.statusCode).toBe(400);
    expect(type.json().error).toMatch(/element 0 of FP32 tensor is not a number/);
  });

  it("a body that is not an inference request → 422; invalid JSON → 400", async () => {
    const { app } = await loaded();
    const noInputs = await app.inject({ method: "POST", url: "/v2/models/iris_1/infer", payload: { foo: 1 } });
    expect(noInputs.statusCode).toBe(422);
    const badJson = await app.inject({ method: "POST", url: "/v2/models/iris_1/infer", headers: { "content-type": "application/json" }, payload: "{" });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error).toMatch(/invalid JSON/);
  });
});

describe("REST model repository", () => {
  it("load (no body) → index → unload → unload again 404", async () => {
    const { app, d } = setup();
    const load = await app.inject({ method: "POST", url: "/v2/repository/models/iris_1/load" });
    expect(load.statusCode).toBe(200);
    expect(load.body).toBe("");
    expect(d.server.modelState("iris_1")).toBe("READY");

    const index = await app.inject({ method: "POST", url: "/v2/repository/index", payload: {} });
    expect(index.statusCode).toBe(200);
    expect(index.json()).toEqual([{ name: "iris_1", version: "1", state: "READY", reason: "" }]);

    expect((await app.inject({ method: "POST", url: "/v2/repository/models/iris_1/unload" })).statusCode).toBe(200);
    const again = await app.inject({ method: "POST", url: "/v2/repository/models/iris_1/unload" });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error: "Model iris_1 not found" });
  });

  it("index honours ready: true", async () => {
    const { app, d } = await loaded("a_1");
    d.server.setLoadBehaviour({ delayMs: 5 });
    d.send("/inference.GRPCInferenceService/RepositoryModelLoad", { model_name: "b_1" });
    const all = await app.inject({ method: "POST", url: "/v2/repository/index", payload: {} });
    expect(all.json().map((m: { name: string }) => m.name)).toEqual(["a_1", "b_1"]);
    const ready = await app.inject({ method: "POST", url: "/v2/repository/index", payload: { ready: true } });
    expect(ready.json().map((m: { name: string }) => m.name)).toEqual(["a_1"]);
  });

  it("a failing load maps the gRPC code to MLServer's HTTP status", async () => {
    const { app, d } = setup();
    d.server.setLoadBehaviour({ outOfMemory: true });
    const oom = await app.inject({ method: "POST", url: "/v2/repository/models/big_1/load" });
    expect(oom.statusCode).toBe(500);
    expect(oom.json()).toEqual({ error: "Worker process stopped unexpectedly with exit code -9." });
    d.server.setLoadBehaviour({ fail: "Invalid URI specified for model big_1", failCode: Status.FAILED_PRECONDITION });
    expect((await app.inject({ method: "POST", url: "/v2/repository/models/big_1/load" })).statusCode).toBe(422);
    d.server.setLoadBehaviour({ fail: "bad settings", failCode: Status.INVALID_ARGUMENT });
    expect((await app.inject({ method: "POST", url: "/v2/repository/models/big_1/load" })).statusCode).toBe(400);
  });

  it("a dispatch that throws is a 500 {error}", async () => {
    const { app } = setup(async () => {
      throw new Error("component gone");
    });
    const r = await app.inject({ method: "GET", url: "/v2/health/live" });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: "component gone" });
  });
});
