/**
 * What an outside peer can and cannot do to `serve`: address internal state through metadata,
 * hold connections that never speak, keep the process from stopping, skip TLS.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as net from "node:net";
import { parseServerSpec, startServe, type RunningServe, type ServeOptions } from "../../src/cli/commands/serve.ts";
import { collect, generated, hold, sleep, unary, until } from "./clients.ts";
import { testPki } from "./certs.ts";

const ns = "seldon-mesh";
const { Scheduler, Agent } = generated();
let running: RunningServe | null = null;
const clients: grpc.Client[] = [];

async function serve(extra: Partial<ServeOptions> = {}, servers = ["mlserver:1"]): Promise<RunningServe> {
  running = await startServe({
    host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0,
    servers: servers.map((s) => parseServerSpec(s, ns, "1000000000")),
    inferenceGrpcPort: 0, inferenceHttpPort: 0, ...extra,
  });
  return running;
}

function client<T extends grpc.ServiceClientConstructor>(ctor: T, port: number, host = "127.0.0.1", creds = grpc.credentials.createInsecure()): any {
  const c = new ctor(`${host.includes(":") ? `[${host}]` : host}:${port}`, creds);
  clients.push(c);
  return c;
}

const schedulerPort = (r: RunningServe) => r.ports.get(`${ns}/seldon-scheduler-0:9004`)!;
const agentPort = (r: RunningServe) => r.ports.get(`${ns}/seldon-scheduler-0:9005`)!;

async function replicasOf(controller: any, server: string): Promise<number> {
  const statuses = await collect(controller, "ServerStatus", { subscriberName: "probe", name: server }).catch(() => []);
  return statuses[0]?.resources?.length ?? 0;
}

async function modelState(controller: any, name: string): Promise<string> {
  const statuses = await collect(controller, "ModelStatus", { subscriberName: "probe", model: { name } }).catch(() => []);
  return statuses[0]?.versions?.[0]?.state?.state ?? "";
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await running?.stop();
  running = null;
});

describe("serve: metadata addresses nothing inside", () => {
  it("treats a call carrying x-seldon-sim-call as an ordinary outside call, whatever id it names", async () => {
    const r = await serve();
    const controller = client(Scheduler, schedulerPort(r));
    expect(await until(async () => (await replicasOf(controller, "mlserver")) === 1, 15_000)).toBe(true);
    // Every id an internal call could have had, and some that none had.
    for (const id of [...Array.from({ length: 120 }, (_, i) => i + 1), 999_999, -1]) {
      const md = new grpc.Metadata();
      md.set("x-seldon-sim-call", String(id));
      const resp = await unary(controller, "ServerNotify", { servers: [{ name: "mlserver", expectedReplicas: 1 }] }, md);
      expect(resp).toEqual({});
    }
    // An outside agent stream with a forged id is a new subscription, not a takeover of the
    // internal agent's stream: when it leaves, the internal replica is still there and serves.
    const md = new grpc.Metadata();
    md.set("x-seldon-sim-call", "3");
    const agent = client(Agent, agentPort(r));
    const forged = hold(agent.Subscribe({ serverName: "intruder", replicaIdx: 0, replicaConfig: { memoryBytes: 1000, capabilities: ["sklearn"] }, availableMemoryBytes: 1000 }, md));
    await sleep(300);
    (agent as grpc.Client).close();
    await sleep(300);
    expect(forged.messages).toEqual([]);
    expect(await replicasOf(controller, "mlserver")).toBe(1);
    await unary(controller, "LoadModel", { model: { meta: { name: "iris" }, modelSpec: { uri: "gs://m", requirements: ["sklearn"], memoryBytes: 1000 }, deploymentSpec: { replicas: 1 } } });
    expect(await until(async () => (await modelState(controller, "iris")) === "ModelAvailable", 20_000)).toBe(true);
  }, 60_000);
});

describe("serve: connections", () => {
  it("closes connections that never send the HTTP/2 preface, and keeps those that did", async () => {
    const r = await serve({ connectionTimeoutMs: 400 }, []);
    const port = schedulerPort(r);
    const controller = client(Scheduler, port);
    await unary(controller, "ServerNotify", { servers: [] }); // connected and spoken
    const silent = await Promise.all(Array.from({ length: 30 }, () => new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(s));
      s.on("error", () => {});
    })));
    // one that sends a few bytes and then nothing is no better
    const trickle = await new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.write("PRI * HTTP"); resolve(s); });
      s.on("error", () => {});
    });
    silent.push(trickle);
    const closed = silent.map((s) => new Promise<void>((resolve) => s.once("close", () => resolve())));
    const allClosed = await Promise.race([Promise.all(closed).then(() => true), sleep(5_000).then(() => false)]);
    expect(allClosed).toBe(true);
    // the well-behaved channel outlived the timeout and still works on its connection
    expect(await unary(controller, "ServerNotify", { servers: [] })).toEqual({});
  }, 30_000);

  it("binds IPv6 when asked, and nothing on IPv4", async () => {
    const r = await serve({ host: "::1" }, []);
    const port = schedulerPort(r);
    expect(r.listeners.every((l) => l.host === "::1")).toBe(true);
    expect(await unary(client(Scheduler, port, "::1"), "ServerNotify", { servers: [] })).toEqual({});
    const v4 = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve("connected"); });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(v4).toBe("ECONNREFUSED");
  }, 30_000);
});

describe("serve: stopping", () => {
  it("ends every stream an outside peer holds with UNAVAILABLE and stops within 5 s", async () => {
    const r = await serve({}, []);
    const controller = client(Scheduler, schedulerPort(r));
    const agent = client(Agent, agentPort(r));
    const sub = hold(agent.Subscribe({ serverName: "external", replicaIdx: 0, replicaConfig: { memoryBytes: 1000 }, availableMemoryBytes: 1000 }));
    const watch = hold(controller.SubscribeModelStatus({ subscriberName: "watcher" }));
    const servers = hold(controller.SubscribeServerStatus({ subscriberName: "watcher" }));
    let busy = true;
    const hammer = (async () => {
      while (busy) await unary(controller, "ServerNotify", { servers: [] }).catch(() => sleep(5));
    })();
    await sleep(500);
    const t0 = Date.now();
    await r.stop();
    const took = Date.now() - t0;
    running = null;
    busy = false;
    await hammer;
    expect(took).toBeLessThan(5_000);
    expect(await until(() => [sub, watch, servers].every((h) => h.status !== null), 3_000)).toBe(true);
    for (const h of [sub, watch, servers]) expect(h.status!.code).toBe(grpc.status.UNAVAILABLE);
  }, 30_000);
});

describe("serve: TLS on the scheduler's ports", () => {
  const pki = testPki();
  const tlsClient = (port: number, cert?: { cert: string; key: string }) => client(Scheduler, port, "localhost",
    grpc.credentials.createSsl(Buffer.from(pki.ca), cert ? Buffer.from(cert.key) : null, cert ? Buffer.from(cert.cert) : null));

  it("with a CA, serves a client presenting a certificate the CA signed and refuses the others", async () => {
    const r = await serve({ tls: { cert: Buffer.from(pki.server.cert), key: Buffer.from(pki.server.key), ca: Buffer.from(pki.ca) } }, []);
    const port = schedulerPort(r);
    expect(await unary(tlsClient(port, pki.client), "ServerNotify", { servers: [] })).toEqual({});
    await expect(unary(tlsClient(port), "ServerNotify", { servers: [] })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(unary(tlsClient(port, pki.stranger), "ServerNotify", { servers: [] })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(unary(client(Scheduler, port), "ServerNotify", { servers: [] })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(r.listeners.filter((l) => l.key.startsWith(`${ns}/seldon-scheduler-0`)).every((l) => l.protocol === "grpc+tls")).toBe(true);
  }, 60_000);

  it("without a CA, serves TLS clients without certificates and refuses plaintext", async () => {
    const r = await serve({ tls: { cert: Buffer.from(pki.server.cert), key: Buffer.from(pki.server.key) } }, []);
    const port = agentPort(r);
    const agent = client(Agent, port, "localhost", grpc.credentials.createSsl(Buffer.from(pki.ca)));
    const s = hold(agent.Subscribe({ serverName: "tls-agent", replicaIdx: 0, replicaConfig: { memoryBytes: 1000 }, availableMemoryBytes: 1000 }));
    await sleep(500);
    expect(s.status).toBeNull(); // subscribed and held open
    await expect(unary(client(Scheduler, schedulerPort(r)), "ServerNotify", { servers: [] })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  }, 60_000);
});
