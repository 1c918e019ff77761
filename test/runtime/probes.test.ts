import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { service as healthService } from "grpc-health-check";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";

const require = createRequire(import.meta.url);
const reflectionProto = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");

describe("health and reflection on the fakes' ports", () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await startServe({
      host: "127.0.0.1", namespace: "seldon-mesh", schedulerPort: 0, agentPort: 0,
      servers: [parseServerSpec("mlserver:1", "seldon-mesh", "1000000000")], inferenceGrpcPort: 0, inferenceHttpPort: 0,
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  const port = (key: string) => running.ports.get(key)!;

  it("answers grpc.health.v1.Health/Check with the process's state", async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, "Health");
    const client = new Health(`127.0.0.1:${port("seldon-mesh/seldon-scheduler-0:9004")}`, grpc.credentials.createInsecure()) as any;
    const check = (service: string) => new Promise<any>((resolve, reject) => client.Check({ service }, (e: any, r: any) => (e ? reject(e) : resolve(r))));
    // health follows the process within one refresh (200 ms), as a probe polling it sees it
    let up = "";
    for (let i = 0; i < 50 && up !== "SERVING"; i++) {
      up = (await check("")).status;
      if (up !== "SERVING") await new Promise((r) => setTimeout(r, 50));
    }
    expect(up).toBe("SERVING");
    expect((await check("seldon.mlops.scheduler.Scheduler")).status).toBe("SERVING");
    await expect(check("no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    running.session.crash("seldon-mesh", "seldon-scheduler-0", "scheduler");
    let status = "";
    for (let i = 0; i < 50 && status !== "NOT_SERVING"; i++) {
      status = (await check("")).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("NOT_SERVING");
    client.close();
  });

  it("lists each port's services by server reflection", async () => {
    const def = protoLoader.loadSync(reflectionProto, { keepCase: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port("seldon-mesh/mlserver-0:9500")}`, grpc.credentials.createInsecure());
    const call = client.ServerReflectionInfo();
    const answer = new Promise<any>((resolve, reject) => {
      call.on("data", resolve);
      call.on("error", reject);
    });
    call.write({ list_services: "" });
    const r = await answer;
    call.end();
    expect(r.list_services_response.service.map((s: any) => s.name)).toContain("inference.GRPCInferenceService");
    client.close();
  });
});

describe("with --no-grpc-probes", () => {
  it("answers a health check UNIMPLEMENTED, as Seldon v2.9.0's scheduler does", async () => {
    const running = await startServe({
      host: "127.0.0.1", namespace: "seldon-mesh", schedulerPort: 0, agentPort: 0, servers: [],
      inferenceGrpcPort: 0, inferenceHttpPort: 0, grpcProbes: false,
    });
    try {
      const Health = grpc.makeGenericClientConstructor(healthService, "Health");
      const client = new Health(`127.0.0.1:${running.ports.get("seldon-mesh/seldon-scheduler-0:9004")}`, grpc.credentials.createInsecure()) as any;
      await expect(new Promise((resolve, reject) => client.Check({ service: "" }, (e: any, r: any) => (e ? reject(e) : resolve(r))))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
      client.close();
    } finally {
      await running.stop();
    }
  });
});
