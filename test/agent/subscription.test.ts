import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { goRpcError, Status } from "../../src/core/protocol.ts";
import { M, PROTOS_DIR, roundTripRequest, roundTripResponse } from "../../src/proto/index.ts";
import { CONNECTION_REFUSED, FakeInferenceServer, loadOp, MIN, setup, startSubscribed } from "./harness.ts";

const SCHEDULER_REFUSED = {
  code: Status.UNAVAILABLE,
  details: 'connection error: desc = "transport: Error while dialing: dial tcp 10.43.0.10:9005: connect: connection refused"',
};
const STREAM_BROKEN = { code: Status.UNAVAILABLE, details: "error reading from server: EOF" };
const CLOSING = "rpc error: code = Canceled desc = grpc: the client connection is closing";

describe("scheduler stream", () => {
  it("a broken stream is logged and re-subscribed at once, with the models the agent holds", () => {
    const { d, agent } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 2, 300_000));
    const t = d.now;
    d.closeSubscribe(STREAM_BROKEN);

    expect(d.logs("event recv failed")).toEqual([
      { at: t, level: "error", msg: "event recv failed", fields: { Name: "Client", func: "StartService", error: goRpcError(STREAM_BROKEN) } },
    ]);
    expect(d.logs("Subscribe ended")).toHaveLength(1);
    const subs = d.callsTo(M.agent.Subscribe);
    expect(subs).toHaveLength(2);
    expect(subs[1]!.at).toBe(t);
    expect(subs[1]!.request.availableMemoryBytes).toBe(800_000);
    const loaded = subs[1]!.request.loadedModels;
    expect(loaded).toHaveLength(1);
    expect(loaded[0].version).toBe(2);
    expect(loaded[0].model.meta.name).toBe("iris");
    expect(loaded[0].model.modelSpec.memoryBytes).toBe(300_000);
    expect(loaded[0].model.modelSpec.modelRuntimeInfo).toEqual({ mlserver: { parallelWorkers: 1 } });
    // The scaling-trigger stream of the old subscription was closed.
    const scaling = d.callsTo(M.agent.ModelScalingTrigger)[0]!;
    expect(d.effects.some(({ effect }) => effect.kind === "halfClose" && effect.call === scaling.call)).toBe(true);
    expect(agent.state).toBe("subscribing");
    d.runFor(10);
    expect(agent.state).toBe("subscribed");
  });

  it("a stream the scheduler ends with OK reads as EOF", () => {
    const { d } = setup();
    startSubscribed(d);
    d.closeSubscribe({ code: Status.OK, details: "" });
    expect(d.logs("event recv failed")[0]!.fields!.error).toBe("EOF");
    expect(d.callsTo(M.agent.Subscribe)).toHaveLength(2);
  });

  it("an unreachable scheduler gives 'Scheduler not ready' with back-off and never gives up", () => {
    const { d } = setup();
    d.subscribeReply = () => ({ status: SCHEDULER_REFUSED });
    d.start();
    d.runUntil(10 * MIN);
    const lines = d.logs("Scheduler not ready");
    expect(lines[0]).toEqual({ at: 0, level: "error", msg: "Scheduler not ready", fields: { Name: "Client", error: goRpcError(SCHEDULER_REFUSED) } });
    expect(d.logs("Subscribed to scheduler")).toEqual([]);
    const at = d.callsTo(M.agent.Subscribe).map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]!).toBeGreaterThanOrEqual(500); // 1 s ± 50%
    expect(gaps[0]!).toBeLessThanOrEqual(1_501);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(22_501); // 15 s cap ± 50%
    expect(d.exit).toBeUndefined();
    expect(d.agent.state).toBe("subscribing");

    // Once the scheduler is back, the agent subscribes.
    d.subscribeReply = () => "hang";
    d.runFor(30_000);
    expect(d.agent.state).toBe("subscribed");
  });

  it.skipIf(!existsSync(`${PROTOS_DIR}mlops/agent/agent.proto`))("what the agent sends survives the wire, also when echoing decoded models", () => {
    const { d } = setup();
    startSubscribed(d);
    // The operation as the scheduler's message decodes (oneof names, defaults and all).
    const op = roundTripResponse(M.agent.Subscribe, loadOp("iris", 2, 300_000, { autoscalingEnabled: true }));
    d.pushOperation(op);
    d.closeSubscribe(STREAM_BROKEN);
    for (const c of d.calls) {
      if (c.request === undefined) continue;
      // 64-bit fields decode as decimal strings
      const wire64 = (k: string, v: unknown) => (["memoryBytes", "availableMemoryBytes", "generation"].includes(k) && typeof v === "number" ? String(v) : v);
      expect(roundTripRequest(c.method, c.request)).toMatchObject(JSON.parse(JSON.stringify(c.request, wire64)));
    }
    const resub = roundTripRequest(M.agent.Subscribe, d.callsTo(M.agent.Subscribe)[1]!.request) as any;
    expect(resub.loadedModels[0].model.meta.name).toBe("iris");
    expect(resub.loadedModels[0].model.modelSpec.memoryBytes).toBe("300000");
  });

  it("each re-subscription reports the loaded models afresh, whatever was done to an earlier request", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 2, 300_000));
    d.closeSubscribe(STREAM_BROKEN);
    const first = d.callsTo(M.agent.Subscribe)[1]!.request.loadedModels[0];
    // Whoever receives the request may do what it likes with it.
    first.version = 9;
    first.model.meta.name = "changed";
    first.model.modelSpec.uri = "gs://elsewhere";
    first.model.modelSpec.requirements.push("tensorflow");
    first.model.modelSpec.modelRuntimeInfo.mlserver.parallelWorkers = 4;
    first.model.deploymentSpec.replicas = 3;
    d.runFor(10);
    d.closeSubscribe(STREAM_BROKEN);
    const subs = d.callsTo(M.agent.Subscribe);
    expect(subs).toHaveLength(3);
    expect(subs[2]!.request.loadedModels).toEqual([
      {
        model: {
          meta: { name: "iris" },
          modelSpec: { uri: "gs://models/iris", requirements: ["sklearn"], memoryBytes: 300_000, modelRuntimeInfo: { mlserver: { parallelWorkers: 1 } } },
          deploymentSpec: { replicas: 1 },
        },
        version: 2,
      },
    ]);
  });

  it("model events go to the scheduler with no deadline", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 1));
    const ev = d.callsTo(M.agent.AgentEvent)[0]!;
    expect(ev.deadlineMs).toBeUndefined();
    expect(ev.target).toBe("seldon-scheduler.seldon-mesh:9005");
  });

  it("a failed AgentEvent for a success is logged as a failure to handle the load", () => {
    const { d } = setup();
    startSubscribed(d);
    d.agentEventReply = () => ({ status: SCHEDULER_REFUSED });
    d.pushOperation(loadOp("iris", 1, 1));
    expect(d.logs("Failed to handle load model iris:1")[0]!.fields!.error).toBe(goRpcError(SCHEDULER_REFUSED));
  });
});

describe("readiness re-check after start-up", () => {
  it("runs ServerLive every 30 s (the period v2.9.0 actually uses), not 60 s", () => {
    const { d } = setup();
    startSubscribed(d);
    d.runUntil(2 * MIN);
    const at = d.callsTo(M.inference.ServerLive).map((c) => c.at);
    expect(at).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
    expect(d.exit).toBeUndefined();
  });

  it("when the inference server goes away the agent gives up after the 30 s budget and shuts down, exit 0", () => {
    const server = new FakeInferenceServer();
    const { d } = setup({}, { server });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 1, 1));
    d.runUntil(40_000);
    server.down = CONNECTION_REFUSED;
    d.runUntil(5 * MIN);

    const notReady = d.logs("Inference server not ready");
    expect(notReady.length).toBeGreaterThan(0);
    expect(notReady[0]!.at).toBeGreaterThanOrEqual(60_000);
    const gaveUp = d.logs("Failed to wait for inference server to be ready")[0]!;
    // The budget is checked between rounds, so the last round (up to 1.5 s) may overrun it.
    expect(gaveUp.at - 60_000).toBeLessThanOrEqual(31_500);
    expect(gaveUp.at - 60_000).toBeGreaterThan(15_000);

    const tail = d.logs().filter((l) => l.at === gaveUp.at && l.level !== "debug").map((l) => [l.level, l.msg, l.fields?.error]);
    expect(tail).toEqual([
      ["error", "Failed to wait for inference server to be ready", goRpcError(CONNECTION_REFUSED)],
      ["info", "Shutting down stream to scheduler", undefined],
      ["error", "event recv failed", CLOSING],
      ["info", "Exiting", undefined],
      ["info", "Subscribe ended", undefined],
      ["info", "Stopping", undefined],
      ["warning", "Agent shutting down", undefined],
      ["info", "Shutting down stream to scheduler", undefined],
      ["warning", "Cannot close stream connection to scheduler", CLOSING],
    ]);
    expect(d.exit).toEqual({ at: gaveUp.at, code: 0, reason: "Agent shutting down" });
    expect(d.agent.state).toBe("exited");
    // The open scheduler streams were cancelled.
    const cancelled = d.effects.flatMap(({ effect }) => (effect.kind === "cancel" ? [effect.call] : []));
    expect(cancelled).toContain(d.callsTo(M.agent.Subscribe)[0]!.call);
  });

  it("a blip shorter than the budget does not stop the agent", () => {
    const server = new FakeInferenceServer();
    const { d } = setup({}, { server });
    startSubscribed(d);
    d.runUntil(29_000);
    server.down = CONNECTION_REFUSED;
    d.runUntil(35_000);
    server.down = undefined;
    d.runUntil(3 * MIN);
    expect(d.logs("Inference server not ready").length).toBeGreaterThan(0);
    expect(d.exit).toBeUndefined();
    expect(d.agent.state).toBe("subscribed");
  });

  it("if it fails while the agent cannot reach the scheduler, the agent keeps retrying Subscribe for ever", () => {
    const server = new FakeInferenceServer();
    const { d } = setup({}, { server });
    d.subscribeReply = () => ({ status: SCHEDULER_REFUSED });
    d.start();
    server.down = CONNECTION_REFUSED;
    d.runUntil(10 * MIN);
    expect(d.logs("Failed to wait for inference server to be ready")).toHaveLength(1);
    expect(d.exit).toBeUndefined();
    expect(d.agent.state).toBe("stopping");
    const late = d.logs("Scheduler not ready").filter((l) => l.at > 2 * MIN);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((l) => l.fields!.error === CLOSING)).toBe(true);
  });
});
