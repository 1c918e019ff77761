import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { generated } from "../hardening/clients.ts";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";

const unary = (client: any, method: string, req: object): Promise<any> =>
  new Promise((resolve, reject) => client[method](req, (err: any, resp: any) => (err ? reject(err) : resolve(resp))));

describe("seldon-sim serve", () => {
  let running: RunningServe;
  const ns = "seldon-mesh";
  beforeAll(async () => {
    running = await startServe({
      host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0,
      servers: [parseServerSpec("mlserver:1", ns, "1000000000")],
      inferenceGrpcPort: 0, inferenceHttpPort: 0,
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  it("lets an outside agent and an outside controller join, and serves MLServer over gRPC and REST", async () => {
    const { Scheduler, Agent, Inference } = generated();
    const schedulerPort = running.ports.get(`${ns}/seldon-scheduler-0:9004`)!;
    const agentPort = running.ports.get(`${ns}/seldon-scheduler-0:9005`)!;
    const controller = new Scheduler(`127.0.0.1:${schedulerPort}`, grpc.credentials.createInsecure()) as any;
    const agentClient = new Agent(`127.0.0.1:${agentPort}`, grpc.credentials.createInsecure()) as any;

    // an outside agent for server "external", replica 0
    const ops: any[] = [];
    const stream = agentClient.Subscribe({
      serverName: "external", shared: true, replicaIdx: 0,
      replicaConfig: { inferenceSvc: "ext", inferenceHttpPort: 1, inferenceGrpcPort: 2, memoryBytes: 1000, capabilities: ["special"], overCommitPercentage: 0 },
      availableMemoryBytes: 1000,
    });
    stream.on("data", (m: any) => ops.push(m));
    stream.on("error", () => {});
    await new Promise((r) => setTimeout(r, 300));

    await unary(controller, "ServerNotify", { servers: [{ name: "external", expectedReplicas: 1, shared: true }], isFirstSync: true });
    await unary(controller, "LoadModel", { model: { meta: { name: "special-model" }, modelSpec: { uri: "gs://m", requirements: ["special"], memoryBytes: 100 }, deploymentSpec: { replicas: 1 } } });
    for (let i = 0; i < 50 && ops.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ops[0]).toMatchObject({ operation: "LOAD_MODEL", modelVersion: { version: 1, model: { meta: { name: "special-model" } } } });
    await unary(agentClient, "AgentEvent", { serverName: "external", replicaIdx: 0, modelName: "special-model", modelVersion: 1, event: "LOADED", availableMemoryBytes: 900 });

    let state = "";
    for (let i = 0; i < 40 && state !== "ModelAvailable"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const statuses: any[] = await new Promise((resolve, reject) => {
        const out: any[] = [];
        const s = controller.ModelStatus({ subscriberName: "test", model: { name: "special-model" } });
        s.on("data", (m: any) => out.push(m));
        s.on("end", () => resolve(out));
        s.on("error", reject);
      });
      state = statuses[0].versions[0].state.state;
    }
    expect(state).toBe("ModelAvailable");

    // the bundled server's MLServer over gRPC and REST
    const grpcPort = running.ports.get(`${ns}/mlserver-0:9500`)!;
    const inference = new Inference(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure()) as any;
    // MLServer takes a few seconds to boot after its container starts; until then: UNAVAILABLE
    let live: any = null;
    for (let i = 0; i < 100 && live === null; i++) {
      live = await unary(inference, "ServerLive", {}).catch((e) => {
        expect(e.code).toBe(14);
        return null;
      });
      if (live === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(live.live).toBe(true);
    const httpPort = running.ports.get(`${ns}/mlserver-0:9000`)!;
    const rest = await fetch(`http://127.0.0.1:${httpPort}/v2/health/live`);
    expect(rest.status).toBe(200);
    const missing = await fetch(`http://127.0.0.1:${httpPort}/v2/models/nope/infer`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ inputs: [] }) });
    expect(missing.status).toBe(404);

    stream.cancel();
    controller.close();
    agentClient.close();
    inference.close();
  });
});
