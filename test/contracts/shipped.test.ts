import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadContractFile } from "../../src/contracts/parse.ts";
import { verifyContract } from "../../src/contracts/verify.ts";
import type { Effect } from "../../src/core/protocol.ts";
import { isMethod, mapMessage, plant, type Rewrite } from "./plant.ts";
import { M } from "../../src/proto/index.ts";

const contract = (name: string) => loadContractFile(path.resolve("contracts", `${name}.yaml`));

/** Per shipped contract: for each clause, one deliberately broken fake that must fail it. */
const BROKEN: Record<string, Record<string, Rewrite>> = {
  agent: {
    // subscribes at once, before asking whether its inference server is live
    "waits-for-inference-server-before-subscribing": () => null, // set below: it needs state
    // retries ServerLive in a tight loop
    "retries-inference-server-with-backoff": (e) =>
      e.kind === "setTimer" && e.timer.endsWith(":wait-inference-server") ? { ...e, afterMs: 5 } : e,
    "subscribe-names-server-and-replica": (e, c) => (isMethod(c, "Subscribe") ? mapMessage(e, (m) => ({ ...m, replicaIdx: 3 })) : e),
    "subscribe-announces-memory": (e, c) =>
      isMethod(c, "Subscribe") ? mapMessage(e, (m) => ({ ...m, availableMemoryBytes: 0, replicaConfig: { ...m.replicaConfig, memoryBytes: 0 } })) : e,
    "subscribe-announces-configured-capabilities": (e, c) =>
      isMethod(c, "Subscribe") ? mapMessage(e, (m) => ({ ...m, replicaConfig: { ...m.replicaConfig, capabilities: m.replicaConfig.capabilities.slice(1) } })) : e,
    // loads the model without its version suffix
    "load-model-loads-version-then-reports-loaded": (e, c) =>
      isMethod(c, "RepositoryModelLoad") ? mapMessage(e, (m) => ({ ...m, model_name: m.model_name.replace(/_\d+$/, "") })) : e,
    "unload-model-unloads-version-then-reports-unloaded": (e, c) =>
      isMethod(c, "RepositoryModelUnload") ? mapMessage(e, (m) => ({ ...m, model_name: m.model_name.replace(/_\d+$/, "") })) : e,
    "retries-failed-load-with-backoff": (e) => (e.kind === "setTimer" && e.timer.endsWith(":operation-retry") ? { ...e, afterMs: 1 } : e),
    // never tells the scheduler the load failed
    "reports-load-failed": (e, c) => (isMethod(c, "AgentEvent") ? mapMessage(e, (m) => (m.event === "LOAD_FAILED" ? null : m)) : e),
    "never-loaded-after-failed-load": (e, c) => (isMethod(c, "AgentEvent") ? mapMessage(e, (m) => (m.event === "LOAD_FAILED" ? { ...m, event: "LOADED" } : m)) : e),
    "events-name-server-and-replica": (e, c) => (isMethod(c, "AgentEvent") ? mapMessage(e, (m) => ({ ...m, serverName: "other" })) : e),
  },
  controller: {
    "subscribes-to-model-status-as-named-subscriber": (e, c) => (isMethod(c, "SubscribeModelStatus") ? mapMessage(e, (m) => ({ ...m, subscriberName: "" })) : e),
    "subscribes-to-server-status-as-named-subscriber": (e, c) => (isMethod(c, "SubscribeServerStatus") ? mapMessage(e, (m) => ({ ...m, subscriberName: "" })) : e),
    "subscribes-to-control-plane": (e, c) => (isMethod(c, "SubscribeControlPlane") ? mapMessage(e, (m) => ({ ...m, subscriberName: " " })) : e),
    // sends its models before any model status stream is open
    "model-status-subscription-before-load-model": (e, c) => (isMethod(c, "SubscribeModelStatus") && e.kind === "call" ? null : e),
    "send-servers-answered-with-first-sync": (e, c) => (isMethod(c, "ServerNotify") ? mapMessage(e, (m) => ({ ...m, isFirstSync: false })) : e),
    "server-notify-announces-server-replicas": (e, c) =>
      isMethod(c, "ServerNotify") ? mapMessage(e, (m) => ({ ...m, servers: m.servers.map((s: any) => ({ ...s, expectedReplicas: 0 })) })) : e,
    "send-resources-answered-with-load-model": (e, c) => (isMethod(c, "LoadModel") && e.kind === "call" ? null : e),
    "load-model-carries-spec-and-kubernetes-meta": (e, c) =>
      isMethod(c, "LoadModel") ? mapMessage(e, (m) => ({ ...m, model: { ...m.model, meta: { ...m.model.meta, kubernetesMeta: { ...m.model.meta.kubernetesMeta, generation: 0 } } } })) : e,
    // after the scheduler went away, re-subscribes in a tight loop
    "resubscribes-after-scheduler-loss-with-backoff": (e, c) => (e.kind === "setTimer" && c.now > 11_000 && e.afterMs >= 400 ? { ...e, afterMs: 5 } : e),
    // forgets its models once the scheduler came back
    "resends-resources-after-scheduler-restart": (e, c) => (isMethod(c, "LoadModel") && e.kind === "call" && c.now > 12_000 ? null : e),
  },
  scheduler: {
    "control-plane-asks-for-servers-then-resources": (e, c) =>
      isMethod(c, "SubscribeControlPlane") ? mapMessage(e, (m) => (m.event === "SEND_RESOURCES" ? null : m)) : e,
    "load-model-sent-to-capable-agent": (e, c) => (isMethod(c, "Subscribe") ? mapMessage(e, (m) => (m.operation === "LOAD_MODEL" ? null : m)) : e),
    "load-model-operation-names-version-and-spec": (e, c) =>
      isMethod(c, "Subscribe") ? mapMessage(e, (m) => (m.operation === "LOAD_MODEL" ? { ...m, modelVersion: { ...m.modelVersion, version: 0 } } : m)) : e,
    "model-available-after-agent-reports-loaded": (e, c) =>
      isMethod(c, "SubscribeModelStatus") ? mapMessage(e, (m) => (m.versions?.[0]?.state?.state === "ModelAvailable" ? null : m)) : e,
    "unload-model-sent-to-agent": (e, c) => (isMethod(c, "Subscribe") ? mapMessage(e, (m) => (m.operation === "UNLOAD_MODEL" ? null : m)) : e),
    // places the model no server can take
    "never-places-model-without-capable-server": (e, c) =>
      isMethod(c, "Subscribe") ? mapMessage(e, (m) => (m.operation === "LOAD_MODEL" ? { ...m, modelVersion: { ...m.modelVersion, model: { ...m.modelVersion.model, meta: { ...m.modelVersion.model.meta, name: "needs-gpu" } } } } : m)) : e,
    "unplaceable-model-reported-schedule-failed": (e, c) =>
      isMethod(c, "SubscribeModelStatus") ? mapMessage(e, (m) => (m.versions?.[0]?.state?.state === "ScheduleFailed" ? null : m)) : e,
  },
  mlserver: {
    "server-live-answers-live": (e, c) => (isMethod(c, "ServerLive") ? mapMessage(e, (m) => ({ ...m, live: false })) : e),
    "repository-index-answers-a-list": (e, c) => failWith(e, c.method?.endsWith("/RepositoryIndex") ?? false),
    "repository-load-answers-ok": (e, c) => failWith(e, isMethod(c, "RepositoryModelLoad")),
    "repository-unload-answers-ok": (e, c) => failWith(e, isMethod(c, "RepositoryModelUnload")),
    "never-fails-a-load-it-can-serve": (e, c) => failWith(e, isMethod(c, "RepositoryModelLoad")),
  },
};

/** A call answered with an error instead of its answer. */
function failWith(e: Effect, applies: boolean): Effect | null {
  if (!applies) return e;
  if (e.kind === "reply") return null;
  if (e.kind === "finish") return { ...e, status: { code: 13, details: "planted failure" } };
  return e;
}

// An agent that subscribes at once, before asking whether its inference server is live.
function subscribeEarly(): Rewrite {
  let sent = false;
  return (e: Effect, c) => {
    if (sent || e.kind !== "call" || !isMethod(c, "ServerLive")) return e;
    sent = true;
    const subscribe: Effect = {
      kind: "call", call: "planted-subscribe", target: "seldon-scheduler:9005", method: M.agent.Subscribe,
      request: { serverName: "mlserver", replicaIdx: 0, shared: true, replicaConfig: { memoryBytes: 1073741824, capabilities: ["sklearn"] }, availableMemoryBytes: 1073741824 },
    };
    return [subscribe, e];
  };
}

describe("the shipped contracts", () => {
  for (const name of ["agent", "controller", "scheduler", "mlserver"]) {
    it(`${name}: seldon-sim's own ${name} passes every clause`, async () => {
      const r = await verifyContract(contract(name), { kind: "fake", runtime: "sim" });
      expect(r.notes).toEqual([]);
      expect(r.verdicts.filter((v) => !v.passed).map((v) => `${v.clause.name}: ${v.reason}`)).toEqual([]);
      expect(r.verdicts.map((v) => v.clause.name).sort()).toEqual(Object.keys(BROKEN[name]!).sort());
    }, 60_000);

    for (const clause of Object.keys(BROKEN[name]!)) {
      it(`${name}: a fake broken for ${clause} fails that clause`, async () => {
        const rewrite = name === "agent" && clause === "waits-for-inference-server-before-subscribing" ? subscribeEarly() : BROKEN[name]![clause]!;
        const r = await verifyContract(contract(name), { kind: "fake", runtime: "sim", wrap: plant(name, rewrite) });
        const v = r.verdicts.find((x) => x.clause.name === clause)!;
        expect(v.passed, v.reason).toBe(false);
      }, 60_000);
    }
  }
});
