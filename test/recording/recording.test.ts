import { describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";
import type { Component, Effect, Input, MethodPath } from "../../src/core/protocol.ts";
import type { Engine, Proc } from "../../src/runtime/engine.ts";
import { PROTO_FILES, PROTO_LOAD_OPTIONS, method as methodDef } from "../../src/proto/index.ts";
import { startServe } from "../../src/cli/commands/serve.ts";

/** A scenario with many models on several servers: plenty of traffic on every kind of link. */
function loadScenario(models: number): string {
  const lines = [
    "name: recording-load",
    "cluster:",
    "  servers:",
    "    - {name: mlserver, replicas: 3, memory: 10Gi}",
    "    - {name: other, replicas: 2, memory: 10Gi, capabilities: [other]}",
    "resources:",
  ];
  for (let i = 0; i < models; i++) {
    lines.push("  - apiVersion: mlops.seldon.io/v1alpha1", "    kind: Model", `    metadata: {name: m${i}, namespace: seldon-mesh}`,
      `    spec: {storageUri: "gs://b/m${i}", requirements: [${i % 3 === 0 ? "other" : "sklearn"}], replicas: ${1 + (i % 2)}}`);
  }
  lines.push("timeline:", "  - {at: 20s, delete: {kind: Model, namespace: seldon-mesh, name: m0}}", "  - {at: 21s, delete: {kind: Model, namespace: seldon-mesh, name: m1}}", "settle: 30s");
  return lines.join("\n");
}

type Counts = Map<string, number>;
const bump = (m: Counts, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Counts, at each component, every message it sends (every effect goes through `Engine.apply`,
 * from its `handle` or from outside it) and every message it receives (its inputs). A unary or
 * server-streaming request counts as sent once its call got anywhere: a dial refused (MLServer
 * still booting) carries no message, only the client's error status, which `refused` counts.
 */
class Counting {
  readonly sent: Counts = new Map();
  readonly received: Counts = new Map();
  readonly refused: Counts = new Map();
  private readonly outgoing = new Map<string, MethodPath>();
  private readonly incoming = new Map<string, MethodPath>();
  /** `proc#call` → method, for requests that went with a call's opening, until it got anywhere. */
  readonly unsent = new Map<string, MethodPath>();
  /** Responses handed to a client, by `proc#call`. */
  private readonly responsesOn: Counts = new Map();
  /** Streams a client said it reads no more (by the engine's call id, the recording's stream):
   * how many of their messages it had been handed. */
  readonly unread = new Map<number, number>();

  attach(engine: Engine): void {
    const apply = engine.apply.bind(engine);
    engine.apply = (proc, effects) => {
      for (const e of effects) {
        const key = `${proc.id}#${"call" in e ? e.call : ""}`;
        if (e.kind === "call") {
          this.outgoing.set(key, e.method);
          if (e.request !== undefined || !methodDef(e.method).requestStream) this.unsent.set(key, e.method);
        } else if (e.kind === "stopReading") {
          const call = proc.clientCalls.get(e.call);
          if (call) this.unread.set(call.id, this.responsesOn.get(key) ?? 0);
        } else if (e.kind === "send") bump(this.sent, `${proc.id} ${this.outgoing.get(key)} request`);
        else if (e.kind === "reply") bump(this.sent, `${proc.id} ${this.incoming.get(key)} response`);
      }
      apply(proc, effects);
    };
  }

  wrap = (inner: Component, proc: Proc): Component => {
    const handle = (input: Input, now: number): Effect[] => {
      const key = `${proc.id}#${"call" in input ? input.call : ""}`;
      if (input.kind === "incoming") {
        this.incoming.set(key, input.method);
        if (input.request !== undefined) bump(this.received, `${proc.id} ${input.method} request`);
      } else if (input.kind === "incomingMessage") bump(this.received, `${proc.id} ${this.incoming.get(key)} request`);
      else if (input.kind === "response") {
        bump(this.received, `${proc.id} ${this.outgoing.get(key)} response`);
        bump(this.responsesOn, key);
      }
      if (input.kind === "response" || input.kind === "closed") {
        const method = this.unsent.get(key);
        this.unsent.delete(key);
        if (method && input.kind === "closed" && input.status.details.includes("connection refused")) bump(this.refused, `${proc.id} ${method}`);
        else if (method) bump(this.sent, `${proc.id} ${method} request`);
      }
      return inner.handle(input, now);
    };
    // the rest of the component (its views, read by the run's report) stays as it is
    return new Proxy(inner, { get: (t, k) => (k === "handle" ? handle : Reflect.get(t, k)) });
  };

  /** Calls still open at the end: their opening request went out. */
  settle(engine: Engine): void {
    for (const call of engine.openCalls()) {
      const key = `${call.client?.id}#${call.clientCallId}`;
      const method = this.unsent.get(key);
      if (method && call.server) bump(this.sent, `${call.client!.id} ${method} request`);
      this.unsent.delete(key);
    }
  }
}

function recorded(entries: RecordEntry[], end: "from" | "to"): Counts {
  const out: Counts = new Map();
  for (const e of entries) if (e.kind === "message") bump(out, `${e[end]} ${e.method} ${e.direction}`);
  return out;
}

describe("recording", () => {
  it("holds every message both ends of every link saw, under load (sim)", async () => {
    const scenario = parseScenario(loadScenario(60), "load.yaml", () => "");
    const counting = new Counting();
    let entries: RecordEntry[] = [];
    let engine: Engine | null = null;
    const result = await runScenario(scenario, {
      runtime: "sim", wrap: counting.wrap,
      observe: (e) => {
        engine = e;
        counting.attach(e);
        entries = new Recorder(e).keep();
      },
    });
    counting.settle(engine!);
    const { sent, received, refused } = counting;
    expect(result.error ?? null).toBeNull();
    expect(entries.length).toBeGreaterThan(1000);
    expect(recorded(entries, "from")).toEqual(sent);
    // A stream its client reads no more (the controller's smoke test) still carries every
    // status to the client's side, and the recording holds them; the client is handed none.
    const carriedUnread: Counts = new Map();
    for (const e of entries) {
      const read = counting.unread.get(e.stream);
      if (e.kind === "message" && e.direction === "response" && read !== undefined && e.index >= read) bump(carriedUnread, `${e.to} ${e.method} ${e.direction}`);
    }
    expect(carriedUnread.size).toBeGreaterThan(0);
    const reachedTo = new Map(received);
    for (const [k, n] of carriedUnread) reachedTo.set(k, (reachedTo.get(k) ?? 0) + n);
    expect(recorded(entries, "to")).toEqual(reachedTo);
    const refusedInRecording: Counts = new Map();
    for (const e of entries) if (e.kind === "status" && e.status!.details.includes("connection refused")) bump(refusedInRecording, `${e.to} ${e.method}`);
    expect(refused.size).toBeGreaterThan(0);
    expect(refusedInRecording).toEqual(refused);
    // every call's messages are numbered from 0 without gaps, and a status ends each closed call
    const next = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.stream} ${e.kind === "status" ? "response" : e.direction}`;
      if (e.kind === "message") {
        expect(e.index).toBe(next.get(key) ?? 0);
        next.set(key, e.index + 1);
      } else expect(e.index).toBe(next.get(key) ?? 0);
    }
  }, 60_000);

  it("holds every message an outside peer sent and received (wire)", async () => {
    let entries: RecordEntry[] = [];
    const ns = "seldon-mesh";
    const running = await startServe({
      host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0, servers: [], inferenceGrpcPort: 0, inferenceHttpPort: 0,
      // the test's own controller sends the first sync
      awaitController: true,
      observe: (engine) => { entries = new Recorder(engine).keep(); },
    });
    try {
      const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
      const agentPort = running.ports.get(`${ns}/seldon-scheduler-0:9005`)!;
      const schedulerPort = running.ports.get(`${ns}/seldon-scheduler-0:9004`)!;
      const agent = new pkg.seldon.mlops.agent.AgentService(`127.0.0.1:${agentPort}`, grpc.credentials.createInsecure());
      const controller = new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${schedulerPort}`, grpc.credentials.createInsecure());
      const unary = (c: any, m: string, req: object) => new Promise<void>((resolve) => c[m](req, () => resolve()));
      let streamed = 0;
      const stream = agent.Subscribe({ serverName: "ext", replicaIdx: 0, shared: true, replicaConfig: { memoryBytes: 1e9, capabilities: ["sklearn"] }, availableMemoryBytes: 1e9 });
      stream.on("data", () => streamed++);
      stream.on("error", () => {});
      await new Promise((r) => setTimeout(r, 200));
      await unary(controller, "ServerNotify", { servers: [{ name: "ext", expectedReplicas: 1, shared: true }], isFirstSync: true });
      const n = 40;
      await Promise.all(Array.from({ length: n }, (_, i) =>
        unary(controller, "LoadModel", { model: { meta: { name: `m${i}` }, modelSpec: { uri: "gs://x", requirements: ["sklearn"], memoryBytes: 1000 }, deploymentSpec: { replicas: 1 } } })));
      for (let i = 0; i < 100 && streamed < n; i++) await new Promise((r) => setTimeout(r, 50));
      expect(streamed).toBe(n);
      await Promise.all(Array.from({ length: n }, (_, i) =>
        unary(agent, "AgentEvent", { serverName: "ext", replicaIdx: 0, modelName: `m${i}`, modelVersion: 1, event: "LOADED", availableMemoryBytes: 1e9 - 1000 * (i + 1) })));
      stream.cancel();
      await new Promise((r) => setTimeout(r, 200));
      const outside = (e: RecordEntry) => e.kind === "message" && (e.from.startsWith("outside ") || e.to.startsWith("outside "));
      const count = (method: string, dir: string) => entries.filter((e) => outside(e) && e.method.endsWith(`/${method}`) && e.direction === dir).length;
      expect(count("Subscribe", "request")).toBe(1);
      expect(count("Subscribe", "response")).toBe(n);
      expect(count("ServerNotify", "request")).toBe(1);
      expect(count("LoadModel", "request")).toBe(n);
      expect(count("LoadModel", "response")).toBe(n);
      expect(count("AgentEvent", "request")).toBe(n);
      expect(count("AgentEvent", "response")).toBe(n);
      // every call of the outside peers ended with a status in the recording
      const streams = new Set(entries.filter(outside).map((e) => e.stream));
      const ended = new Set(entries.filter((e) => e.kind === "status").map((e) => e.stream));
      expect([...streams].filter((s) => !ended.has(s))).toEqual([]);
      agent.close();
      controller.close();
    } finally {
      await running.stop();
    }
  }, 60_000);
});

describe("the recording's schema", () => {
  it("accepts every line a run records and rejects a line without its link", async () => {
    const { default: Ajv } = await import("ajv/dist/2020.js");
    const fs = await import("node:fs");
    const ajv = new (Ajv as any)({ allErrors: true, strict: false });
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(JSON.parse(fs.readFileSync("schema/recording.schema.json", "utf8")));
    let entries: RecordEntry[] = [];
    await runScenario(parseScenario(loadScenario(3), "load.yaml", () => ""), { runtime: "sim", observe: (e) => { entries = new Recorder(e).keep(); } });
    const lines = entries.map((e) => JSON.parse(JSON.stringify(e)));
    expect(lines.filter((l) => !validate(l))).toEqual([]);
    const { from: _dropped, ...withoutFrom } = lines[0];
    expect(validate(withoutFrom)).toBe(false);
  });
});
