/**
 * v2.9.0's agent state manager: loading model versions onto an inference server of fixed
 * memory, evicting the least recently used, over-commit accounting, unloading, and keeping a
 * model whose eviction failed. Driven through our agent (LOAD_MODEL / UNLOAD_MODEL operations on
 * its scheduler stream), which is how Seldon's tests call the manager too (under the per-model
 * lock, as the client does).
 *
 * Not covered here: the cases that reload an evicted model on an inference request
 * (`EnsureLoadModel`: the smoke test's second half, concurrent reload and infer, the data and
 * control plane interaction cases, the connection-issue case's reload) and the model metrics
 * stats; they belong to the agent's inference path. The connection-issue case's point, that a
 * model whose unload failed stays in the cache, is checked below on the load path, which takes
 * the same eviction step. Goroutine interleavings have no counterpart: loads here are sequential.
 */
import { describe, expect, it } from "vitest";
import { CONNECTION_REFUSED, loadOp, setup, startSubscribed, unloadOp } from "../agent/harness.ts";

/** The agent unloads after routing had time to stop (v2.9.0 waits 2s); past it for sure. */
const UNLOAD_GRACE_MS = 5_000;

const names = (n: number) => Array.from({ length: n }, (_, i) => `dummy_model_${i}`);

function agentWith(capacity: number, overCommit: number, workers = 1) {
  const s = setup({ MEMORY_REQUEST: String(capacity), SELDON_OVERCOMMIT_PERCENTAGE: String(overCommit), MLSERVER_PARALLEL_WORKERS: String(workers) });
  startSubscribed(s.d);
  return s;
}

describe("loading more models than fit, with over-commit", () => {
  it.each([
    { what: "enough capacity", models: 100, capacity: 110, available: 10 },
    { what: "just enough capacity", models: 110, capacity: 110, available: 0 },
    { what: "not enough capacity: the least recently used are evicted", models: 110, capacity: 100, available: 0 },
  ])("$what", ({ models, capacity, available }) => {
    const { d, agent, server } = agentWith(capacity, 100);
    for (const name of names(models)) d.pushOperation(loadOp(name, 1, 1));
    expect(d.events().map((e) => e.event)).toEqual(Array(models).fill("LOADED"));
    expect(agent.availableMemoryBytes).toBe(available);
    const registered = agent.models();
    expect(registered).toHaveLength(models);
    const onServer = registered.filter((m) => m.onInferenceServer).map((m) => m.versionedName).sort();
    expect(onServer).toEqual([...server.loaded.keys()].sort());
    expect(onServer).toHaveLength(Math.min(models, capacity));
    // the first loaded are the ones evicted
    for (const name of names(models).slice(0, models - Math.min(models, capacity))) {
      expect(server.loaded.has(`${name}_1`)).toBe(false);
    }

    for (const name of names(models)) d.pushOperation(unloadOp(name, 1));
    d.runFor(UNLOAD_GRACE_MS);
    expect(d.events().filter((e) => e.event === "UNLOADED")).toHaveLength(models);
    expect(agent.availableMemoryBytes).toBe(capacity);
    expect(agent.models()).toHaveLength(0);
  });

  it.each([
    { what: "two versions of each model, all fit", capacity: 200 },
    { what: "two versions of each model, ten evicted", capacity: 190 },
  ])("$what: each version counts as its own model", ({ capacity }) => {
    const { d, agent, server } = agentWith(capacity, 100);
    for (const name of names(100)) for (const v of [1, 2]) d.pushOperation(loadOp(name, v, 1));
    expect(d.events().filter((e) => e.event === "LOADED")).toHaveLength(200);
    expect(agent.availableMemoryBytes).toBe(0);
    expect(agent.models()).toHaveLength(200);
    expect(server.loaded.size).toBe(capacity);

    for (const name of names(100)) for (const v of [1, 2]) d.pushOperation(unloadOp(name, v));
    d.runFor(UNLOAD_GRACE_MS);
    expect(agent.availableMemoryBytes).toBe(capacity);
    expect(agent.models()).toHaveLength(0);
  });
});

describe("memory reported with over-commit", () => {
  it.each([
    { what: "main memory to spare", capacity: 30, overCommit: 0, workers: 2, expected: 10 },
    { what: "main memory to spare plus the over-commit allowance", capacity: 20, overCommit: 10, workers: 1, expected: 12 },
    { what: "main memory exactly used", capacity: 10, overCommit: 0, workers: 1, expected: 0 },
    { what: "main memory exactly used, the allowance left", capacity: 10, overCommit: 10, workers: 1, expected: 1 },
    { what: "over-committed: what is left of the allowance", capacity: 16, overCommit: 50, workers: 2, expected: 4 },
    { what: "over-committed beyond the allowance", capacity: 8, overCommit: 0, workers: 1, expected: 0 },
  ])("$what", ({ capacity, overCommit, workers, expected }) => {
    const { d, agent } = agentWith(capacity, overCommit, workers);
    for (const name of names(10)) d.pushOperation(loadOp(name, 1, 1));
    expect(agent.availableMemoryBytesWithOverCommit).toBe(expected);
  });
});

describe("an eviction the inference server does not answer", () => {
  it("fails the load and keeps the model that could not be evicted in the cache", () => {
    const { d, agent, server } = agentWith(1, 100);
    d.pushOperation(loadOp("dummy_model_0", 1, 1));
    d.pushOperation(loadOp("dummy_model_1", 1, 1));
    expect([...server.loaded.keys()]).toEqual(["dummy_model_1_1"]);

    server.down = CONNECTION_REFUSED;
    d.pushOperation(loadOp("dummy_model_2", 1, 1));
    for (let i = 0; i < 1000 && d.events().length < 3; i++) if (!d.step()) break;
    expect(d.events().at(-1)).toMatchObject({ modelName: "dummy_model_2", event: "LOAD_FAILED" });
    const onServer = agent.models().filter((m) => m.onInferenceServer).map((m) => m.versionedName);
    expect(onServer).toEqual(["dummy_model_1_1"]);
    expect(agent.models().map((m) => m.versionedName)).toEqual(["dummy_model_0_1", "dummy_model_1_1"]);
  });
});
