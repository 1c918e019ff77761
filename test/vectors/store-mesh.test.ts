/**
 * v2.9.0's bookkeeping of what a server replica holds (loading, loaded, distinct models) as
 * replica states move, and the cleaning of the capabilities an agent announces.
 *
 * Not covered: state names printing (ours are strings already) and snapshot copies (Go aliasing).
 */
import { describe, expect, it } from "vitest";
import type { ReplicaCause, ReplicaState } from "../../src/scheduler/states.ts";
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
