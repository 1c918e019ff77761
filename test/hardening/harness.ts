/**
 * Outside peers of a running `serve`: gRPC clients generated from the .proto files as any tool
 * would make them, a raw client that sends arbitrary bytes, and the checks every hardening test
 * ends with (no process crashed or restarted).
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";

export const NS = "seldon-mesh";

export async function startCluster(servers = ["mlserver:1"], memory = "1000000000"): Promise<RunningServe> {
  return startServe({
    host: "127.0.0.1", namespace: NS, schedulerPort: 0, agentPort: 0,
    servers: servers.map((s) => parseServerSpec(s, NS, memory)),
    inferenceGrpcPort: 0, inferenceHttpPort: 0,
  });
}

export function address(running: RunningServe, podPort: string): string {
  const port = running.ports.get(`${NS}/${podPort}`);
  if (port === undefined) throw new Error(`no port for ${podPort}`);
  return `127.0.0.1:${port}`;
}

export const schedulerAddress = (r: RunningServe) => address(r, "seldon-scheduler-0:9004");
export const agentAddress = (r: RunningServe) => address(r, "seldon-scheduler-0:9005");
export const inferenceAddress = (r: RunningServe) => address(r, "mlserver-0:9500");

let pkg: any;
function generated(): any {
  pkg ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
  return pkg;
}

export function controllerClient(r: RunningServe): any {
  return new (generated().seldon.mlops.scheduler.Scheduler as grpc.ServiceClientConstructor)(schedulerAddress(r), grpc.credentials.createInsecure());
}

export function agentClient(r: RunningServe): any {
  return new (generated().seldon.mlops.agent.AgentService as grpc.ServiceClientConstructor)(agentAddress(r), grpc.credentials.createInsecure());
}

export interface CallOutcome {
  code: number;
  details: string;
  messages: any[];
}

export function unary(client: any, method: string, req: object): Promise<CallOutcome> {
  return new Promise((resolve) =>
    client[method](req, (err: grpc.ServiceError | null, resp: any) =>
      resolve(err ? { code: err.code, details: err.details, messages: [] } : { code: 0, details: "", messages: [resp] }),
    ),
  );
}

/** A server-streaming call read to its end. */
export function streamToEnd(client: any, method: string, req: object): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const messages: any[] = [];
    const s = client[method](req);
    s.on("data", (m: any) => messages.push(m));
    s.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details, messages }));
    s.on("end", () => resolve({ code: 0, details: "", messages }));
  });
}

/** An agent's subscription held open; `messages` fills as the scheduler sends operations. */
export interface HeldStream {
  messages: any[];
  status: Promise<CallOutcome>;
  cancel(): void;
}

export function subscribe(client: any, req: object): HeldStream {
  const messages: any[] = [];
  const s = client.Subscribe(req);
  s.on("data", (m: any) => messages.push(m));
  const status = new Promise<CallOutcome>((resolve) => {
    s.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details, messages }));
    s.on("end", () => resolve({ code: 0, details: "", messages }));
  });
  return { messages, status, cancel: () => s.cancel() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function serverStatus(controller: any, name: string): Promise<any | null> {
  const out = await streamToEnd(controller, "ServerStatus", { subscriberName: "test", name });
  return out.code === 0 ? out.messages[0] : null;
}

export async function modelState(controller: any, name: string): Promise<any | null> {
  const out = await streamToEnd(controller, "ModelStatus", { subscriberName: "test", model: { name } });
  return out.code === 0 ? out.messages[0]?.versions?.[0]?.state ?? null : null;
}

/** Processes that crashed (a panic) since the cluster started: the engine counts the restart
 * the moment a process dies. (MLServer is legitimately down for its first seconds, booting.) */
export function casualties(r: RunningServe): string[] {
  const out: string[] = [];
  for (const pod of r.session.engine.pods.values()) {
    for (const proc of pod.processes.values()) if (proc.restarts > 0) out.push(`${proc.id} (restarts ${proc.restarts})`);
  }
  return out;
}

/** An outside agent's subscription request for a replica of `server` with `memory` bytes. */
export function agentRequest(server: string, idx: number, memory: string | number, extra: object = {}): object {
  return {
    serverName: server, shared: true, replicaIdx: idx,
    replicaConfig: { inferenceSvc: `${server}-${idx}`, inferenceHttpPort: 9000, inferenceGrpcPort: 9500, memoryBytes: memory, capabilities: [server], overCommitPercentage: 0 },
    availableMemoryBytes: memory,
    ...extra,
  };
}
