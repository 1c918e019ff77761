import { describe, expect, it } from "vitest";
import type { Effect } from "../../src/core/protocol.ts";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { Envoy, type RouteSplit } from "../../src/traffic/envoy.ts";

const calls = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { kind: "call" }> => e.kind === "call");
const observed = (effects: Effect[]) => effects.flatMap((e) => (e.kind === "observe" ? [e.event as Record<string, unknown>] : []));

describe("the Envoy stand-in", () => {
  it("sends to the replica's reverse proxy with Seldon's routing headers", () => {
    const envoy = new Envoy("seldon-envoy-0", () => [{ version: 3, weight: 100, endpoints: ["mlserver-0:9001"] }]);
    const [call] = calls(envoy.send({ model: "iris", protocol: "rest", count: 1, intervalMs: 0 }, 0));
    expect(call).toMatchObject({
      target: "mlserver-0:9001",
      method: M.inference.ModelInfer,
      headers: { "seldon-internal-model": "iris_3", "seldon-model": "iris", "content-type": "application/json" },
    });
    expect((call!.request as { model_name: string }).model_name).toBe("iris");
  });

  it("asks for the endpoints of the protocol's port", () => {
    const asked: string[] = [];
    const envoy = new Envoy("e", (_m, protocol) => {
      asked.push(protocol);
      return [{ version: 1, weight: 100, endpoints: [protocol === "grpc" ? "mlserver-0:9501" : "mlserver-0:9001"] }];
    });
    const [call] = calls(envoy.send({ model: "iris", protocol: "grpc", count: 1, intervalMs: 0 }, 0));
    expect(asked).toEqual(["grpc"]);
    expect(call!.target).toBe("mlserver-0:9501");
    expect(call!.headers!["content-type"]).toBe("application/grpc");
  });

  it("spreads requests round-robin over the replicas and by weight over versions", () => {
    const splits: RouteSplit[] = [
      { version: 1, weight: 25, endpoints: ["mlserver-1:9001", "mlserver-0:9001"] },
      { version: 2, weight: 75, endpoints: ["mlserver-2:9001"] },
    ];
    const envoy = new Envoy("e", () => splits);
    const sent = calls(envoy.send({ model: "iris", protocol: "rest", count: 8, intervalMs: 0 }, 0));
    const byVersion = sent.map((c) => c.headers!["seldon-internal-model"]);
    expect(byVersion.filter((v) => v === "iris_1")).toHaveLength(2);
    expect(byVersion.filter((v) => v === "iris_2")).toHaveLength(6);
    expect(sent.filter((c) => c.headers!["seldon-internal-model"] === "iris_1").map((c) => c.target)).toEqual(["mlserver-0:9001", "mlserver-1:9001"]);
  });

  it("paces a burst with timers and records each answer with its latency", () => {
    const envoy = new Envoy("e", () => [{ version: 1, weight: 100, endpoints: ["mlserver-0:9001"] }]);
    const first = envoy.send({ model: "iris", protocol: "rest", count: 2, intervalMs: 500 }, 1000);
    expect(calls(first)).toHaveLength(1);
    const timer = first.find((e) => e.kind === "setTimer") as Extract<Effect, { kind: "setTimer" }>;
    expect(timer.afterMs).toBe(500);
    const second = envoy.handle({ kind: "timer", timer: timer.timer }, 1500);
    expect(calls(second)).toHaveLength(1);
    expect(second.some((e) => e.kind === "setTimer")).toBe(false);
    expect(envoy.pendingByModel()).toEqual(new Map([["iris", 2]]));

    const c0 = calls(first)[0]!.call;
    envoy.handle({ kind: "response", call: c0, message: {} }, 1700);
    const done = envoy.handle({ kind: "closed", call: c0, status: { code: Status.OK, details: "" } }, 1700);
    expect(observed(done)).toEqual([{ type: "traffic.response", id: 0, model: "iris", protocol: "rest", version: 1, endpoint: "mlserver-0:9001", code: "OK", httpStatus: 200, details: "", sentAtMs: 1000, latencyMs: 700 }]);
    const c1 = calls(second)[0]!.call;
    const failed = envoy.handle({ kind: "closed", call: c1, status: { code: Status.NOT_FOUND, details: "404 page not found" } }, 1600);
    expect(observed(failed)[0]).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    expect(envoy.pendingByModel().size).toBe(0);
  });

  it("answers a model without a route itself, as Envoy's 404", () => {
    const envoy = new Envoy("e", () => null);
    const effects = envoy.send({ model: "ghost", protocol: "grpc", count: 1, intervalMs: 0 }, 0);
    expect(calls(effects)).toEqual([]);
    expect(observed(effects)).toEqual([{ type: "traffic.response", id: 0, model: "ghost", protocol: "grpc", code: "UNIMPLEMENTED", details: "route not found", sentAtMs: 0, latencyMs: 0 }]);
  });
});
