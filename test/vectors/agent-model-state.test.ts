/**
 * v2.9.0's agent model registry: one version per model name, memory counted per runtime
 * instance, decided by our `ModelState`.
 */
import { describe, expect, it } from "vitest";
import { ModelState } from "../../src/agent/state.ts";
import type { ModelVersionMsg } from "../../src/agent/messages.ts";

const mv = (name: string, version: number, memoryBytes?: number, workers = 1): ModelVersionMsg => ({
  model: {
    meta: { name },
    modelSpec: { ...(memoryBytes !== undefined ? { memoryBytes } : {}), modelRuntimeInfo: { mlserver: { parallelWorkers: workers } } },
  },
  version,
});

const withModels = (...versions: ModelVersionMsg[]): ModelState => {
  const s = new ModelState();
  for (const v of versions) s.add(v);
  return s;
};

describe("registering a model version", () => {
  it.each([
    { what: "a new model counts its memory once per worker", state: withModels(), add: mv("iris", 1, 500, 2), added: true, modelBytes: 1000, total: 1000 },
    { what: "a new model beside another adds to the total", state: withModels(mv("mnist", 1, 500)), add: mv("iris", 1, 500), added: true, modelBytes: 500, total: 1000 },
    { what: "another version of a registered model is refused", state: withModels(mv("iris", 1, 500)), add: mv("iris", 2, 500), added: false, modelBytes: 500, total: 500 },
    { what: "the registered version again is not added twice", state: withModels(mv("iris", 1, 500)), add: mv("iris", 1, 500), added: false, modelBytes: 500, total: 500 },
  ])("$what", ({ state, add, added, modelBytes, total }) => {
    const result = state.add(add);
    expect(result === true).toBe(added);
    if (typeof result === "string") {
      expect(result).toBe("Version number mismatch for model iris (2 vs 1)");
      expect(state.versionExists("iris", add.version!)).toBe(false);
    }
    if (added) expect(state.versionExists("iris", add.version!)).toBe(true);
    expect(state.memoryOf("iris")).toBe(modelBytes);
    expect(state.totalMemoryBytes).toBe(total);
  });
});

describe("removing a model version", () => {
  it.each([
    { what: "the registered version is removed with its memory", remove: mv("iris", 1), deleted: true, models: 0, total: 0 },
    { what: "another version leaves the registered one", remove: mv("iris", 2), deleted: false, models: 1, total: 500 },
  ])("$what", ({ remove, deleted, models, total }) => {
    const state = withModels(mv("iris", 1, 500));
    const err = state.remove(remove);
    expect(err === undefined).toBe(deleted);
    expect(state.versionExists("iris", remove.version!)).toBe(false);
    if (!deleted) expect(state.memoryOf("iris")).toBe(500);
    expect(state.ids()).toHaveLength(models);
    expect(state.totalMemoryBytes).toBe(total);
  });
});
