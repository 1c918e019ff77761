/**
 * The v2.9.0 mechanisms behind real control-plane bugs: the start-up synchroniser, drain waits,
 * server scaling requests, failed sends, runtime info, scaling refusals and the route table.
 */
import { describe, expect, it } from "vitest";
import { SchedulerHarness } from "./harness.ts";
import { M } from "../../src/proto/index.ts";
import type { Effect } from "../../src/core/protocol.ts";
import type { PbServerStatusResponse } from "../../src/proto/messages.ts";
import { compareModels } from "../../src/scheduler/store.ts";
import { roundTripRequest } from "../../src/proto/index.ts";
import { shouldScaleDown, shouldScaleUp } from "../../src/scheduler/server-scaling.ts";
import { Rng } from "../../src/core/rng.ts";

type Log = Extract<Effect, { kind: "log" }>;
const logsOf = (h: SchedulerHarness): Log[] => h.effects.filter((e): e is Log => e.kind === "log");
const notify = (h: SchedulerHarness, servers: { name: string; expectedReplicas: number; minReplicas?: number; maxReplicas?: number }[], isFirstSync: boolean): void => {
  h.call(M.scheduler.ServerNotify, {
    servers: servers.map((s) => ({
      name: s.name, expectedReplicas: s.expectedReplicas, minReplicas: s.minReplicas ?? 0, maxReplicas: s.maxReplicas ?? 0, shared: true,
      kubernetesMeta: { namespace: "default", generation: 1 },
    })),
    isFirstSync,
  });
};

function subscribeServerStatus(h: SchedulerHarness): string {
  const call = "server-status";
  h.feed({ kind: "incoming", call, method: M.scheduler.SubscribeServerStatus, request: { subscriberName: "seldon manager" }, peer: "controller" });
  return call;
}
const repliesTo = (h: SchedulerHarness, call: string, from = 0): unknown[] =>
  h.effects.slice(from).filter((e): e is Extract<Effect, { kind: "reply" }> => e.kind === "reply" && e.call === call).map((e) => e.message);

describe("start-up synchroniser (ServerBasedSynchroniser)", () => {
  it("holds scheduling until the first sync's replicas connect, then logs All (num: N) servers connected", () => {
    const h = new SchedulerHarness({}, false);
    notify(h, [{ name: "mlserver", expectedReplicas: 2 }], true);
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    expect(h.s.isReady()).toBe(false);
    expect(h.state("iris").state).toBe("ModelStateUnknown");
    h.subscribeAgent("mlserver", 1);
    expect(h.s.isReady()).toBe(true);
    expect(h.logs()).toContain("All (num: 2) servers connected");
    expect(h.state("iris")).toMatchObject({ state: "ModelProgressing", server: "mlserver" });
    const line = logsOf(h).find((l) => l.msg === "All (num: 2) servers connected")!;
    expect(line.fields).toEqual({ source: "ServerBasedSynchroniser" });
  });

  it("counts replicas that connected before the signal, and a reconnect only once", () => {
    const h = new SchedulerHarness({}, false);
    h.subscribeAgent("mlserver", 0);
    h.disconnectAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 0);
    notify(h, [{ name: "mlserver", expectedReplicas: 2 }], true);
    expect(h.s.isReady()).toBe(false);
    h.subscribeAgent("mlserver", 1);
    expect(h.s.isReady()).toBe(true);
  });

  it("a replica's new subscription waits for its previous handler, held by the synchroniser, to see its stream end", () => {
    const h = new SchedulerHarness({ readyTimeoutSeconds: 600 }, false);
    notify(h, [{ name: "mlserver", expectedReplicas: 2 }], true);
    h.subscribeAgent("mlserver", 0);
    h.disconnectAgent("mlserver", 0); // the agent restarts ...
    h.subscribeAgent("mlserver", 0); // ... and subscribes again: queued behind the old handler
    expect(h.logs().filter((l) => l === "Received subscribe request from mlserver:0")).toHaveLength(1);
    h.loadModel("iris");
    h.advance(600_000);
    // the old handler removes its replica, then the new subscription adds it back
    const logs = h.logs();
    expect(logs.indexOf("Client replica mlserver:0 has disconnected")).toBeLessThan(logs.lastIndexOf("Received subscribe request from mlserver:0"));
    expect(logs.filter((l) => l === "Received subscribe request from mlserver:0")).toHaveLength(2);
    expect([...h.s.store.servers.get("mlserver")!.replicas.keys()]).toEqual([0]);
    expect(h.state("iris")).toMatchObject({ state: "ModelProgressing", server: "mlserver", replicas: { 0: "Loading" } });
  });

  it("a Server CR asking for more replicas than run stalls until the ready timeout, without the All line", () => {
    const h = new SchedulerHarness({ readyTimeoutSeconds: 600 }, false);
    notify(h, [{ name: "mlserver", expectedReplicas: 3 }], true);
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    h.advance(599_000);
    expect(h.state("iris").state).toBe("ModelStateUnknown");
    h.advance(1_000);
    expect(h.s.isReady()).toBe(true);
    expect(h.state("iris").state).toBe("ModelProgressing");
    expect(h.logs().some((l) => l.includes("servers connected"))).toBe(false);
    h.advance(10_000);
    expect(h.logs()).toContain("Scheduler is ready");
  });

  it("is ready at once when the first sync announces no replicas; a later first sync changes nothing", () => {
    const h = new SchedulerHarness({}, false);
    notify(h, [], true);
    expect(h.s.isReady()).toBe(true);
    notify(h, [{ name: "mlserver", expectedReplicas: 5 }], true);
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    expect(h.state("iris").state).toBe("ModelProgressing");
  });

  it("holds the resources marker and the model status stream, but not the servers marker", () => {
    const h = new SchedulerHarness({}, false);
    h.feed({ kind: "incoming", call: "cp", method: M.scheduler.SubscribeControlPlane, request: { subscriberName: "seldon manager" }, peer: "c" });
    h.feed({ kind: "incoming", call: "ms", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: "seldon manager" }, peer: "c" });
    expect(repliesTo(h, "cp")).toEqual([{ event: "SEND_SERVERS" }]);
    notify(h, [{ name: "mlserver", expectedReplicas: 1 }], true);
    h.loadModel("iris");
    expect(repliesTo(h, "ms")).toEqual([]);
    h.subscribeAgent("mlserver", 0);
    expect(repliesTo(h, "cp")).toEqual([{ event: "SEND_SERVERS" }, { event: "SEND_RESOURCES" }]);
    expect(repliesTo(h, "ms").length).toBeGreaterThan(0);
  });
});

describe("drain waits (the agent server's model relocated waiter)", () => {
  it("AgentDrain answers once the models are Available elsewhere, after envoy's batch and 3s", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris", { replicas: 1 });
    h.ackAll();
    const placed = Number(Object.keys(h.state("iris").replicas)[0]);
    const from = h.effects.length;
    h.call(M.agent.AgentDrain, { serverName: "mlserver", replicaIdx: placed });
    const drainReply = (): unknown[] => h.effects.slice(from).filter((e) => e.kind === "reply" && (e.message as { success?: boolean }).success === true);
    h.advance(10_000);
    expect(drainReply()).toEqual([]);
    h.agentEvent("mlserver", 1 - placed, "iris", 1, "LOADED", 900_000_000);
    h.advance(250);
    // routing made the new replica Available: that released the waiter
    const available = h.s.store.models.get("iris")!.latest()!.replicas.get(1 - placed)!;
    expect(available.state).toBe("Available");
    h.advance(available.at + 3_249 - h.now);
    expect(drainReply()).toEqual([]);
    h.advance(1);
    expect(drainReply()).toHaveLength(1);
  });

  it("answers after the settling wait alone when the replica has no models", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    const from = h.effects.length;
    h.call(M.agent.AgentDrain, { serverName: "mlserver", replicaIdx: 0 });
    h.advance(3_249);
    expect(h.effects.slice(from).some((e) => e.kind === "reply")).toBe(false);
    h.advance(1);
    expect(h.effects.slice(from).filter((e) => e.kind === "reply")).toEqual([expect.objectContaining({ message: { success: true } })]);
  });

  it("does not wait for a model that cannot be rescheduled", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    h.ackAll();
    const from = h.effects.length;
    h.call(M.agent.AgentDrain, { serverName: "mlserver", replicaIdx: 0 });
    h.advance(3_250);
    expect(h.effects.slice(from).filter((e) => e.kind === "reply")).toEqual([expect.objectContaining({ message: { success: true } })]);
  });
});

describe("server autoscaling (ServerScalingRequest)", () => {
  it("a model wanting more replicas than its server has scales the server up, bounded by max replicas", () => {
    const h = new SchedulerHarness();
    notify(h, [{ name: "mlserver", expectedReplicas: 1, minReplicas: 1, maxReplicas: 3 }], false);
    const call = subscribeServerStatus(h);
    h.subscribeAgent("mlserver", 0);
    const from = h.effects.length;
    h.loadModel("iris", { replicas: 4, minReplicas: 1 });
    const scaling = repliesTo(h, call, from).filter((m) => (m as PbServerStatusResponse).type === "ScalingRequest") as PbServerStatusResponse[];
    expect(scaling).toHaveLength(1);
    expect(scaling[0]).toMatchObject({ serverName: "mlserver", expectedReplicas: 3, kubernetesMeta: { namespace: "default", generation: 1 } });
    expect(h.logs()).toContain("Server mlserver is scaling up to 3");
  });

  it("retrying failed models does not send scale-up requests (ScheduleFailedModels drops them)", () => {
    const h = new SchedulerHarness();
    notify(h, [{ name: "mlserver", expectedReplicas: 1, maxReplicas: 3 }], false);
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { replicas: 3, minReplicas: 1 });
    h.ackAll();
    expect(h.state("iris")).toMatchObject({ state: "ModelAvailable", available: 1 });
    const scalingLines = (): number => h.logs().filter((l) => l === "Server mlserver is scaling up to 3").length;
    expect(scalingLines()).toBe(1);
    h.subscribeAgent("mlserver", 1);
    expect(Object.keys(h.state("iris").replicas)).toHaveLength(2);
    expect(scalingLines()).toBe(1);
  });

  it("does not scale a server without max replicas, nor when server autoscaling is off", () => {
    for (const [opts, max] of [[{}, 0], [{ serverAutoscaling: false }, 3]] as const) {
      const h = new SchedulerHarness(opts);
      notify(h, [{ name: "mlserver", expectedReplicas: 1, maxReplicas: max }], false);
      h.subscribeAgent("mlserver", 0);
      h.loadModel("iris", { replicas: 2, minReplicas: 1 });
      expect(h.logs().some((l) => l.includes("is scaling"))).toBe(false);
    }
  });

  it("an unloaded model leaving a replica empty scales the server down to the replicas still used", () => {
    const h = new SchedulerHarness();
    notify(h, [{ name: "mlserver", expectedReplicas: 2, minReplicas: 1, maxReplicas: 3 }], false);
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("a", { replicas: 1 });
    h.loadModel("b", { replicas: 1 });
    h.ackAll();
    h.call(M.scheduler.UnloadModel, { model: { name: "b" } });
    h.ackAll();
    expect(h.logs()).toContain("Server mlserver is scaling down to 1");
  });

  it("decides as v2.9.0's shouldScaleUp / shouldScaleDown", () => {
    const stats = (empty: number, maxHosted: number) => ({ numEmptyReplicas: empty, maxNumReplicaHostedModels: maxHosted });
    expect(shouldScaleUp({ expectedReplicas: -1, minReplicas: 0, maxReplicas: 4, stats: stats(0, 3) })).toEqual({ scale: false, replicas: 0 });
    expect(shouldScaleUp({ expectedReplicas: 1, minReplicas: 0, maxReplicas: 4, stats: stats(0, 3) })).toEqual({ scale: true, replicas: 3 });
    expect(shouldScaleUp({ expectedReplicas: 3, minReplicas: 0, maxReplicas: 4, stats: stats(0, 3) })).toEqual({ scale: false, replicas: 3 });
    // one replica is never scaled down; min replicas 0 counts as 1
    expect(shouldScaleDown({ expectedReplicas: 1, minReplicas: 0, maxReplicas: 4, stats: stats(1, 0) }, 0, null)).toEqual({ scale: false, replicas: 1 });
    expect(shouldScaleDown({ expectedReplicas: 4, minReplicas: 2, maxReplicas: 4, stats: stats(3, 1) }, 0, null)).toEqual({ scale: true, replicas: 2 });
    // packing (always drawn when the threshold is 1) removes replicas the biggest model does not need
    expect(shouldScaleDown({ expectedReplicas: 4, minReplicas: 0, maxReplicas: 4, stats: stats(0, 2) }, 1, new Rng(1))).toEqual({ scale: true, replicas: 2 });
    expect(shouldScaleDown({ expectedReplicas: 4, minReplicas: 0, maxReplicas: 4, stats: stats(0, 2) }, 0, new Rng(1))).toEqual({ scale: false, replicas: 4 });
  });
});

describe("a failed send during sync", () => {
  it("marks the replica LoadFailed with the stream's error when the agent went while the scheduler was not ready", () => {
    const h = new SchedulerHarness({}, false);
    notify(h, [{ name: "mlserver", expectedReplicas: 2 }], true);
    h.subscribeAgent("mlserver", 0, { memory: 2_000_000_000 });
    h.loadModel("iris", { replicas: 1 });
    // the Subscribe handler is still in its start-up scheduling: the dead stream stays registered
    h.disconnectAgent("mlserver", 0);
    const from = h.effects.length;
    h.subscribeAgent("mlserver", 1);
    const logs = logsOf(h).slice(0);
    const failed = logs.find((l) => l.msg === "stream message send failed for model iris and replicaidx 0");
    expect(failed?.fields).toEqual({ source: "AgentServer", func: "Sync", error: "rpc error: code = Canceled desc = context canceled" });
    const mv = h.s.store.models.get("iris")!.latest()!;
    // the failed replica is recorded, then the disconnect retries the failed model on replica 1
    expect(h.effects.slice(from).some((e) => e.kind === "observe" && (e.event as { type: string }).type === "scheduler.decision")).toBe(true);
    expect(mv.replicaState(1)).toBe("Loading");
    expect(logs.findIndex((l) => l.msg === "Client replica mlserver:0 has disconnected")).toBeGreaterThan(logs.indexOf(failed!));
  });
});

describe("model runtime info", () => {
  it("is stored on LOADED, never overwritten, and multiplies the model's memory for later placements", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0, { memory: 1000 });
    h.loadModel("iris", { memory: 300 });
    h.call(M.agent.AgentEvent, {
      serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 1, event: "LOADED", availableMemoryBytes: 100,
      runtimeInfo: { mlserver: { parallelWorkers: 3 } },
    });
    const mv = h.s.store.models.get("iris")!.latest()!;
    expect(mv.requiredMemory()).toBe(900n);
    h.call(M.agent.AgentEvent, {
      serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 1, event: "LOADED", availableMemoryBytes: 100,
      runtimeInfo: { mlserver: { parallelWorkers: 1 } },
    });
    expect(mv.requiredMemory()).toBe(900n);
    // an identical LoadModel from the controller is not a new version
    h.loadModel("iris", { memory: 300 });
    expect(h.state("iris").version).toBe(1);
  });

  it("comparing definitions ignores runtime info on decoded messages, marker included", () => {
    const base = { meta: { name: "a" }, modelSpec: { uri: "gs://x", memoryBytes: 100 }, deploymentSpec: { replicas: 1 } };
    const plain = (roundTripRequest(M.scheduler.LoadModel, { model: base }) as { model: Parameters<typeof compareModels>[0] }).model;
    const withInfo = (roundTripRequest(M.scheduler.LoadModel, {
      model: { ...base, modelSpec: { ...base.modelSpec, modelRuntimeInfo: { triton: { cpu: [{ instanceCount: 2 }] } } } },
    }) as { model: Parameters<typeof compareModels>[0] }).model;
    expect(compareModels(plain, withInfo).equal).toBe(true);
    const other = (roundTripRequest(M.scheduler.LoadModel, { model: { ...base, modelSpec: { ...base.modelSpec, uri: "gs://y" } } }) as { model: Parameters<typeof compareModels>[0] }).model;
    expect(compareModels(plain, other)).toMatchObject({ equal: false, modelSpecDiffers: true });
  });
});

describe("scaling triggers", () => {
  const trigger = (h: SchedulerHarness, model: string, kind: "SCALE_UP" | "SCALE_DOWN", version = 1): void => {
    h.feed({ kind: "incoming", call: "trig", method: M.agent.ModelScalingTrigger, peer: "agent" });
    h.feed({ kind: "incomingMessage", call: "trig", message: { serverName: "mlserver", replicaIdx: 0, modelName: model, modelVersion: version, trigger: kind, amount: 1, metrics: [] } });
  };
  const reasons = (h: SchedulerHarness): unknown[] => logsOf(h).filter((l) => l.msg.startsWith("Could not scale model")).map((l) => l.fields?.error);

  it("are refused for a model without autoscaling, whatever the scheduler's flag", () => {
    for (const modelAutoscaling of [false, true]) {
      const h = new SchedulerHarness({ modelAutoscaling });
      h.subscribeAgent("mlserver", 0);
      h.subscribeAgent("mlserver", 1);
      h.loadModel("iris", { replicas: 1 });
      h.ackAll();
      trigger(h, "iris", "SCALE_UP");
      expect(reasons(h)).toEqual(["No autoscaling for model iris"]);
      expect(h.state("iris").replicas).toEqual({ [Object.keys(h.state("iris").replicas)[0]!]: "Available" });
    }
  });

  it("scale a model with min replicas up even when model autoscaling is off", () => {
    const h = new SchedulerHarness({ modelAutoscaling: false });
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.loadModel("iris", { replicas: 1, minReplicas: 1 });
    h.ackAll();
    trigger(h, "iris", "SCALE_UP");
    expect(reasons(h)).toEqual([]);
    expect(h.s.store.models.get("iris")!.latest()!.desiredReplicas()).toBe(2);
  });

  it("give Seldon's reasons for a version mismatch, a recent change and the min replicas bound", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { replicas: 1, minReplicas: 1 });
    h.ackAll();
    trigger(h, "iris", "SCALE_UP", 7);
    trigger(h, "iris", "SCALE_DOWN");
    h.advance(61_000);
    trigger(h, "iris", "SCALE_DOWN");
    expect(reasons(h)).toEqual([
      "Model version iris not matching (expected: 1 - actual: 7)",
      "Model iris has changed status recently, skip scaling",
      "Violating min replicas 1 / 0 for model iris",
    ]);
  });
});

describe("envoy route table (incremental processor)", () => {
  it("routes a model once it can take traffic, logs Seldon's route lines, and removes the route on delete", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    expect(h.logs()).toContain("Remove routes for model iris");
    expect(h.logs()).toContain("No route found for model iris");
    expect(h.s.routes.has("iris")).toBe(false);
    h.agentEvent("mlserver", 0, "iris", 1, "LOADED", 900_000_000);
    expect(h.logs()).toContain("Handle vanilla no experiment traffic for iris");
    expect(h.s.routes.routes.get("iris")!.clusters).toEqual([
      { modelName: "iris", modelVersion: 1, weight: 100, httpCluster: "iris_1_http", grpcCluster: "iris_1_grpc" },
    ]);
    expect([...h.s.routes.clusters.get("iris_1_http")!.endpoints.keys()]).toEqual(["mlserver-0:9000"]);
    h.advance(250);
    expect(h.state("iris").state).toBe("ModelAvailable");
    h.call(M.scheduler.UnloadModel, { model: { name: "iris" } });
    h.ackAll();
    expect(h.s.routes.has("iris")).toBe(false);
    expect(h.s.routes.clusters.size).toBe(0);
  });

  it("splits traffic between the last available version and the new one by their replicas", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.subscribeAgent("mlserver", 1);
    h.subscribeAgent("mlserver", 2);
    h.loadModel("iris", { replicas: 1 });
    h.ackAll();
    h.loadModel("iris", { replicas: 2, uri: "gs://models/iris-v2" });
    const v2 = h.s.store.models.get("iris")!.version(2)!;
    const idx = [...v2.replicas.keys()];
    h.agentEvent("mlserver", idx[0]!, "iris", 2, "LOADED", 900_000_000);
    const split = h.s.routes.routes.get("iris")!.clusters.map((c) => [c.modelVersion, c.weight]);
    expect(split).toEqual([[1, 50], [2, 50]]);
  });

  it("log lines carry Seldon's logrus fields", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris");
    const byMsg = (m: string): Log => logsOf(h).find((l) => l.msg === m)!;
    expect(byMsg("Remove routes for model iris").fields).toEqual({ source: "SeldonXDSCache", func: "RemoveRoute" });
    expect(byMsg("Sending load model request for iris").fields).toEqual({ source: "AgentServer", func: "Sync" });
    expect(byMsg("Received subscribe request from mlserver:0").fields).toEqual({ source: "AgentServer", func: "Subscribe" });
    expect(byMsg("Adding model iris(1) to server mlserver replica 0 list of loaded / loading models").fields).toEqual({ source: "MemoryStore", func: "updateModelStateImpl" });
  });
});
