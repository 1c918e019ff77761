import { describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";
import { startServe } from "../../src/cli/commands/serve.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";
import { replay } from "../../src/replay/replay.ts";

const ns = "seldon-mesh";
const serve = (observe?: Parameters<typeof startServe>[0]["observe"]) =>
  startServe({ host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0, servers: [], inferenceGrpcPort: 0, inferenceHttpPort: 0, awaitController: true, ...(observe ? { observe } : {}) });

describe("seldon-sim replay", () => {
  it("plays a recorded controller against a scheduler: the same answers pass, a changed one is the first divergence", async () => {
    let entries: RecordEntry[] = [];
    const first = await serve((e) => { entries = new Recorder(e).keep(); });
    try {
      const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
      const c = new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${first.ports.get(`${ns}/seldon-scheduler-0:9004`)}`, grpc.credentials.createInsecure());
      const unary = (m: string, req: object) => new Promise<void>((r) => c[m](req, () => r()));
      await unary("ServerNotify", { servers: [{ name: "mlserver", expectedReplicas: 1, shared: true }], isFirstSync: true });
      await unary("LoadModel", { model: { meta: { name: "iris" }, modelSpec: { uri: "gs://x", requirements: ["sklearn"] }, deploymentSpec: { replicas: 1 } } });
      await unary("UnloadModel", { model: { name: "iris" } });
      await unary("UnloadModel", { model: { name: "never-loaded" } });
      c.close();
    } finally {
      await first.stop();
    }
    const second = await serve();
    try {
      const target = `127.0.0.1:${second.ports.get(`${ns}/seldon-scheduler-0:9004`)}`;
      const same = await replay(entries, "controller", target, 300);
      expect(same.calls).toBe(4);
      expect(same.divergence).toBeNull();
      // the recording says the second UnloadModel succeeded: the scheduler's NOT_FOUND diverges
      const changed = entries.map((e) => (e.kind === "status" && e.method.endsWith("/UnloadModel") && e.status!.code !== 0 ? { ...e, status: { code: 0, name: "OK", details: "" } } : e));
      const withReply = changed.flatMap((e) => (e.kind === "status" && e.method.endsWith("/UnloadModel") && e.stream === changed.filter((x) => x.method.endsWith("/UnloadModel")).at(-1)!.stream
        ? [{ ...e, kind: "message" as const, index: 0, message: {} }, e] : [e]));
      const r = await replay(withReply, "controller", target, 300);
      expect(r.divergence).not.toBeNull();
      expect(r.divergence!.method).toMatch(/\/UnloadModel$/);
      expect(r.divergence!.diff).toEqual(["(message): {} → (missing)"]);
    } finally {
      await second.stop();
    }
  }, 30_000);
});
