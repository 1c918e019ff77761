/**
 * The v2.9.0 store's behaviour on single operations (new models and versions, deletion, placing a
 * version on replicas, replica state moves, replicas joining, leaving and draining), decided by
 * our MemoryStore from the same starting states.
 *
 * Not covered here: the snapshot accessors (`GetModel`, `GetServer` copies with and without model
 * details) are Go copy semantics; a snapshot's independence and the server statistics a
 * `GetServer` with details carries are checked in store-mesh.test.ts.
 */
import { describe, expect, it } from "vitest";
import { MemoryStore, StoreError } from "../../src/scheduler/store.ts";
import { deriveModelStatus, type ModelState, type ReplicaCause, type ReplicaState } from "../../src/scheduler/states.ts";
import type { PbLoadModelRequest, PbModel } from "../../src/proto/messages.ts";
import { buildStore, uniqueLoadedModels, type StoreFixture } from "./store-fixtures.ts";

const modelEvents = (s: MemoryStore) => s.events.filter((e) => e.type === "model");
const serverEvents = (s: MemoryStore) => s.events.filter((e) => e.type === "server");

describe("UpdateModel: new model, same model, new version or in-place update", () => {
  const v1 = (defn: Partial<PbModel> = {}): StoreFixture => ({ models: { model: { versions: [{ version: 1, defn }] } } });
  const iris = (uri: string, replicas: number): Partial<PbModel> => ({
    modelSpec: { uri }, deploymentSpec: { replicas, minReplicas: 0, maxReplicas: 0 },
  });
  const cases: { what: string; start: StoreFixture; model: PbModel; version: number }[] = [
    { what: "a first model gets version 1", start: {}, model: { meta: { name: "model" } }, version: 1 },
    {
      what: "a first model starts at its generation",
      start: {}, model: { meta: { name: "model", kubernetesMeta: { namespace: "", generation: 100 } } }, version: 100,
    },
    { what: "an identical model keeps its version", start: v1(), model: { meta: { name: "model" } }, version: 1 },
    {
      what: "changed Kubernetes meta updates the version in place",
      start: v1(), model: { meta: { name: "model", kubernetesMeta: { namespace: "", generation: 2 } } }, version: 1,
    },
    {
      what: "a changed deployment spec updates the version in place",
      start: v1(iris("gs:/models/iris", 2)), model: { meta: { name: "model" }, ...iris("gs:/models/iris", 4) }, version: 1,
    },
    {
      what: "a changed model spec makes a new version",
      start: v1(iris("gs:/models/iris", 2)), model: { meta: { name: "model" }, ...iris("gs:/models/iris2", 4) }, version: 2,
    },
  ];
  it.each(cases)("$what", ({ start, model, version }) => {
    const store = buildStore(start);
    store.updateModel({ model } as PbLoadModelRequest);
    const latest = store.models.get("model")!.latest()!;
    expect(latest.version).toBe(version);
    expect(latest.defn).toEqual(model);
  });

  it("refuses a name with a dot, with Seldon's message", () => {
    const store = buildStore({});
    expect(() => store.updateModel({ model: { meta: { name: "this.Name" } } } as PbLoadModelRequest)).toThrow(
      new StoreError("Model this.Name does not have a valid name - it must be alphanumeric and not contains dots (.)"),
    );
    expect(store.models.size).toBe(0);
  });
});

describe("model names the store accepts (store/utils validate)", () => {
  it.each([
    { name: "this-name-is-valid1234", valid: true },
    { name: "111111111111111111", valid: true },
    { name: "a-a-a", valid: true },
    { name: "--", valid: false },
    { name: "1--", valid: false },
    { name: "--a", valid: false },
    { name: "this-name-is-not-Valid1234", valid: false },
    { name: "not.valid", valid: false },
    { name: "", valid: false },
  ])("$name: $valid", ({ name, valid }) => {
    const store = buildStore({});
    const load = () => store.updateModel({ model: { meta: { name } } } as PbLoadModelRequest);
    if (valid) {
      load();
      expect(store.models.get(name)!.latest()!.version).toBe(1);
    } else {
      expect(load).toThrow(`Model ${name} does not have a valid name - it must be alphanumeric and not contains dots (.)`);
    }
  });
});

describe("RemoveModel", () => {
  it.each([
    { what: "an unknown model is an error", start: {} as StoreFixture, fails: true },
    { what: "a known model is marked deleted", start: { models: { model: { versions: [{ version: 1 }] } } }, fails: false },
  ])("$what", ({ start, fails }) => {
    const store = buildStore(start);
    const remove = () => store.removeModel({ model: { name: "model" } } as Parameters<MemoryStore["removeModel"]>[0]);
    if (fails) expect(remove).toThrow(StoreError);
    else {
      remove();
      expect(store.models.get("model")!.deleted).toBe(true);
    }
  });
});

describe("UpdateLoadedModels: point the latest version at a server's replicas", () => {
  const mem = { modelSpec: { memoryBytes: "1" } };
  const oneServer = (replicas: Record<number, { draining?: boolean }>): StoreFixture["servers"] => ({ server: { replicas } });
  const cases: {
    what: string;
    start: StoreFixture;
    version: number;
    server: string;
    chosen: number[];
    deleted?: boolean;
    states?: Record<number, ReplicaState>;
    modelState?: ModelState;
    fails?: boolean;
  }[] = [
    {
      what: "a version that is no longer the latest is refused",
      start: {
        models: { model: { versions: [{ version: 1, defn: mem, server: "server" }, { version: 2, defn: mem, server: "server" }] } },
        servers: { server: { replicas: {} } },
      },
      version: 1, server: "server", chosen: [], fails: true,
    },
    {
      what: "new replicas are asked to load and memory is reserved on them",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server" }] } }, servers: oneServer({ 0: {}, 1: {} }) },
      version: 1, server: "server", chosen: [0, 1], states: { 0: "LoadRequested", 1: "LoadRequested" },
    },
    {
      what: "a replica that already has the version loaded is left alone",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server", replicas: { 0: "Loaded" } }] } }, servers: oneServer({ 0: {}, 1: {} }) },
      version: 1, server: "server", chosen: [0, 1], states: { 0: "Loaded", 1: "LoadRequested" },
    },
    {
      what: "a replica no longer chosen is asked to stop routing first",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server", replicas: { 0: "Loaded" } }] } }, servers: oneServer({ 0: {}, 1: {} }) },
      version: 1, server: "server", chosen: [1], states: { 0: "UnloadEnvoyRequested", 1: "LoadRequested" },
    },
    {
      what: "a deleted model placed nowhere unloads every replica",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server", replicas: { 0: "Loaded", 1: "Loading" } }] } }, servers: oneServer({ 0: {}, 1: {} }) },
      version: 1, server: "server", chosen: [], deleted: true, states: { 0: "UnloadEnvoyRequested", 1: "UnloadEnvoyRequested" },
    },
    {
      what: "a deleted model with nothing loaded still gets an event",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server", replicas: { 0: "Unloaded" } }] } }, servers: oneServer({ 0: {}, 1: {} }) },
      version: 1, server: "server", chosen: [], deleted: true, states: { 0: "Unloaded" },
    },
    {
      what: "another server than the version's makes a new version placed there",
      start: {
        models: { model: { versions: [{ version: 1, defn: mem, server: "server1" }] } },
        servers: { server1: { replicas: { 0: {}, 1: {} } }, server2: { replicas: { 0: {}, 1: {} } } },
      },
      version: 1, server: "server2", chosen: [0, 1], states: { 0: "LoadRequested", 1: "LoadRequested" },
    },
    {
      what: "a draining replica of the same server keeps draining",
      start: { models: { model: { versions: [{ version: 1, defn: mem, server: "server", replicas: { 0: "Draining" } }] } }, servers: oneServer({ 0: { draining: true }, 1: {} }) },
      version: 1, server: "server", chosen: [1], states: { 0: "Draining", 1: "LoadRequested" },
    },
    {
      what: "moving off a draining replica to another server loads the new version there",
      start: {
        models: { model: { versions: [{ version: 1, defn: mem, server: "server1", replicas: { 0: "Draining" } }] } },
        servers: { server1: { replicas: { 0: { draining: true } } }, server2: { replicas: { 0: {} } } },
      },
      version: 1, server: "server2", chosen: [0], states: { 0: "LoadRequested" },
    },
    {
      what: "a deleted model that failed to schedule (no server) gets an event",
      start: { models: { model: { versions: [{ version: 1, defn: mem }] } } },
      version: 1, server: "", chosen: [], deleted: true, states: {},
    },
    {
      what: "a progressing model whose replicas are all in place becomes available",
      start: {
        models: { model: { versions: [{ version: 1, defn: { ...mem, deploymentSpec: { replicas: 1, minReplicas: 0, maxReplicas: 0 } }, server: "server", replicas: { 0: "Available", 1: "Unloaded" }, state: "ModelProgressing" }] } },
        servers: oneServer({ 0: {}, 1: {} }),
      },
      version: 1, server: "server", chosen: [0], states: { 0: "Available", 1: "Unloaded" }, modelState: "ModelAvailable",
    },
    {
      what: "a progressing model at its min replicas becomes available",
      start: {
        models: { model: { versions: [{ version: 1, defn: { ...mem, deploymentSpec: { replicas: 3, minReplicas: 2, maxReplicas: 0 } }, server: "server", replicas: { 0: "Available", 1: "Available" }, state: "ModelProgressing" }] } },
        servers: oneServer({ 0: {}, 1: {} }),
      },
      version: 1, server: "server", chosen: [0, 1], states: { 0: "Available", 1: "Available" }, modelState: "ModelAvailable",
    },
  ];
  it.each(cases)("$what", ({ start, version, server, chosen, deleted, states, modelState, fails }) => {
    const store = buildStore(start);
    const model = store.models.get("model")!;
    if (deleted) model.deleted = true;
    const run = () => store.updateLoadedModels("model", version, server, chosen);
    if (fails) {
      expect(run).toThrow(StoreError);
      expect(modelEvents(store)).toHaveLength(0);
      return;
    }
    run();
    expect(modelEvents(store)).toHaveLength(1);
    const mv = model.latest()!;
    for (const [idx, state] of Object.entries(states ?? {})) {
      expect(mv.replicaState(Number(idx)), `replica ${idx}`).toBe(state);
      const reserved = store.servers.get(server)!.replicas.get(Number(idx))!.reservedMemory;
      expect(reserved, `reserved on replica ${idx}`).toBe(state === "LoadRequested" ? 1n : 0n);
    }
    if (modelState) expect(mv.status.state).toBe(modelState);
  });
});

describe("UpdateModelState: one replica moves from an expected state to a desired one", () => {
  const mem = { modelSpec: { memoryBytes: "1" } };
  const workers = (n: number) => ({ mlserver: { parallelWorkers: n } });
  const twoReplicas = (r0: { loaded?: [string, number][]; reservedMemory: bigint }): Pick<StoreFixture, "servers"> => ({
    servers: { server: { replicas: { 0: r0, 1: { reservedMemory: 1n } } } },
  });
  const cases: {
    what: string;
    start: StoreFixture;
    name: string;
    version: number;
    expected: ReplicaState;
    desired: ReplicaState;
    cause: ReplicaCause;
    runtimeInfo?: ReturnType<typeof workers>;
    deleted?: boolean;
    fails?: boolean;
    loaded: boolean;
    uniqueLoaded: number;
    /** The version's runtime info after the move. */
    runtimeAfter?: ReturnType<typeof workers>;
  }[] = [
    {
      what: "loaded: the replica holds the version, its reservation is released, runtime info is stored",
      start: { models: { model: { versions: [{ version: 1, defn: mem }] } }, ...twoReplicas({ reservedMemory: 1n }) },
      name: "model", version: 1, expected: "ModelReplicaStateUnknown", desired: "Loaded", cause: "agentReportsLoaded",
      runtimeInfo: workers(1), loaded: true, uniqueLoaded: 1, runtimeAfter: workers(1),
    },
    {
      what: "unloaded: the replica does not hold the version and the reservation stays",
      start: { models: { model: { versions: [{ version: 1, defn: mem }] } }, ...twoReplicas({ reservedMemory: 1n }) },
      name: "model", version: 1, expected: "ModelReplicaStateUnknown", desired: "Unloaded", cause: "replicaRemoved",
      runtimeInfo: workers(1), loaded: false, uniqueLoaded: 0, runtimeAfter: workers(1),
    },
    {
      what: "a replica not in the expected state is an error and nothing moves",
      start: { models: { model: { versions: [{ version: 1, defn: mem, replicas: { 0: "LoadRequested" } }] } }, ...twoReplicas({ reservedMemory: 1n }) },
      name: "model", version: 1, expected: "Unloading", desired: "Unloaded", cause: "agentUnloaded",
      fails: true, loaded: false, uniqueLoaded: 0,
    },
    {
      what: "the last replica of a deleted model unloaded makes it terminated and asks to scale the server down",
      start: { models: { model: { versions: [{ version: 1, defn: mem }] } }, ...twoReplicas({ reservedMemory: 1n }) },
      name: "model", version: 1, expected: "ModelReplicaStateUnknown", desired: "Unloaded", cause: "replicaRemoved",
      runtimeInfo: workers(1), deleted: true, loaded: false, uniqueLoaded: 0, runtimeAfter: workers(1),
    },
    {
      what: "an old version unloaded beside a loaded new one: the replica still holds the model",
      start: {
        models: { foo: { versions: [{ version: 1, defn: mem, replicas: { 0: "Unloading" } }, { version: 2, defn: mem, replicas: { 0: "Loaded" } }] } },
        ...twoReplicas({ loaded: [["foo", 2], ["foo", 1]], reservedMemory: 1n }),
      },
      name: "foo", version: 1, expected: "Unloading", desired: "Unloaded", cause: "agentUnloaded",
      runtimeInfo: workers(1), loaded: false, uniqueLoaded: 1, runtimeAfter: workers(1),
    },
    {
      what: "an old version unloaded beside an available new one: the reservation follows the runtime's workers",
      start: {
        models: { foo: { versions: [{ version: 1, defn: mem, replicas: { 0: "Unloading" } }, { version: 2, defn: mem, replicas: { 0: "Available" } }] } },
        ...twoReplicas({ loaded: [["foo", 2], ["foo", 1]], reservedMemory: 2n }),
      },
      name: "foo", version: 1, expected: "Unloading", desired: "Unloaded", cause: "agentUnloaded",
      runtimeInfo: workers(2), loaded: false, uniqueLoaded: 1, runtimeAfter: workers(2),
    },
    {
      what: "runtime info already on the version is not overwritten",
      start: {
        models: { model: { versions: [{ version: 1, defn: { modelSpec: { memoryBytes: "1", modelRuntimeInfo: workers(2) } } }] } },
        ...twoReplicas({ reservedMemory: 1n }),
      },
      name: "model", version: 1, expected: "ModelReplicaStateUnknown", desired: "Loaded", cause: "agentReportsLoaded",
      runtimeInfo: workers(500), loaded: true, uniqueLoaded: 1, runtimeAfter: workers(2),
    },
  ];
  it.each(cases)("$what", (c) => {
    const store = buildStore(c.start);
    const model = store.models.get(c.name)!;
    if (c.deleted) model.deleted = true;
    const run = () =>
      store.updateModelState({
        name: c.name, version: c.version, serverName: "server", idx: 0, availableMemory: 20n,
        expected: c.expected, desired: c.desired, reason: "", cause: c.cause, runtimeInfo: c.runtimeInfo ?? null,
      });
    const mv = model.version(c.version)!;
    const replica = store.servers.get("server")!.replicas.get(0)!;
    if (c.fails) {
      expect(run).toThrow(
        `State mismatch for ${c.name}:${c.version} expected state ${c.expected} but was LoadRequested when trying to move to state ${c.desired}`,
      );
      expect(modelEvents(store)).toHaveLength(0);
    } else {
      run();
      if (c.deleted) expect(model.latest()!.status.state).toBe("ModelTerminated");
      else {
        expect(mv.replicaState(0)).toBe(c.desired);
        expect(replica.loaded.has(`${c.name}:${c.version}`)).toBe(c.loaded);
        expect(uniqueLoadedModels(store, "server", 0)).toHaveLength(c.uniqueLoaded);
      }
      expect(mv.defn.modelSpec?.modelRuntimeInfo).toEqual(c.runtimeAfter);
      expect(modelEvents(store).map((e) => e.type === "model" && e.version)).toEqual([c.version]);
      const scaleDown = serverEvents(store).filter((e) => e.type === "server" && e.context === "scaleDown");
      // Seldon asks to scale down whenever a replica stops holding a version (Unloaded or LoadFailed)
      expect(scaleDown.length > 0).toBe(c.desired === "Unloaded");
    }
    const expectedReserved = c.desired === "Loaded" || c.desired === "LoadFailed" ? 0n : mv.requiredMemory();
    expect(replica.reservedMemory).toBe(expectedReserved);
  });
});

describe("model status from replica states (updateModelStatus)", () => {
  const d1 = 1_609_502_400_000;
  const d2 = d1 + 86_400_000;
  type R = { state: ReplicaState; reason?: string; at: number };
  const cases: {
    what: string;
    deleted: boolean;
    desired: number;
    replicas: R[];
    replacingAvailable?: boolean;
    state: ModelState;
    reason: string;
    available: number;
    at: number;
  }[] = [
    { what: "all desired replicas available", deleted: false, desired: 1, replicas: [{ state: "Available", at: d1 }], state: "ModelAvailable", reason: "", available: 1, at: d1 },
    { what: "one of two still loading", deleted: false, desired: 2, replicas: [{ state: "Available", at: d1 }, { state: "Loading", at: d1 }], state: "ModelProgressing", reason: "", available: 1, at: d1 },
    { what: "a failed load", deleted: false, desired: 1, replicas: [{ state: "LoadFailed", reason: "reason1", at: d1 }], state: "ModelFailed", reason: "reason1", available: 0, at: d1 },
    { what: "loaded and failed: failed wins", deleted: false, desired: 2, replicas: [{ state: "Loaded", at: d1 }, { state: "LoadFailed", reason: "reason1", at: d2 }], state: "ModelFailed", reason: "reason1", available: 0, at: d2 },
    { what: "two failures: the latest reason", deleted: false, desired: 2, replicas: [{ state: "LoadFailed", reason: "reason1", at: d1 }, { state: "LoadFailed", reason: "reason2", at: d2 }], state: "ModelFailed", reason: "reason2", available: 0, at: d2 },
    {
      what: "a new version with one available replica while an earlier one is available",
      deleted: false, desired: 1, replicas: [{ state: "Loading", at: d1 }, { state: "Available", at: d2 }], replacingAvailable: true,
      state: "ModelAvailable", reason: "", available: 1, at: d2,
    },
    { what: "deleted, replicas unloading", deleted: true, desired: 2, replicas: [{ state: "Unloading", at: d1 }, { state: "Unloading", at: d2 }], state: "ModelTerminating", reason: "", available: 0, at: d2 },
    { what: "deleted, replicas still loading", deleted: true, desired: 2, replicas: [{ state: "Loading", at: d1 }, { state: "Loading", at: d2 }], state: "ModelTerminating", reason: "", available: 0, at: d2 },
    { what: "deleted, all unloaded", deleted: true, desired: 2, replicas: [{ state: "Unloaded", at: d1 }, { state: "Unloaded", at: d2 }], state: "ModelTerminated", reason: "", available: 0, at: d2 },
    {
      what: "deleted, one unload failed: the failure's reason and time",
      deleted: true, desired: 2, replicas: [{ state: "UnloadFailed", reason: "reason1", at: d1 }, { state: "Unloaded", at: d2 }],
      state: "ModelTerminateFailed", reason: "reason1", available: 0, at: d1,
    },
    {
      what: "a new version fully available while the earlier one terminates",
      deleted: false, desired: 2, replicas: [{ state: "Available", at: d1 }, { state: "Available", at: d2 }], replacingAvailable: false,
      state: "ModelAvailable", reason: "", available: 2, at: d2,
    },
  ];
  it.each(cases)("$what", (c) => {
    const status = deriveModelStatus({
      replicas: c.replicas.map((r) => ({ state: r.state, reason: r.reason ?? "", at: r.at })),
      deleted: c.deleted, isLatest: true, desiredReplicas: c.desired, minReplicas: 0,
      replacingAvailableVersion: c.replacingAvailable ?? false,
    });
    expect({ state: status.state, reason: status.reason, available: status.availableReplicas, at: status.at }).toEqual({
      state: c.state, reason: c.reason, available: c.available, at: c.at,
    });
  });
});

describe("versions an agent reports loaded on subscribe (addModelVersionIfNotExists)", () => {
  const cases: { what: string; start: number[] | null; reported: number; versions: number[]; latest: number }[] = [
    { what: "an unknown model gets the reported version", start: null, reported: 1, versions: [1], latest: 1 },
    { what: "a model with no versions gets the reported version", start: [], reported: 1, versions: [1], latest: 1 },
    { what: "a second version is added", start: [1], reported: 2, versions: [1, 2], latest: 2 },
    { what: "an existing version is kept", start: [1], reported: 1, versions: [1], latest: 1 },
    { what: "a third version is added", start: [1, 2], reported: 3, versions: [1, 2, 3], latest: 3 },
    { what: "a version between two others is sorted into place", start: [1, 3], reported: 2, versions: [1, 2, 3], latest: 3 },
  ];
  it.each(cases)("$what", ({ start, reported, versions, latest }) => {
    const store = buildStore(start === null ? {} : { models: { foo: { versions: start.map((version) => ({ version })) } } });
    store.addServerReplica({
      serverName: "server", shared: true, replicaIdx: 0, replicaConfig: null, availableMemoryBytes: "0",
      loadedModels: [{ model: { meta: { name: "foo" } }, version: reported }],
    });
    const model = store.models.get("foo")!;
    expect(model.versions.map((v) => v.version)).toEqual(versions);
    expect(model.latest()!.version).toBe(latest);
    expect(model.version(reported)!.replicaState(0)).toBe("Loaded");
  });
});

describe("AddServerReplica", () => {
  const cases: { what: string; start: StoreFixture; idx: number; loaded: string[]; replicas: number; expected: number; modelEvents: number }[] = [
    {
      what: "a replica joins an existing server, which keeps its expected replicas",
      start: { servers: { server1: { replicas: { 0: {}, 1: {} }, expectedReplicas: 3 } } },
      idx: 2, loaded: [], replicas: 3, expected: 3, modelEvents: 0,
    },
    { what: "a replica of an unknown server creates it, replicas not yet announced", start: {}, idx: 0, loaded: [], replicas: 1, expected: -1, modelEvents: 0 },
    { what: "models it reports loaded are added, one event each", start: {}, idx: 0, loaded: ["model1", "model2"], replicas: 1, expected: -1, modelEvents: 2 },
  ];
  it.each(cases)("$what", (c) => {
    const store = buildStore(c.start);
    store.addServerReplica({
      serverName: "server1", shared: true, replicaIdx: c.idx, replicaConfig: null, availableMemoryBytes: "0",
      loadedModels: c.loaded.map((name) => ({ model: { meta: { name }, modelSpec: {} }, version: 1 })),
    });
    const server = store.servers.get("server1")!;
    expect({ shared: server.shared, expected: server.expectedReplicas, replicas: server.replicas.size }).toEqual({
      shared: true, expected: c.expected, replicas: c.replicas,
    });
    expect(serverEvents(store)).toHaveLength(1);
    expect(modelEvents(store)).toHaveLength(c.modelEvents);
  });
});

describe("the status of a version an agent reports loaded on subscribe", () => {
  // v2.9.0 computes it as for the latest version of a model not being deleted, whichever it is
  it.each([
    { what: "an older version than the latest", deleted: false },
    { what: "a version of a model being deleted", deleted: true },
  ])("$what is progressing, not terminating", ({ deleted }) => {
    const spec = { modelSpec: {}, deploymentSpec: { replicas: 1, minReplicas: 0, maxReplicas: 0 } };
    const store = buildStore({
      models: { foo: { deleted, versions: [{ version: 1, defn: spec }, ...(deleted ? [] : [{ version: 2, defn: spec }])] } },
    });
    store.addServerReplica({
      serverName: "server", shared: true, replicaIdx: 0, replicaConfig: null, availableMemoryBytes: "0",
      loadedModels: [{ model: { meta: { name: "foo" }, ...spec }, version: 1 }],
    });
    expect(store.models.get("foo")!.version(1)!.status.state).toBe("ModelProgressing");
  });
});

describe("RemoveServerReplica: which models to reschedule", () => {
  const cases: { what: string; start: StoreFixture; rescheduled: string[]; serverKept: boolean }[] = [
    {
      what: "a loaded model the store does not know is not rescheduled",
      start: { servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] }, 1: {} }, expectedReplicas: 2 } } },
      rescheduled: [], serverKept: true,
    },
    {
      what: "a latest version it held is rescheduled",
      start: { models: { model1: { versions: [{ version: 1 }] } }, servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] }, 1: {} } } } },
      rescheduled: ["model1"], serverKept: true,
    },
    {
      what: "the last replica gone removes the server",
      start: { models: { model1: { versions: [{ version: 1 }] } }, servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] } }, expectedReplicas: 0 } } },
      rescheduled: ["model1"], serverKept: false,
    },
    {
      what: "the last replica gone, holding an unknown model",
      start: { servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] } }, expectedReplicas: 0 } } },
      rescheduled: [], serverKept: false,
    },
    {
      what: "loading models are rescheduled as well as loaded ones",
      start: {
        models: { model1: { versions: [{ version: 1 }] }, model2: { versions: [{ version: 1 }] } },
        servers: { server1: { replicas: { 0: { loaded: [["model1", 1]], loading: [["model2", 1]] }, 1: {} } } },
      },
      rescheduled: ["model1", "model2"], serverKept: true,
    },
    {
      what: "a version that is not the latest is not rescheduled",
      start: {
        models: { model1: { versions: [{ version: 1, replicas: { 0: "Loaded" } }, { version: 2, replicas: { 0: "LoadFailed" } }] } },
        servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] } } } },
      },
      rescheduled: [], serverKept: false,
    },
  ];
  it.each(cases)("$what", ({ start, rescheduled, serverKept }) => {
    const store = buildStore(start);
    expect(store.removeServerReplica("server1", 0).sort()).toEqual(rescheduled);
    expect(store.servers.has("server1")).toBe(serverKept);
  });

  it("the superseded version on the removed replica is unloaded there, with an event", () => {
    const store = buildStore({
      models: { model1: { versions: [{ version: 1, replicas: { 0: "Loaded" } }, { version: 2, replicas: { 0: "LoadFailed" } }] } },
      servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] } } } },
    });
    store.removeServerReplica("server1", 0);
    const v1 = store.models.get("model1")!.version(1)!;
    expect(v1.replicas.get(0)).toMatchObject({ state: "Unloaded", reason: "model is removed when server replica was removed" });
    expect(v1.status.state).toBe("ModelTerminated");
    expect(modelEvents(store)).toHaveLength(1);
  });
});

describe("DrainServerReplica", () => {
  it.each([
    { what: "a replica with no models is marked draining", start: { servers: { server1: { replicas: { 0: {}, 1: {} }, expectedReplicas: 2 } } } as StoreFixture, models: [] as string[] },
    {
      what: "a replica's loaded models are returned and their replica is Draining",
      start: { models: { model1: { versions: [{ version: 1, replicas: { 0: "Loaded" as const } }] } }, servers: { server1: { replicas: { 0: { loaded: [["model1", 1]] as [string, number][] }, 1: {} } } } },
      models: ["model1"],
    },
  ])("$what", ({ start, models }) => {
    const store = buildStore(start);
    expect(store.drainServerReplica("server1", 0)).toEqual(models);
    expect(store.servers.get("server1")!.replicas.get(0)!.draining).toBe(true);
    for (const name of models) expect(store.models.get(name)!.latest()!.replicaState(0)).toBe("Draining");
  });
});
