import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";
import { Faults } from "../../src/faults/faults.ts";
import { parseFault } from "../../src/faults/spec.ts";

const unary = (client: any, method: string, req: object): Promise<any> =>
  new Promise((resolve, reject) => client[method](req, (err: any, resp: any) => (err ? reject(err) : resolve(resp))));

describe("message rules on what an outside peer sends to serve", () => {
  let running: RunningServe;
  let faults: Faults;
  beforeAll(async () => {
    running = await startServe({
      host: "127.0.0.1", namespace: "seldon-mesh", schedulerPort: 0, agentPort: 0,
      servers: [parseServerSpec("mlserver:1", "seldon-mesh", "1000000000")], inferenceGrpcPort: 0, inferenceHttpPort: 0,
    });
    faults = new Faults(running.session.engine, 1);
  });
  afterAll(async () => {
    await running.stop();
  });

  it("answer one matching LoadModel of a real gRPC client with the rule's status, and let the others through", async () => {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
    const port = running.ports.get("seldon-mesh/seldon-scheduler-0:9004")!;
    const controller = new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    faults.add(parseFault({ id: "deny-blocked", message: { method: "LoadModel", direction: "request", match: { "model.meta.name": "blocked" }, action: { status: { code: "PERMISSION_DENIED", message: "denied by rule" } } } }, "", "x"));
    const load = (name: string) => unary(controller, "LoadModel", { model: { meta: { name }, modelSpec: { uri: "gs://m", requirements: ["sklearn"], memoryBytes: 100 }, deploymentSpec: { replicas: 1 } } });
    await expect(load("blocked")).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "denied by rule" });
    await expect(load("fine")).resolves.toBeDefined();
    expect(running.session.scheduler("seldon-mesh")!.store.models.has("blocked")).toBe(false);
    expect(running.session.scheduler("seldon-mesh")!.store.models.has("fine")).toBe(true);
    expect(running.session.engine.trace.filter((e) => e.type === "fault" && e.fault === "deny-blocked")).toHaveLength(1);
    controller.close();
  });
});
