/**
 * v2.9.0's scheduler server on the cases of its own unit tests (server_test.go and
 * control_plane_test.go): a LoadModel that places or fails to place, UnloadModel outcomes,
 * ServerNotify recording servers and signalling the start-up synchroniser only on the first
 * sync, and a control-plane subscriber told to send servers, then resources.
 *
 * Not covered: pipelines and their status (not simulated); a control-plane marker send that
 * times out on a slow subscriber (our in-memory streams never block a send).
 * Seldon's unload test reads the state right after UnloadModel while its placement of the model
 * runs on another goroutine, so it sees the model terminated before any replica had it; here the
 * replicas first report the model loaded and the unload is checked once they report it unloaded.
 */
import { describe, expect, it } from "vitest";
import { M } from "../../src/proto/index.ts";
import { SchedulerHarness } from "../scheduler/harness.ts";

type Replica = { memory: number; capabilities: string[] };

describe("LoadModel: placed, or ScheduleFailed", () => {
  const one = (capabilities = ["sklearn"], memory = 1000): Replica => ({ memory, capabilities });
  it.each([
    { what: "one replica that fits", replicas: [one()], requirements: ["sklearn"], memory: 100, count: 1, failed: false },
    { what: "more replicas than the server has", replicas: [one()], requirements: ["sklearn"], memory: 100, count: 2, failed: true },
    { what: "more memory than the replica has", replicas: [one()], requirements: ["sklearn"], memory: 2000, count: 1, failed: true },
    { what: "a requirement the server lacks", replicas: [one()], requirements: ["xgboost"], memory: 100, count: 1, failed: true },
    { what: "several requirements all met", replicas: [one(["sklearn", "xgboost"])], requirements: ["sklearn", "xgboost"], memory: 100, count: 1, failed: false },
    { what: "two replicas on two that fit", replicas: [one(), one()], requirements: ["sklearn"], memory: 100, count: 2, failed: false },
    { what: "two replicas when one replica cannot take it", replicas: [one(), one(["foo"], 0)], requirements: ["sklearn"], memory: 100, count: 2, failed: true },
  ])("$what", ({ replicas, requirements, memory, count, failed }) => {
    const h = new SchedulerHarness();
    replicas.forEach((r, idx) => h.subscribeAgent("server1", idx, r));
    h.loadModel("model1", { replicas: count, memory, requirements });
    expect(h.state("model1").state === "ScheduleFailed").toBe(failed);
  });
});

describe("UnloadModel", () => {
  it.each([
    { what: "a model on one replica ends terminated", replicas: 1 },
    { what: "a model on two replicas ends terminated", replicas: 2 },
  ])("$what", ({ replicas }) => {
    const h = new SchedulerHarness();
    for (let i = 0; i < replicas; i++) h.subscribeAgent("server1", i, { capabilities: ["sklearn"] });
    h.loadModel("model1", { replicas, memory: 100 });
    h.ackAll();
    expect(h.state("model1").state).toBe("ModelAvailable");
    const out = h.call(M.scheduler.UnloadModel, { model: { name: "model1" } });
    expect(out.find((e) => e.kind === "finish")).toMatchObject({ status: { code: 0 } });
    h.ackAll();
    expect(h.state("model1").state).toBe("ModelTerminated");
  });

  it("a model placed nowhere yet is terminated at once", () => {
    const h = new SchedulerHarness();
    h.loadModel("model1", { replicas: 1, memory: 100 });
    h.call(M.scheduler.UnloadModel, { model: { name: "model1" } });
    expect(h.state("model1").state).toBe("ModelTerminated");
  });

  it("an unknown model is FAILED_PRECONDITION", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("server1", 0);
    const out = h.call(M.scheduler.UnloadModel, { model: { name: "model1" } });
    expect(out.find((e) => e.kind === "finish")).toMatchObject({ status: { code: 9, details: "Model model1 not found" } });
  });
});

describe("ServerNotify", () => {
  it.each([
    {
      what: "the first sync records the servers and signals the synchroniser",
      servers: [
        { name: "server1", expectedReplicas: 2, minReplicas: 1, maxReplicas: 3, shared: true },
        { name: "server2", expectedReplicas: 3, minReplicas: 0, maxReplicas: 0, shared: true },
      ],
      first: true,
    },
    { what: "a first sync with no servers signals too", servers: [], first: true },
    { what: "a later sync records the server without signalling", servers: [{ name: "server1", expectedReplicas: 2, minReplicas: 0, maxReplicas: 0, shared: true }], first: false },
  ])("$what", ({ servers, first }) => {
    const h = new SchedulerHarness({}, false);
    h.call(M.scheduler.ServerNotify, { servers, isFirstSync: first });
    const recorded = [...h.s.store.servers.values()]
      .map((s) => ({ name: s.name, expectedReplicas: s.expectedReplicas, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, shared: s.shared, replicas: s.replicas.size }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(recorded).toEqual(servers.map((s) => ({ ...s, replicas: 0 })));
    const signalled = h.logs().some((l) => l.startsWith("Signalling synchroniser with"));
    expect(signalled).toBe(first);
  });
});

describe("SubscribeControlPlane", () => {
  it("tells a new subscriber to send its servers, then its resources", () => {
    const h = new SchedulerHarness();
    const out = h.call(M.scheduler.SubscribeControlPlane, { subscriberName: "dummy" });
    const events = out.filter((e) => e.kind === "reply").map((e) => (e as { message: { event: string } }).message.event);
    expect(events).toEqual(["SEND_SERVERS", "SEND_RESOURCES"]);
  });
});
