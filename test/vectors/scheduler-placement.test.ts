/**
 * v2.9.0's `SimpleScheduler` on the inputs of its own unit tests: where one model goes (server,
 * replicas, scale-up events), what a deleted model unloads, and which models a retry of failed
 * models picks. Placement is decided by our `decide` on a placement snapshot (the input of
 * `seldon-sim schedule`); the retry through our scheduler component.
 *
 * Replica order does not matter: Seldon hands the store replicas in Go map order, and its tests
 * sort them before comparing, as these do.
 */
import { describe, expect, it } from "vitest";
import { decide, snapshotFromJson } from "../../src/scheduling/index.ts";
import { Model, ModelVersion } from "../../src/scheduler/model.ts";
import type { ModelState } from "../../src/scheduler/states.ts";
import { SchedulerHarness } from "../scheduler/harness.ts";

type Obj = Record<string, unknown>;

interface ModelArgs {
  replicas: number;
  min: number;
  max: number;
  loaded?: number[];
  draining?: number[];
  deleted?: boolean;
  on?: string;
}

function modelJson(a: ModelArgs): Obj {
  const replicaStates: Obj = {};
  for (const i of a.loaded ?? []) replicaStates[i] = "Loaded";
  for (const i of a.draining ?? []) replicaStates[i] = "Draining";
  return {
    name: "model1", memoryBytes: 100, requirements: ["sklearn"],
    replicas: a.replicas, minReplicas: a.min, maxReplicas: a.max, deleted: a.deleted ?? false,
    existingState: { versions: [{ version: 1, scheduledServer: a.on ?? "", modelState: "ModelProgressing", replicaStates }] },
  };
}

/** A server whose replicas are [idx, available memory] or [idx, memory, draining]. */
function srv(name: string, replicas: ([number, number] | [number, number, boolean])[], expectedReplicas = -1): Obj {
  return {
    name, shared: true, expectedReplicas,
    replicas: replicas.map(([idx, mem, draining]) => ({
      idx, memoryBytes: mem, availableMemoryBytes: mem, capabilities: ["sklearn"], draining: draining ?? false,
    })),
  };
}

describe("where a model is placed", () => {
  const cases: { what: string; model: ModelArgs; servers: Obj[]; scheduled: boolean; server?: string; replicas?: number[]; scaleUps?: number }[] = [
    { what: "one replica on the only server that fits", model: { replicas: 1, min: 0, max: 1 }, servers: [srv("server1", [[0, 200]])], scheduled: true, server: "server1", replicas: [0] },
    {
      what: "two replicas go to the server that has two",
      model: { replicas: 2, min: 0, max: 2 }, servers: [srv("server1", [[0, 200]]), srv("server2", [[0, 200], [1, 200]])],
      scheduled: true, server: "server2", replicas: [0, 1],
    },
    {
      what: "no server has two replicas with memory",
      model: { replicas: 2, min: 0, max: 2 }, servers: [srv("server1", [[0, 200]]), srv("server2", [[0, 200], [1, 0]])],
      scheduled: false,
    },
    {
      what: "short of replicas, min replicas are placed and the server asked to scale up",
      model: { replicas: 3, min: 2, max: 3, on: "server2" }, servers: [srv("server1", [[0, 200]]), srv("server2", [[0, 200], [1, 200]])],
      scheduled: true, server: "server2", replicas: [0, 1], scaleUps: 1,
    },
    {
      what: "a server without enough memory is skipped",
      model: { replicas: 1, min: 0, max: 1 }, servers: [srv("server1", [[0, 50]]), srv("server2", [[0, 200]])],
      scheduled: true, server: "server2", replicas: [0],
    },
    {
      what: "replicas already holding the model count",
      model: { replicas: 2, min: 0, max: 2, loaded: [1] }, servers: [srv("server1", [[0, 50]]), srv("server2", [[0, 200], [1, 200]])],
      scheduled: true, server: "server2", replicas: [0, 1],
    },
    {
      what: "a server being deleted is not used",
      model: { replicas: 1, min: 0, max: 1 }, servers: [srv("server1", [[0, 200]], 0), srv("server2", [[0, 200], [1, 200]])],
      scheduled: true, server: "server2", replicas: [0],
    },
    {
      what: "a model on a server being deleted moves to another",
      model: { replicas: 1, min: 0, max: 1, loaded: [0], on: "server1" }, servers: [srv("server1", [[0, 200]], 0), srv("server2", [[0, 200], [1, 200]])],
      scheduled: true, server: "server2", replicas: [0],
    },
    { what: "the only server being deleted: nowhere to go", model: { replicas: 1, min: 0, max: 1, loaded: [1] }, servers: [srv("server1", [[0, 200]], 0)], scheduled: false },
    {
      what: "the replica with most free memory is chosen",
      model: { replicas: 1, min: 0, max: 1, loaded: [1] }, servers: [srv("server2", [[0, 150], [1, 200]])],
      scheduled: true, server: "server2", replicas: [1],
    },
    {
      what: "the replicas with most free memory are chosen",
      model: { replicas: 2, min: 0, max: 1, loaded: [1] }, servers: [srv("server2", [[0, 150], [1, 200], [2, 175]])],
      scheduled: true, server: "server2", replicas: [1, 2],
    },
    {
      what: "scaling up keeps the replicas holding the model and adds one that fits",
      model: { replicas: 3, min: 0, max: 3, loaded: [1, 2], on: "server1" }, servers: [srv("server1", [[0, 50], [1, 200], [2, 175], [3, 100]])],
      scheduled: true, server: "server1", replicas: [1, 2, 3],
    },
    {
      what: "scaling down keeps a replica holding the model",
      model: { replicas: 1, min: 0, max: 1, loaded: [1, 2], on: "server1" }, servers: [srv("server1", [[0, 50], [1, 200], [2, 175], [3, 100]])],
      scheduled: true, server: "server1", replicas: [1],
    },
    {
      what: "scaling up past the server's replicas uses them all and asks to scale up",
      model: { replicas: 5, min: 3, max: 5, loaded: [1, 2], on: "server1" }, servers: [srv("server1", [[0, 100], [1, 100], [2, 100], [3, 100]])],
      scheduled: true, server: "server1", replicas: [0, 1, 2, 3], scaleUps: 1,
    },
    {
      what: "scaling up: replicas holding the model count though full",
      model: { replicas: 3, min: 0, max: 3, loaded: [1, 2], on: "server1" }, servers: [srv("server1", [[0, 50], [1, 0], [2, 0], [3, 100]])],
      scheduled: true, server: "server1", replicas: [1, 2, 3],
    },
    {
      what: "scaling down: a full replica holding the model is kept",
      model: { replicas: 1, min: 0, max: 1, loaded: [1, 2], on: "server1" }, servers: [srv("server1", [[0, 50], [1, 0], [2, 0], [3, 100]])],
      scheduled: true, server: "server1", replicas: [1],
    },
    {
      what: "a draining replica is replaced by another",
      model: { replicas: 2, min: 0, max: 2, loaded: [1], draining: [2], on: "server1" },
      servers: [srv("server1", [[0, 50], [1, 200], [2, 175, true], [3, 100]])],
      scheduled: true, server: "server1", replicas: [1, 3],
    },
  ];
  it.each(cases)("$what", (c) => {
    const d = decide(snapshotFromJson({ servers: c.servers, model: modelJson(c.model) }, "vector.json"));
    expect(d.scheduled).toBe(c.scheduled);
    expect(d.error === null).toBe(c.scheduled);
    if (c.server !== undefined) {
      expect(d.server).toBe(c.server);
      expect([...d.replicaIdxs].sort((a, b) => a - b)).toEqual(c.replicas);
      expect(d.serverScaleUpEvents).toHaveLength(c.scaleUps ?? 0);
    }
  });

  it("a deleted model is taken off its server: no replicas, no error", () => {
    const d = decide(snapshotFromJson({
      servers: [srv("server2", [[0, 200], [1, 200]])],
      model: modelJson({ replicas: 2, min: 0, max: 2, loaded: [1], deleted: true, on: "server2" }),
    }, "vector.json"));
    expect(d.outcome).toBe("deleted");
    expect(d.error).toBeNull();
    expect(d.outcome === "deleted" && d.deletion.server).toBe("server2");
    expect(d.replicaIdxs).toEqual([]);
  });
});

describe("a deleted model unloads every version that has replicas", () => {
  it.each([1, 10])("%i loaded versions and a newer one that never placed", (n) => {
    const versions = [
      ...Array.from({ length: n }, (_, i) => ({ version: i + 1, scheduledServer: "server", modelState: "ModelAvailable", replicaStates: { 0: "Loaded", 1: "Loaded" } })),
      { version: n + 1, scheduledServer: "server", modelState: "ScheduleFailed", replicaStates: {} },
    ];
    const d = decide(snapshotFromJson({
      servers: [srv("server", [[0, 200], [1, 200]])],
      model: { name: "model1", requirements: ["sklearn"], replicas: 0, deleted: true, existingState: { versions } },
    }, "vector.json"));
    expect(d.outcome === "deleted" && d.deletion.unloadVersions).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});

describe("which models a retry of failed models picks", () => {
  it.each([
    {
      what: "failed to schedule, failed to load, and available short of its replicas; not one fully available",
      models: {
        model1: ["ScheduleFailed", 1, 0], model2: ["ModelFailed", 1, 0], model3: ["ModelAvailable", 1, 1], model4: ["ModelAvailable", 2, 1],
      } as Record<string, [ModelState, number, number]>,
      retried: ["model1", "model2", "model4"],
    },
    { what: "nothing when every model is available", models: { model3: ["ModelAvailable", 1, 1] } as Record<string, [ModelState, number, number]>, retried: [] },
  ])("$what", ({ models, retried }) => {
    const h = new SchedulerHarness();
    for (const [name, [state, replicas, available]] of Object.entries(models)) {
      const model = new Model(name);
      const mv = new ModelVersion({ meta: { name }, modelSpec: {}, deploymentSpec: { replicas, minReplicas: replicas > 1 ? 1 : 0, maxReplicas: replicas } }, 1);
      mv.status = { ...mv.status, state, availableReplicas: available };
      model.versions.push(mv);
      h.s.store.models.set(name, model);
    }
    // a replica connecting retries the failed models
    h.subscribeAgent("server", 0);
    expect([...new Set(h.s.decisions.map((p) => p.full.model))].sort()).toEqual(retried);
  });
});

describe("a model the store does not know", () => {
  it("fails to schedule for want of a latest version, as the store reports an empty model", () => {
    const h = new SchedulerHarness();
    const scheduleToServer = (h.s as unknown as { scheduleToServer(name: string): string | null }).scheduleToServer.bind(h.s);
    expect(scheduleToServer("nope")).toBe("Unable to find latest version for model");
  });
});
