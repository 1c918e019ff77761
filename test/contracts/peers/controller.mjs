// A controller written only from the protos (no seldon-sim code): it subscribes, answers the
// control-plane events with the manifests it is given, and re-subscribes with back-off.
// BROKEN=<behaviour> makes it deliberately wrong in one way.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as fs from "node:fs";
import { parseAllDocuments } from "yaml";

const broken = process.env.BROKEN ?? "";
const def = protoLoader.loadSync(["mlops/scheduler/scheduler.proto"], { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs: [new URL("../../../protos/", import.meta.url).pathname] });
const Scheduler = grpc.loadPackageDefinition(def).seldon.mlops.scheduler.Scheduler;
const client = new Scheduler(`${process.env.SELDON_SCHEDULER_HOST}:${process.env.SELDON_SCHEDULER_PORT}`, grpc.credentials.createInsecure());
const docs = parseAllDocuments(fs.readFileSync(process.env.SELDON_SIM_MANIFESTS, "utf8")).map((d) => d.toJS());
const servers = docs.filter((d) => d.kind === "Server");
const models = docs.filter((d) => d.kind === "Model");
const name = broken === "anonymous" ? "" : "test controller";

function loop(method, onData) {
  let wait = 1000;
  const go = () => {
    let opened = false;
    const s = client[method]({ subscriberName: name });
    s.on("data", (m) => { opened = true; wait = 1000; onData(m); });
    s.on("error", () => {});
    // one status ends each stream: re-subscribe after a back-off that grows while tries fail
    s.on("status", () => {
      const w = broken === "no-backoff" ? 5 : wait * (0.5 + Math.random());
      if (!opened) wait = Math.min(wait * 1.5, 15000);
      setTimeout(go, w);
    });
  };
  go();
}
const unary = (m, req) => new Promise((r) => client[m](req, () => r()));
loop("SubscribeModelStatus", () => {});
loop("SubscribeServerStatus", () => {});
loop("SubscribeControlPlane", async (m) => {
  if (m.event === "SEND_SERVERS") {
    await unary("ServerNotify", { isFirstSync: true, servers: servers.map((s) => ({ name: s.metadata.name, expectedReplicas: broken === "replicas" ? 0 : s.spec.replicas ?? 1, shared: true, kubernetesMeta: { namespace: s.metadata.namespace, generation: 1 } })) });
  } else if (m.event === "SEND_RESOURCES" && broken !== "ignore-resources") {
    for (const md of models) {
      await unary("LoadModel", { model: {
        meta: { name: md.metadata.name, kubernetesMeta: { namespace: md.metadata.namespace, generation: broken === "generation" ? 0 : 1 } },
        modelSpec: { uri: md.spec.storageUri, requirements: md.spec.requirements, memoryBytes: 1000000 },
        deploymentSpec: { replicas: md.spec.replicas ?? 1 },
      } });
    }
  }
});
process.on("SIGTERM", () => process.exit(0));
