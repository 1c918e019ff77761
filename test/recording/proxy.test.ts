import { describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";
import { startServe } from "../../src/cli/commands/serve.ts";
import { startProxy } from "../../src/proxy/proxy.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";

describe("seldon-sim proxy", () => {
  it("relays calls between real peers, records Seldon's messages both ways, and passes unknown methods through", async () => {
    const ns = "seldon-mesh";
    const served = await startServe({ host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0, servers: [], inferenceGrpcPort: 0, inferenceHttpPort: 0 });
    const entries: RecordEntry[] = [];
    const unknown: string[] = [];
    const proxy = await startProxy({
      listen: { host: "127.0.0.1", port: 0 },
      target: { host: "127.0.0.1", port: served.ports.get(`${ns}/seldon-scheduler-0:9004`)! },
      onEntry: (e) => entries.push(e),
      onUnknownMethod: (p) => unknown.push(p),
    });
    try {
      const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
      const client = new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
      const statuses: any[] = [];
      const stream = client.SubscribeModelStatus({ subscriberName: "via proxy" });
      stream.on("data", (m: any) => statuses.push(m));
      stream.on("error", () => {});
      await new Promise((r) => setTimeout(r, 200));
      const loaded = await new Promise<any>((resolve, reject) =>
        client.LoadModel({ model: { meta: { name: "iris" }, modelSpec: { uri: "gs://x", requirements: ["sklearn"] }, deploymentSpec: { replicas: 1 } } }, (err: any, r: any) => (err ? reject(err) : resolve(r))));
      expect(loaded).toEqual({});
      for (let i = 0; i < 40 && statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(statuses.length).toBeGreaterThan(0);
      // a method no Seldon service has: the bytes pass through, the server's answer comes back
      const raw = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
      const err = await new Promise<any>((resolve) =>
        raw.makeUnaryRequest("/other.Service/Method", (b: Buffer) => b, (b: Buffer) => b, Buffer.from([1, 2, 3]), (e) => resolve(e)));
      expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
      stream.cancel();
      client.close();
      raw.close();
      await new Promise((r) => setTimeout(r, 100));
      const of = (m: string, dir: string) => entries.filter((e) => e.method.endsWith(`/${m}`) && e.kind === "message" && e.direction === dir);
      expect(of("SubscribeModelStatus", "request")[0]!.message).toEqual({ subscriberName: "via proxy" });
      expect(of("SubscribeModelStatus", "response").length).toBe(statuses.length);
      expect(of("LoadModel", "request")[0]!.message).toMatchObject({ model: { meta: { name: "iris" } } });
      expect(of("LoadModel", "response").length).toBe(1);
      expect(entries.find((e) => e.method.endsWith("/LoadModel") && e.kind === "status")!.status!.name).toBe("OK");
      expect(unknown).toEqual(["/other.Service/Method"]);
      expect(entries.find((e) => e.method === "/other.Service/Method" && e.kind === "status")!.status!.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(entries.filter((e) => e.method === "/other.Service/Method" && e.kind === "message")).toEqual([]);
    } finally {
      await proxy.close();
      await served.stop();
    }
  }, 30_000);
});
