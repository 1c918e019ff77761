/**
 * `wire` against gRPC's own ceiling, measured in one run: how many replica loads per second
 * the fakes carry over real grpc-js on loopback, and how many "loads" grpc-js itself carries
 * when each is the same count of unary calls and stream messages, of the same sizes, served
 * by handlers that do nothing.
 */
import * as grpc from "@grpc/grpc-js";
import { Session } from "../src/cluster/session.ts";
import type { CallId, Component, Effect, Input, MethodPath } from "../src/core/protocol.ts";
import { method as methodDef } from "../src/proto/index.ts";
import { clusterSpec, modelResource, serverResource, RolloutWatch } from "./cluster.ts";

/** What one replica load is made of on the wire, measured on a small rollout. */
export interface LoadShape {
  unaryPerLoad: number;
  streamMessagesPerLoad: number;
  /** Mean encoded sizes, in bytes. */
  unaryRequestBytes: number;
  unaryResponseBytes: number;
  streamMessageBytes: number;
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
  let unary = 0;
  let stream = 0;
  let reqBytes = 0;
  let resBytes = 0;
  let streamBytes = 0;
  const size = (bytes: Buffer) => bytes.length;
  const watch = new RolloutWatch();
  const wrap = (component: Component): Component => {
    watch.wrap(component);
    const handle = component.handle.bind(component);
    const outgoing = new Map<CallId, MethodPath>();
    const incoming = new Map<CallId, MethodPath>();
    component.handle = (input: Input, now) => {
      if (input.kind === "incoming") incoming.set(input.call, input.method as MethodPath);
      const effects = handle(input, now);
      for (const e of effects as Effect[]) {
        if (e.kind === "call") {
          const def = methodDef(e.method as MethodPath);
          outgoing.set(e.call, e.method as MethodPath);
          if (!def.requestStream && !def.responseStream) {
            unary++;
            reqBytes += size(def.requestSerialize(e.request ?? {}));
          } else if (!def.requestStream) {
            stream++;
            streamBytes += size(def.requestSerialize(e.request ?? {}));
          }
        } else if (e.kind === "send") {
          const m = outgoing.get(e.call);
          if (m) {
            stream++;
            streamBytes += size(methodDef(m).requestSerialize(e.message as object));
          }
        } else if (e.kind === "reply") {
          const m = incoming.get(e.call);
          if (!m) continue;
          const def = methodDef(m);
          const bytes = size(def.responseSerialize(e.message as object));
          if (def.responseStream) {
            stream++;
            streamBytes += bytes;
          } else resBytes += bytes;
        }
      }
      return effects;
    };
    return component;
  };
  const s = await Session.start(clusterSpec(4, 5), { runtime: "sim", seed: 1, traceMessages: false, recordDecisions: false, record: false, wrap });
  try {
    for (let i = 0; i < 4; i++) s.apply(serverResource(i, 5));
    await s.advance(10_000);
    const u0 = unary, s0 = stream, q0 = reqBytes, r0 = resBytes, b0 = streamBytes;
    for (let i = 0; i < models; i++) s.apply(modelResource(i));
    await s.waitFor(() => watch.available === models, 3_600_000);
    const loads = replicaLoads(models);
    return {
      unaryPerLoad: (unary - u0) / loads,
      streamMessagesPerLoad: (stream - s0) / loads,
      unaryRequestBytes: (reqBytes - q0) / Math.max(1, unary - u0),
      unaryResponseBytes: (resBytes - r0) / Math.max(1, unary - u0),
      streamMessageBytes: (streamBytes - b0) / Math.max(1, stream - s0),
    };
  } finally {
    await s.close();
  }
}

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const CEILING_SERVICE: grpc.ServiceDefinition = {
  Unary: { path: "/bench.Ceiling/Unary", requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
  Stream: { path: "/bench.Ceiling/Stream", requestStream: false, responseStream: true, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
};

/**
 * grpc-js alone: `loads` loads over `agents` long-lived server streams, each load being the
 * shape's unary calls (one after the other, as a load's steps are) and its stream messages,
 * all loads in flight at once as in the rollout. Returns loads per second.
 */
export async function grpcCeiling(shape: LoadShape, loads: number, agents: number): Promise<number> {
  const response = Buffer.alloc(Math.round(shape.unaryResponseBytes));
  const streamMessage = Buffer.alloc(Math.round(shape.streamMessageBytes));
  const streams: grpc.ServerWritableStream<Buffer, Buffer>[] = [];
  const server = new grpc.Server();
  server.addService(CEILING_SERVICE, {
    Unary: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, response),
    Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => { streams.push(call); },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(CEILING_SERVICE, "Ceiling");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    Unary(req: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void): void;
    Stream(req: Buffer): grpc.ClientReadableStream<Buffer>;
    close(): void;
  };
  let received = 0;
  let expected = 0;
  let done: () => void = () => {};
  const allReceived = new Promise<void>((r) => { done = r; });
  const readers = Array.from({ length: agents }, () => {
    const s = client.Stream(Buffer.alloc(0));
    s.on("data", () => { if (++received === expected && expected > 0) done(); });
    s.on("error", () => {});
    return s;
  });
  while (streams.length < agents) await new Promise((r) => setTimeout(r, 5));
  const request = Buffer.alloc(Math.round(shape.unaryRequestBytes));
  const unary = () => new Promise<void>((resolve, reject) => client.Unary(request, (e) => (e ? reject(e) : resolve())));
  const perLoadStream = Math.round(shape.streamMessagesPerLoad);
  const perLoadUnary = Math.round(shape.unaryPerLoad);
  expected = loads * perLoadStream;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: loads }, async (_, i) => {
      for (let u = 0; u < perLoadUnary; u++) await unary();
      const stream = streams[i % agents]!;
      for (let m = 0; m < perLoadStream; m++) stream.write(streamMessage);
    }),
  );
  if (expected > 0 && received < expected) await allReceived;
  const seconds = (performance.now() - t0) / 1000;
  for (const r of readers) r.cancel();
  client.close();
  await new Promise<void>((r) => server.tryShutdown(() => r()));
  return loads / seconds;
}
