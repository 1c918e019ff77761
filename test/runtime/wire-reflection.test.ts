import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { service as healthService } from "grpc-health-check";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";

const require = createRequire(import.meta.url);
const reflectionProto = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, { keepCase: true })) as any;
const Health = grpc.makeGenericClientConstructor(healthService, "Health");

describe("reflection shared by listeners that serve the same services", () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await startServe({
      host: "127.0.0.1", namespace: "seldon-mesh", schedulerPort: 0, agentPort: 0,
      servers: [parseServerSpec("mlserver:2", "seldon-mesh", "1000000000")], inferenceGrpcPort: 0, inferenceHttpPort: 0,
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  const target = (key: string) => `127.0.0.1:${running.ports.get(key)!}`;

  async function listed(key: string): Promise<string[]> {
    const client = new pkg.grpc.reflection.v1.ServerReflection(target(key), grpc.credentials.createInsecure());
    const call = client.ServerReflectionInfo();
    const answer = new Promise<any>((resolve, reject) => {
      call.on("data", resolve);
      call.on("error", reject);
    });
    call.write({ list_services: "" });
    const r = await answer;
    call.end();
    client.close();
    return r.list_services_response.service.map((s: any) => s.name as string).filter((n: string) => !n.startsWith("grpc."));
  }

  it("lists on every port exactly the services that port serves", async () => {
    expect(await listed("seldon-mesh/mlserver-0:9500")).toEqual(["inference.GRPCInferenceService"]);
    expect(await listed("seldon-mesh/mlserver-1:9500")).toEqual(["inference.GRPCInferenceService"]);
    expect(await listed("seldon-mesh/seldon-scheduler-0:9004")).toEqual(["seldon.mlops.scheduler.Scheduler"]);
    expect(await listed("seldon-mesh/seldon-scheduler-0:9005")).toEqual(["seldon.mlops.agent.AgentService"]);
  });

  it("keeps each port's health its own process's", async () => {
    const check = (key: string) => {
      const client = new Health(target(key), grpc.credentials.createInsecure()) as any;
      return new Promise<string>((resolve, reject) => client.Check({ service: "" }, (e: any, r: any) => {
        client.close();
        return e ? reject(e) : resolve(r.status);
      }));
    };
    const until = async (key: string, wanted: string) => {
      let status = "";
      for (let i = 0; i < 100 && status !== wanted; i++) {
        status = await check(key);
        if (status !== wanted) await new Promise((r) => setTimeout(r, 50));
      }
      return status;
    };
    expect(await until("seldon-mesh/mlserver-0:9500", "SERVING")).toBe("SERVING");
    expect(await until("seldon-mesh/mlserver-1:9500", "SERVING")).toBe("SERVING");
    running.session.crash("seldon-mesh", "mlserver-0", "mlserver");
    expect(await until("seldon-mesh/mlserver-0:9500", "NOT_SERVING")).toBe("NOT_SERVING");
    expect(await check("seldon-mesh/mlserver-1:9500")).toBe("SERVING");
  });
});
