/**
 * The copies the scheduler makes per request and per message, made cheaper: each must give what
 * the deep copy it replaces gave.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { copyFlatData, uint64Text } from "../../src/scheduler/requests.ts";
import { readUint64, uint64ToWire } from "../../src/proto/int64.ts";
import { SchedulerHarness } from "./harness.ts";
import { serverStatus } from "../../src/scheduler/scheduler.ts";
import { M } from "../../src/proto/index.ts";
import { definitionForMessage } from "../../src/scheduler/model.ts";
import { compareAfterEverySchedulerStep } from "./generated-runs.ts";

/** Own enumerable string keys in order, recursively: what a structured clone keeps. */
const shape = (v: unknown): unknown =>
  v !== null && typeof v === "object" ? Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]) : v;

const primitive = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt());
const value = fc.oneof(
  primitive,
  fc.array(primitive, { maxLength: 4 }),
  fc.array(fc.record({ name: fc.string(), value: fc.string() }), { maxLength: 2 }),
  fc.dictionary(fc.string(), primitive, { maxKeys: 3 }),
  fc.constant(() => 1),
  fc.constant(Symbol("s")),
  fc.constant(new Date(0)),
  fc.constant(new Map([[1, 2]])),
);

describe("a decoded ModelSpec copied without structuredClone", () => {
  it("is null or exactly the structured clone, key order and all, on any object", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 8 }), (o) => {
        const fast = copyFlatData(o);
        if (fast === null) return;
        const clone = structuredClone(o);
        expect(fast).toStrictEqual(clone);
        expect(shape(fast)).toEqual(shape(clone));
        // a copy: no array is shared with the source
        for (const k of Object.keys(o)) if (Array.isArray(o[k])) expect(fast[k]).not.toBe(o[k]);
      }),
      { numRuns: 2000 },
    );
  });

  it("takes the fast way for what the decoder gives", () => {
    expect(copyFlatData({ requirements: ["sklearn"], parameters: [], uri: "gs://x", memoryBytes: "1000", _memoryBytes: "memoryBytes" }))
      .toEqual({ requirements: ["sklearn"], parameters: [], uri: "gs://x", memoryBytes: "1000", _memoryBytes: "memoryBytes" });
  });

  it("leaves to the general way what it cannot copy as the clone would", () => {
    const sparse: unknown[] = [1];
    sparse[3] = 2;
    const named = Object.assign([1], { extra: true });
    const cases: Record<string, unknown>[] = [
      JSON.parse('{"__proto__": 1}'),
      { a: sparse },
      { a: named },
      { a: { nested: 1 } },
      { a: () => 1 },
      new Proxy({ a: 1 }, {}),
      { a: new Proxy([1], {}) },
      Object.defineProperty({}, "a", { enumerable: true, get() { throw new Error("no"); } }),
      new (class Spec { uri = "u"; })() as unknown as Record<string, unknown>,
    ];
    for (const c of cases) expect(copyFlatData(c)).toBeNull();
  });
});

describe("the model definition in a LOAD_MODEL operation", () => {
  it("stays as sent while the store later changes the stored definition", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { replicas: 1 });
    const op = h.opsTo("mlserver", 0)[0]!;
    const sent = structuredClone(op);
    // the agent reports the runtime (set on the stored spec), then the model's deployment and
    // Kubernetes metadata change in place (LoadModel with the same spec)
    h.call(M.agent.AgentEvent, {
      serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 1, event: "LOADED",
      availableMemoryBytes: 900_000_000, runtimeInfo: { mlserver: { parallelWorkers: 4 } },
    });
    h.call(M.scheduler.LoadModel, {
      model: {
        meta: { name: "iris", kubernetesMeta: { namespace: "default", generation: 2 } },
        modelSpec: { uri: "gs://models/iris", requirements: ["sklearn"] },
        deploymentSpec: { replicas: 1, minReplicas: 0, maxReplicas: 0, logPayloads: true },
      },
    });
    const stored = h.s.store.models.get("iris")!.latest()!.defn;
    expect(stored.modelSpec?.modelRuntimeInfo).toEqual({ mlserver: { parallelWorkers: 4 } });
    expect(stored.deploymentSpec?.logPayloads).toBe(true);
    expect(stored.meta?.kubernetesMeta?.generation).toBe(2);
    expect(op).toEqual(sent);
  });
});

describe("the model definition in a model status message", () => {
  it("stays as sent when the agent later reports the model's runtime", () => {
    const h = new SchedulerHarness();
    h.feed({ kind: "incoming", call: "ms", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: "seldon manager" }, peer: "c" });
    h.subscribeAgent("mlserver", 0);
    h.loadModel("iris", { replicas: 1 });
    const statuses = () => h.effects.filter((e) => e.kind === "reply" && e.call === "ms").map((e) => (e as { message: { versions: { modelDefn: { modelSpec: { modelRuntimeInfo?: unknown } } }[] } }).message);
    const before = statuses();
    expect(before.length).toBeGreaterThan(0);
    const sent = structuredClone(before);
    h.call(M.agent.AgentEvent, {
      serverName: "mlserver", replicaIdx: 0, modelName: "iris", modelVersion: 1, event: "LOADED",
      availableMemoryBytes: 900_000_000, runtimeInfo: { mlserver: { parallelWorkers: 4 } },
    });
    expect(h.s.store.models.get("iris")!.latest()!.defn.modelSpec?.modelRuntimeInfo).toEqual({ mlserver: { parallelWorkers: 4 } });
    // the new status carries the runtime; the ones sent before still do not
    expect(statuses().at(-1)!.versions[0]!.modelDefn.modelSpec.modelRuntimeInfo).toEqual({ mlserver: { parallelWorkers: 4 } });
    expect(before).toEqual(sent);
  });
});

describe("a server status's count of loaded models", () => {
  it("follows every load and unload of the replica, though counted once per change", () => {
    const h = new SchedulerHarness();
    h.subscribeAgent("mlserver", 0);
    const count = () => serverStatus(h.s.store.servers.get("mlserver")!).resources[0]!.numLoadedModels;
    expect(count()).toBe(0);
    h.loadModel("a");
    h.agentEvent("mlserver", 0, "a", 1, "LOADED", 900_000_000);
    expect(count()).toBe(1);
    expect(count()).toBe(1);
    h.loadModel("b");
    h.agentEvent("mlserver", 0, "b", 1, "LOADED", 800_000_000);
    expect(count()).toBe(2);
    h.call(M.scheduler.UnloadModel, { model: { name: "a" } });
    h.advance(300);
    h.agentEvent("mlserver", 0, "a", 1, "UNLOADED", 900_000_000);
    expect(h.s.store.servers.get("mlserver")!.replicas.get(0)!.loaded.has("a:1")).toBe(false);
    expect(count()).toBe(1);
  });
});

describe("the definition a version's messages carry, copied once per change", () => {
  it("equals a fresh copy of the stored definition after every step of generated runs with faults", async () => {
    const { compared, mismatches } = await compareAfterEverySchedulerStep(25, 33, (scheduler) => {
      const out = [];
      for (const model of scheduler.store.models.values()) {
        for (const mv of model.versions) out.push({ label: mv.key, kept: mv.definitionForMessage(), fresh: definitionForMessage(mv.defn) });
      }
      return out;
    });
    expect(compared).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  }, 120_000);
});

describe("a uint64 field read as its digits", () => {
  it("is what reading it as a bigint and writing that out gives, on any value", () => {
    const digits = fc.string({ unit: fc.constantFrom("0", "1", "2", "9"), minLength: 1, maxLength: 22 });
    const text = fc.oneof(
      digits,
      fc.tuple(fc.constantFrom("", " ", "-", "+", "0", "00"), digits, fc.constantFrom("", " ", "\n", "x")).map(([a, b, c]) => a + b + c),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String),
      fc.bigInt({ min: 0n, max: 1n << 70n }).map(String),
      fc.string(),
    );
    const value = fc.oneof(text, fc.integer(), fc.double(), fc.bigInt(), fc.constant(null), fc.constant(undefined), fc.constant({}));
    fc.assert(
      fc.property(value, (v) => {
        expect(uint64Text(v)).toBe(uint64ToWire(readUint64(v)));
      }),
      { numRuns: 5000 },
    );
  });
});
