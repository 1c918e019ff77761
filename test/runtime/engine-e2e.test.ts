import { describe, expect, it } from "vitest";
import { createEngine, prepare, type RuntimeKind } from "../../src/runtime/index.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { Agent } from "../../src/agent/agent.ts";
import { agentConfigFromEnv } from "../../src/agent/config.ts";
import { MlServer } from "../../src/mlserver/server.ts";
import { Rng } from "../../src/core/rng.ts";
import { M } from "../../src/proto/index.ts";
import type { Component, Effect, Input } from "../../src/core/protocol.ts";
import { agentEnv } from "../../src/cluster/serverconfig.ts";
import type { Engine } from "../../src/runtime/engine.ts";

/** A scripted client: sends calls when told to, records what comes back. */
class Client implements Component {
  readonly role = "controller";
  readonly name = "client";
  readonly listeners = [];
  readonly responses: { call: string; message: unknown }[] = [];
  readonly closed: { call: string; code: number; details: string }[] = [];
  handle(input: Input): Effect[] {
    if (input.kind === "response") this.responses.push({ call: input.call, message: input.message });
    if (input.kind === "closed") this.closed.push({ call: input.call, code: input.status.code, details: input.status.details });
    return [];
  }
}

async function cluster(kind: RuntimeKind): Promise<{ engine: Engine; client: Client }> {
  const engine = await createEngine(kind);
  engine.addPod({
    name: "seldon-scheduler-0", namespace: "ns", ip: "10.42.0.10", services: ["seldon-scheduler"],
    processes: [{ container: "scheduler", role: "scheduler", spawn: () => new Scheduler({ namespace: "ns" }) }],
  });
  for (const i of [0, 1]) {
    const pod = `mlserver-${i}`;
    const env = agentEnv("mlserver", { MEMORY_REQUEST: "1000000" }, pod, "ns");
    engine.addPod({
      name: pod, namespace: "ns", ip: `10.42.0.${20 + i}`, services: ["mlserver"], server: "mlserver", replica: i,
      processes: [
        { container: "agent", role: "agent", spawn: () => {
          const config = agentConfigFromEnv(env, pod);
          return new Agent(config, { schedulerAddress: "seldon-scheduler:9005", inferenceAddress: `0.0.0.0:${config.inferenceGrpcPort}`, rng: new Rng(i) });
        } },
        { container: "mlserver", role: "mlserver", spawn: () => new MlServer({ name: pod }) },
      ],
    });
  }
  const client = new Client();
  engine.addPod({ name: "client-0", namespace: "seldon-system", ip: "10.42.0.99", processes: [{ container: "client", role: "controller", spawn: () => client }] });
  await prepare(engine);
  engine.startAll();
  return { engine, client };
}

function replicaStates(engine: Engine): string {
  const s = engine.proc("ns", "seldon-scheduler-0", "scheduler").component as Scheduler;
  const v = s.store.models.get("iris")?.latest();
  if (!v) return "none";
  return `${v.status.state}:${v.status.availableReplicas}:` + [...v.replicas].sort((a, b) => a[0] - b[0]).map(([i, r]) => `${i}=${r.state}`).join(",");
}

async function flow(kind: RuntimeKind): Promise<string[]> {
  const { engine, client } = await cluster(kind);
  const seen: string[] = [];
  const note = () => {
    const s = replicaStates(engine);
    if (seen[seen.length - 1] !== s) seen.push(s);
    return false;
  };
  try {
    await engine.runUntil(5_000);
    const proc = engine.proc("seldon-system", "client-0", "client");
    engine.apply(proc, [
      { kind: "call", call: "notify", target: "seldon-scheduler.ns:9004", method: M.scheduler.ServerNotify,
        request: { servers: [{ name: "mlserver", expectedReplicas: 2, shared: true }], isFirstSync: true } },
      { kind: "call", call: "load", target: "seldon-scheduler.ns:9004", method: M.scheduler.LoadModel,
        request: { model: { meta: { name: "iris" }, modelSpec: { uri: "gs://x", requirements: ["sklearn"], memoryBytes: 1000 }, deploymentSpec: { replicas: 2 } } } },
    ]);
    await engine.runUntilCondition(note, engine.now + 10_000);
    if (process.env.DEBUG_E2E) for (const l of engine.logs) console.log(l.pod, l.level, l.msg, JSON.stringify(l.fields));
    expect(replicaStates(engine)).toBe("ModelAvailable:2:0=Available,1=Available");
    const s = engine.proc("ns", "seldon-scheduler-0", "scheduler").component as Scheduler;
    for (const r of s.store.servers.get("mlserver")!.replicas.values()) expect(r.availableMemory).toBe(1_100_000n - 1000n);
    engine.apply(proc, [{ kind: "call", call: "unload", target: "seldon-scheduler.ns:9004", method: M.scheduler.UnloadModel, request: { model: { name: "iris" } } }]);
    await engine.runUntilCondition(note, engine.now + 10_000);
    expect(replicaStates(engine)).toBe("ModelTerminated:0:0=Unloaded,1=Unloaded");
    expect(client.closed.map((c) => c.code)).toEqual([0, 0, 0]);
    expect(engine.logs.some((l) => l.msg === "Received subscribe request from mlserver:1")).toBe(true);
    return seen;
  } finally {
    await engine.transport.close();
  }
}

describe("end to end on the engine", () => {
  it("sim and wire go through the same model states", async () => {
    const sim = await flow("sim");
    const wire = await flow("wire");
    expect(sim).toContain("ModelProgressing:0:0=Loading,1=Loading");
    expect(wire).toEqual(sim);
  });
});
