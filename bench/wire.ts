/**
 * `wire` against gRPC's own ceiling, measured in one run: how many replica loads per second
 * the fakes carry over real grpc-js on loopback, and how many "loads" grpc-js itself carries
 * when each is the same count of unary calls and stream messages, of the same sizes, served
 * by handlers that do nothing.
 */
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CallId, Component, Effect, Input, MethodPath } from "../src/core/protocol.ts";
import { method as methodDef } from "../src/proto/index.ts";
import { INTERNAL_CHANNEL_OPTIONS, INTERNAL_SERVER_OPTIONS } from "../src/runtime/wire/transport.ts";
import { withoutStackFrames } from "../src/runtime/wire/no-stack-frames.ts";
import { modelResource, RolloutWatch, startCluster } from "./cluster.ts";

/** What one replica load is made of on the wire, measured on a small rollout. */
export interface LoadShape {
  unaryPerLoad: number;
  streamMessagesPerLoad: number;
  /** Mean encoded sizes, in bytes. */
  unaryRequestBytes: number;
  unaryResponseBytes: number;
  streamMessageBytes: number;
  /**
   * Share of the unary calls that go to the busiest listener (the scheduler's: `LoadModel`,
   * `AgentEvent`), the others going to one listener per agent (its MLServer's); and share of the
   * stream messages on the busiest stream (the controller's model status stream), the others
   * spread over the agents' streams.
   */
  unaryToHub: number;
  streamMessagesOnHub: number;
}

/** Replicas model `i` asks for (see `modelResource`). */
export const replicasOf = (i: number): number => 1 + (i % 3);
export const replicaLoads = (models: number): number => {
  let n = 0;
  for (let i = 0; i < models; i++) n += replicasOf(i);
  return n;
};

/** Counts and sizes every message of a small `sim` rollout, per replica load. */
export async function measureLoadShape(models = 60): Promise<LoadShape> {
  let counting = false;
  let reqBytes = 0;
  let resBytes = 0;
  let streamBytes = 0;
  /** Unary calls per target, and stream messages per stream, while counting. */
  const unaryByTarget = new Map<string, number>();
  const messagesByStream = new Map<string, number>();
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const size = (bytes: Buffer) => bytes.length;
  const watch = new RolloutWatch();
  let components = 0;
  const wrap = (component: Component): Component => {
    watch.wrap(component);
    const handle = component.handle.bind(component);
    const self = `${component.role}#${components++}`;
    const outgoing = new Map<CallId, MethodPath>();
    const incoming = new Map<CallId, MethodPath>();
    component.handle = (input: Input, now) => {
      if (input.kind === "incoming") incoming.set(input.call, input.method as MethodPath);
      const effects = handle(input, now);
      for (const e of effects as Effect[]) {
        if (e.kind === "call") outgoing.set(e.call, e.method as MethodPath);
        if (!counting) continue;
        if (e.kind === "call") {
          const def = methodDef(e.method as MethodPath);
          if (!def.requestStream && !def.responseStream) {
            count(unaryByTarget, String(e.target));
            reqBytes += size(def.requestSerialize(e.request ?? {}));
          } else if (!def.requestStream) {
            count(messagesByStream, `${self}/${e.call}`);
            streamBytes += size(def.requestSerialize(e.request ?? {}));
          }
        } else if (e.kind === "send") {
          const m = outgoing.get(e.call);
          if (m) {
            count(messagesByStream, `${self}/${e.call}`);
            streamBytes += size(methodDef(m).requestSerialize(e.message as object));
          }
        } else if (e.kind === "reply") {
          const m = incoming.get(e.call);
          if (!m) continue;
          const def = methodDef(m);
          const bytes = size(def.responseSerialize(e.message as object));
          if (def.responseStream) {
            count(messagesByStream, `${self}/${e.call}`);
            streamBytes += bytes;
          } else resBytes += bytes;
        }
      }
      return effects;
    };
    return component;
  };
  const s = await startCluster("sim", 4, 5, wrap);
  try {
    counting = true;
    for (let i = 0; i < models; i++) s.apply(modelResource(i));
    await s.waitFor(() => watch.available === models, 3_600_000);
    const loads = replicaLoads(models);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const busiest = (m: Map<string, number>) => Math.max(0, ...m.values());
    const unary = total(unaryByTarget);
    const stream = total(messagesByStream);
    return {
      unaryPerLoad: unary / loads,
      streamMessagesPerLoad: stream / loads,
      unaryRequestBytes: reqBytes / Math.max(1, unary),
      unaryResponseBytes: resBytes / Math.max(1, unary),
      streamMessageBytes: streamBytes / Math.max(1, stream),
      unaryToHub: busiest(unaryByTarget) / Math.max(1, unary),
      streamMessagesOnHub: busiest(messagesByStream) / Math.max(1, stream),
    };
  } finally {
    await s.close();
  }
}

/** How many of `total` things spread evenly over `n` slots fall in slot `i` (they add up to `total`). */
const share = (total: number, n: number, i: number): number => Math.floor(((i + 1) * total) / n) - Math.floor((i * total) / n);

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const CEILING_SERVICE: grpc.ServiceDefinition = {
  Unary: { path: "/bench.Ceiling/Unary", requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
  Stream: { path: "/bench.Ceiling/Stream", requestStream: false, responseStream: true, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
};

/** What the ceiling measured. */
export interface CeilingMeasurement {
  loadsPerS: number;
  /** CPU time per load, in ms (this process does nothing else meanwhile). */
  cpuMsPerLoad: number;
}

/**
 * grpc-js alone, laid out as `wire` lays out the fakes: one hub server (the scheduler) and one
 * server per agent (its MLServer), each on a Unix socket of its own as our processes' private
 * listeners are, with the same server and channel options. `loads` loads, in total exactly the
 * shape's unary calls (one after another within a load, as a load's steps are; the hub's share
 * to the hub, the others to the load's agent) and stream messages (the hub's share on one stream,
 * the others on the load's agent's stream), all loads in flight at once as in the rollout.
 * Handlers do nothing; payloads are bytes of the shape's sizes, so no protobuf work is counted.
 */
export async function grpcCeiling(shape: LoadShape, loads: number, agents: number): Promise<CeilingMeasurement> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "seldon-sim-ceiling-"));
  const response = Buffer.alloc(Math.round(shape.unaryResponseBytes));
  const streamMessage = Buffer.alloc(Math.round(shape.streamMessageBytes));
  const request = Buffer.alloc(Math.round(shape.unaryRequestBytes));
  const servers: grpc.Server[] = [];
  const Client = grpc.makeGenericClientConstructor(CEILING_SERVICE, "Ceiling");
  type CeilingClient = {
    Unary(req: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void): void;
    Stream(req: Buffer): grpc.ClientReadableStream<Buffer>;
    close(): void;
  };
  /** One listener: its server, a channel to it and the server side of the streams opened on it. */
  const listen = async (name: string) => {
    const streams: grpc.ServerWritableStream<Buffer, Buffer>[] = [];
    const server = new grpc.Server(INTERNAL_SERVER_OPTIONS);
    server.addService(CEILING_SERVICE, {
      Unary: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, response),
      Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => { streams.push(call); },
    });
    const target = `unix:${path.join(dir, `${name}.sock`)}`;
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())),
    );
    servers.push(server);
    const client = new Client(target, grpc.credentials.createInsecure(), INTERNAL_CHANNEL_OPTIONS) as unknown as CeilingClient;
    return { streams, client };
  };
  const hub = await listen("hub");
  const perAgent = await Promise.all(Array.from({ length: agents }, (_, i) => listen(`agent-${i}`)));
  let received = 0;
  let expected = 0;
  let done: () => void = () => {};
  const allReceived = new Promise<void>((r) => { done = r; });
  const open = (client: CeilingClient) => {
    const s = client.Stream(Buffer.alloc(0));
    s.on("data", () => { if (++received === expected && expected > 0) done(); });
    s.on("error", () => {});
    return s;
  };
  // The hub's stream, and one stream per agent (on the hub: the scheduler's agent streams).
  const readers = [open(hub.client), ...Array.from({ length: agents }, () => open(hub.client))];
  while (hub.streams.length < agents + 1) await new Promise((r) => setTimeout(r, 5));
  const [hubStream, ...agentStreams] = hub.streams;
  const totalUnary = Math.round(loads * shape.unaryPerLoad);
  const totalStream = Math.round(loads * shape.streamMessagesPerLoad);
  expected = totalStream;
  // Started as `wire` starts its calls, without the caller's stack frames (see no-stack-frames.ts).
  const unary = (client: CeilingClient) =>
    new Promise<void>((resolve, reject) => withoutStackFrames(() => client.Unary(request, (e) => (e ? reject(e) : resolve()))));
  let unaryIndex = 0;
  let streamIndex = 0;
  /** Whether the `index`th call (or message) is one of the hub's: its share, spread evenly. */
  const toHub = (index: number, hubShare: number) => Math.floor((index + 1) * hubShare) > Math.floor(index * hubShare);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: loads }, async (_, i) => {
      const calls = Array.from({ length: share(totalUnary, loads, i) }, () => toHub(unaryIndex++, shape.unaryToHub));
      const messages = Array.from({ length: share(totalStream, loads, i) }, () => toHub(streamIndex++, shape.streamMessagesOnHub));
      const agent = i % agents;
      for (const hubCall of calls) await unary(hubCall ? hub.client : perAgent[agent]!.client);
      for (const onHub of messages) (onHub ? hubStream! : agentStreams[agent]!).write(streamMessage);
    }),
  );
  if (expected > 0 && received < expected) await allReceived;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const r of readers) r.cancel();
  for (const l of [hub, ...perAgent]) l.client.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.tryShutdown(() => r()))));
  rmSync(dir, { recursive: true, force: true });
  return { loadsPerS: loads / seconds, cpuMsPerLoad: (cpu.user + cpu.system) / 1000 / loads };
}
