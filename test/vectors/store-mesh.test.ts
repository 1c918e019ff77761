/**
 * v2.9.0's bookkeeping of what a server replica holds (loading, loaded, distinct models) as
 * replica states move, and the cleaning of the capabilities an agent announces.
 *
 * Not covered: state names printing (ours are strings already).
 */
import { describe, expect, it } from "vitest";
import type { ReplicaCause, ReplicaState } from "../../src/scheduler/states.ts";
import { takeServerSnapshot } from "../../src/scheduler/placement.ts";
import { SchedulerHarness } from "../scheduler/harness.ts";
import { buildStore, uniqueLoadedModels } from "./store-fixtures.ts";

describe("what a server replica holds", () => {
  const cases: {
    what: string;
    version: number;
    move: [ReplicaState, ReplicaState, ReplicaCause];
    loaded: [string, number][];
    loading: [string, number][];
    expectLoaded: string[];
    expectLoading: string[];
    expectUnique: string[];
  }[] = [
    { what: "loading keeps the entry the load request made", version: 1, move: ["LoadRequested", "Loading", "loadSent"], loaded: [], loading: [["dummy", 1]], expectLoaded: [], expectLoading: ["dummy:1"], expectUnique: [] },
    { what: "loaded moves the entry from loading to loaded", version: 1, move: ["Loading", "Loaded", "agentLoaded"], loaded: [], loading: [["dummy", 1]], expectLoaded: ["dummy:1"], expectLoading: [], expectUnique: ["dummy"] },
    { what: "a new version loading beside a loaded one", version: 2, move: ["LoadRequested", "Loading", "loadSent"], loaded: [["dummy", 1]], loading: [], expectLoaded: ["dummy:1"], expectLoading: ["dummy:2"], expectUnique: ["dummy"] },
    { what: "a new version loaded beside a loaded one", version: 2, move: ["Loading", "Loaded", "agentLoaded"], loaded: [["dummy", 1]], loading: [["dummy", 2]], expectLoaded: ["dummy:1", "dummy:2"], expectLoading: [], expectUnique: ["dummy"] },
    { what: "removing one version keeps the model while another is loaded", version: 2, move: ["Unloading", "Unloaded", "agentUnloaded"], loaded: [["dummy", 1], ["dummy", 2]], loading: [], expectLoaded: ["dummy:1"], expectLoading: [], expectUnique: ["dummy"] },
    { what: "removing the only version removes the model", version: 1, move: ["Unloading", "Unloaded", "agentUnloaded"], loaded: [["dummy", 1]], loading: [], expectLoaded: [], expectLoading: [], expectUnique: [] },
  ];
  it.each(cases)("$what", (c) => {
    const [from, to, cause] = c.move;
    const store = buildStore({
      models: { dummy: { versions: [{ version: 1, replicas: { 0: c.version === 1 ? from : "Loaded" } }, { version: 2, replicas: c.version === 2 ? { 0: from } : {} }] } },
      servers: { server: { replicas: { 0: { loaded: c.loaded, loading: c.loading } } } },
    });
    store.updateModelState({ name: "dummy", version: c.version, serverName: "server", idx: 0, availableMemory: null, expected: from, desired: to, reason: "", cause });
    const replica = store.servers.get("server")!.replicas.get(0)!;
    expect([...replica.loaded].sort()).toEqual(c.expectLoaded);
    expect([...replica.loading].sort()).toEqual(c.expectLoading);
    expect(uniqueLoadedModels(store, "server", 0)).toEqual(c.expectUnique);
  });
});

describe("capabilities an agent announces", () => {
  it("are trimmed of surrounding spaces, duplicates kept", () => {
    const store = buildStore({});
    store.addServerReplica({
      serverName: "s", shared: true, replicaIdx: 0, availableMemoryBytes: "0", loadedModels: [],
      replicaConfig: { inferenceSvc: "", inferenceHttpPort: 0, inferenceGrpcPort: 0, memoryBytes: "0", overCommitPercentage: 0, capabilities: ["mlserver", " foo ", " bar", "bar   "] },
    });
    expect(store.servers.get("s")!.replicas.get(0)!.capabilities).toEqual(["mlserver", "foo", "bar", "bar"]);
  });
});

describe("a server snapshot", () => {
  it("keeps what the server held when it was taken", () => {
    const store = buildStore({ servers: { test: { replicas: { 0: { loaded: [["model1", 1], ["model2", 2]], loading: [["model10", 1], ["model20", 2]] } } } } });
    const server = store.servers.get("test")!;
    const snapshot = takeServerSnapshot(server);
    expect([...snapshot.replicas[0]!.loadedModels].sort()).toEqual(["model1:1", "model2:2"]);
    store.addServerReplica({ serverName: "test", shared: true, replicaIdx: 1, replicaConfig: null, availableMemoryBytes: "0", loadedModels: [] });
    server.replicas.get(0)!.loaded.add("model3:1");
    expect(snapshot.name).toBe("test");
    expect(snapshot.replicas).toHaveLength(1);
    expect([...snapshot.replicas[0]!.loadedModels].sort()).toEqual(["model1:1", "model2:2"]);
  });
});

describe("server statistics (what server scaling decides on)", () => {
  it.each([
    { what: "one empty replica, no model on the server", loaded: [[]] as [string, number][][], modelServer: "", empty: 1, maxHosted: 0 },
    { what: "a replica holding a model placed on the server", loaded: [[["model", 1]]] as [string, number][][], modelServer: "server", empty: 0, maxHosted: 2 },
    { what: "one holding, one empty", loaded: [[["model", 1]], []] as [string, number][][], modelServer: "server", empty: 1, maxHosted: 2 },
    { what: "a model placed elsewhere does not count", loaded: [[["model", 1]]] as [string, number][][], modelServer: "other", empty: 0, maxHosted: 0 },
  ])("$what", ({ loaded, modelServer, empty, maxHosted }) => {
    const h = new SchedulerHarness();
    const fixture = buildStore({
      models: { model: { versions: [{ version: 1, server: modelServer, defn: { deploymentSpec: { replicas: 2, minReplicas: 0, maxReplicas: 0 } } }] } },
      servers: { server: { replicas: Object.fromEntries(loaded.map((l, i) => [i, { loaded: l }])) } },
    });
    for (const [k, v] of fixture.models) h.s.store.models.set(k, v);
    for (const [k, v] of fixture.servers) h.s.store.servers.set(k, v);
    expect(h.s.serverStats("server")).toEqual({ numEmptyReplicas: empty, maxNumReplicaHostedModels: maxHosted });
  });
});
