/**
 * Replica churn under load on a running `serve` (wire runtime, real gRPC clients): many clients
 * call LoadModel / ModelStatus / ServerStatus for a while, then every model's replicas go
 * 1 → 2 → 1 → 2, and the script counts the models that do not end ModelAvailable with two
 * replicas. It also prints how far run time got during the load, which must keep up with the
 * wall clock (docs/agent.md, "Replica churn under load"). CHURN_DEBUG=1 adds the clock every 2 s, a digest of the scheduler's warnings and the
 * last placement decisions of one model. Run with:
 *
 *   npx tsx bench/churn.ts --clients 64 --models 640 --seconds 60 --server mlserver:2
 */
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../src/proto/index.ts";
import { parseServerSpec, startServe } from "../src/cli/commands/serve.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    clients: { type: "string", default: "64" },
    models: { type: "string", default: "640" },
    seconds: { type: "string", default: "60" },
    server: { type: "string", default: "mlserver:2" },
    memory: { type: "string", default: "1000000000" },
    "settle-seconds": { type: "string", default: "60" },
    /** Start the load only once every server replica has connected. */
    "wait-replicas": { type: "boolean", default: false },
  },
});
const CLIENTS = Number(values.clients);
const MODELS = Number(values.models);
const SECONDS = Number(values.seconds);
const NS = "seldon-mesh";

const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
const unary = (c: any, m: string, req: object): Promise<{ code: number; details: string }> =>
  new Promise((resolve) => c[m](req, (err: grpc.ServiceError | null) => resolve({ code: err?.code ?? 0, details: err?.details ?? "" })));
const stream = (c: any, m: string, req: object): Promise<any[]> =>
  new Promise((resolve) => {
    const out: any[] = [];
    const s = c[m](req);
    s.on("data", (x: any) => out.push(x));
    s.on("error", () => resolve(out));
    s.on("end", () => resolve(out));
  });

const model = (i: number, replicas: number) => ({
  model: {
    meta: { name: `churn-${i}`, kubernetesMeta: { namespace: NS, generation: 1 } },
    modelSpec: { uri: `gs://models/churn-${i}`, requirements: ["sklearn"], memoryBytes: 1000 },
    deploymentSpec: { replicas, minReplicas: 0, maxReplicas: 0 },
  },
});

async function main(): Promise<void> {
  const running = await startServe({
    host: "127.0.0.1", namespace: NS, schedulerPort: 0, agentPort: 0,
    servers: [parseServerSpec(values.server!, NS, values.memory!)], inferenceGrpcPort: 0, inferenceHttpPort: 0,
  });
  const port = running.ports.get(`${NS}/seldon-scheduler-0:9004`)!;
  const clients = Array.from({ length: CLIENTS }, () => new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
  const controller = clients[0];
  // with --wait-replicas, every server replica connected first (agents wait for MLServer to boot)
  const wanted = values["wait-replicas"] ? Number(values.server!.split(":")[1] ?? 1) : 0;
  for (let i = 0; i < 600 && wanted > 0; i++) {
    const st = await stream(controller, "ServerStatus", { subscriberName: "wait" });
    if ((st[0]?.resources?.length ?? 0) >= wanted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const t0 = Date.now();
  const errors = new Map<string, number>();
  const count = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);

  // 1. load: every client loads its share of models and polls statuses
  const end = t0 + SECONDS * 1000;
  const sampler = process.env["CHURN_DEBUG"]
    ? setInterval(() => {
        const e = running.session.engine as any;
        console.log(`  wall ${Date.now() - t0} virtual ${Math.round(e.now)} inFlight ${e.transport.inFlight} queue ${e.queue.size} head ${JSON.stringify({ at: e.queue.peek()?.at, awaiting: e.queue.peek()?.awaiting?.() })}`);
      }, 2000)
    : undefined;
  let calls = 0;
  await Promise.all(clients.map(async (c, k) => {
    let n = 0;
    while (Date.now() < end) {
      const i = (k + CLIENTS * n++) % MODELS;
      const r = await unary(c, "LoadModel", model(i, 1));
      if (r.code !== 0) count(`LoadModel ${r.code} ${r.details}`);
      await stream(c, "ModelStatus", { subscriberName: `c${k}`, model: { name: `churn-${i}` } });
      await stream(c, "ServerStatus", { subscriberName: `c${k}` });
      calls += 3;
    }
  }));
  clearInterval(sampler);
  console.log(`virtual clock at end of load: ${running.session.engine.now} ms after ${Date.now() - t0} ms of wall time`);
  for (const l of running.session.engine.logs) if (l.msg.startsWith("Received subscribe request from mlserver")) console.log(`  at ${l.t}: ${l.msg}`);
  console.log(`load: ${calls} calls from ${CLIENTS} clients in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 2. churn: 1 → 2 → 1 → 2, each step for every model, spread over the clients
  for (const replicas of [2, 1, 2]) {
    await Promise.all(clients.map(async (c, k) => {
      for (let i = k; i < MODELS; i += CLIENTS) {
        const r = await unary(c, "LoadModel", model(i, replicas));
        if (r.code !== 0) count(`LoadModel ${r.code} ${r.details}`);
      }
    }));
    await new Promise((r) => setTimeout(r, 500));
  }

  // 3. settle and count
  const settleEnd = Date.now() + Number(values["settle-seconds"]) * 1000;
  let stuck: any[] = [];
  for (;;) {
    const statuses = await stream(controller, "ModelStatus", { subscriberName: "count" });
    stuck = statuses
      .filter((s) => s.modelName.startsWith("churn-"))
      .map((s) => ({ name: s.modelName, state: s.versions[0]?.state, replicas: s.versions[0]?.modelReplicaState }))
      .filter((s) => s.state?.state !== "ModelAvailable" || s.state?.availableReplicas !== 2);
    if (stuck.length === 0 || Date.now() > settleEnd) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`stuck: ${stuck.length} of ${MODELS} models not ModelAvailable with 2 replicas`);
  for (const s of stuck.slice(0, 5)) console.log(JSON.stringify(s));
  for (const [e, n] of errors) console.log(`${n} x ${e}`);
  if (process.env["CHURN_DEBUG"]) {
    console.log(JSON.stringify(await stream(controller, "ServerStatus", { subscriberName: "count" })));
    const seen = new Map<string, number>();
    for (const l of running.session.engine.logs) {
      if (l.level === "info" && !/disconnect|subscribe request|Failed/.test(l.msg)) continue;
      const k = `${l.pod}/${l.container} ${l.level} ${JSON.stringify(l.fields ?? {}).replace(/churn-\\d+(:\\d+)?/g, "M").replace(/\\d+/g, "N")} ${l.msg.replace(/churn-\d+(:\d+)?/g, "M").replace(/\d+/g, "N")}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    for (const [k, n] of seen) console.log(`${n} x ${k}`);
    const sched = running.session.engine.pods.get("seldon-mesh/seldon-scheduler-0") ?? [...running.session.engine.pods.values()].find((p) => p.name === "seldon-scheduler-0");
    const comp = [...sched!.processes.values()][0]!.component as any;
    const ds = comp.decisions.filter((d: any) => d.full.model === "churn-0");
    for (const d of ds.slice(-4)) {
      console.log(d.full.outcome, JSON.stringify(d.full.explanation.servers.map((s: any) => ({ s: s.name, ok: s.accepted, f: s.filters.filter((f: any) => !f.passed), r: s.replicas.map((r: any) => ({ i: r.idx, ok: r.accepted, f: r.filters.filter((f: any) => !f.passed) })) }))));
      console.log(JSON.stringify(d.snapshot.servers.map((s: any) => s.replicas.map((r: any) => ({ i: r.idx, a: String(r.availableMemoryBytes), res: String(r.reservedMemoryBytes), dr: r.draining })))));
    }
  }
  const sched = [...running.session.engine.pods.values()].flatMap((p) => [...p.processes.values()]).map((p) => `${p.id} restarts ${p.restarts}`);
  console.log(sched.join("\n"));
  for (const c of clients) c.close();
  await running.stop();
  process.exitCode = stuck.length === 0 ? 0 : 1;
}

void main();
