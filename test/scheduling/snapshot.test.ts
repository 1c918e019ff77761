import { describe, it, expect } from "vitest";
import { UserError } from "../../src/core/errors.ts";
import { parseSnapshot, snapshotFromJson } from "../../src/scheduling/index.ts";

type Obj = Record<string, unknown>;

const minimalModel = { name: "m", replicas: 1 };

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}

function reject(doc: unknown): UserError {
  return errorOf(() => snapshotFromJson(doc, "snap.json"));
}

const withReplica = (fields: Obj) => ({
  servers: [{ name: "a" }, { name: "b", replicas: [{ idx: 0, ...fields }] }],
  model: minimalModel,
});

describe("snapshotFromJson: defaults", () => {
  it("fills omitted fields with the store's values", () => {
    const s = snapshotFromJson({ servers: [{ name: "mlserver", replicas: [{ idx: 2 }] }], model: minimalModel }, "f");
    expect(s.servers[0]).toMatchObject({ name: "mlserver", shared: false, expectedReplicas: -1 });
    expect(s.servers[0]?.replicas[0]).toEqual({
      idx: 2,
      serverName: "mlserver",
      memoryBytes: 0n,
      availableMemoryBytes: 0n,
      reservedMemoryBytes: 0n,
      capabilities: [],
      overCommitPercentage: 0,
      draining: false,
      loadedModels: [],
    });
    expect(s.model).toMatchObject({
      requirements: [],
      memoryBytes: 0n,
      minReplicas: 0,
      maxReplicas: 0,
      server: null,
      explainer: false,
      deleted: false,
    });
    expect(s.model.existingState.versions).toHaveLength(1);
    expect(s.model.existingState.versions[0]).toMatchObject({
      version: 1,
      scheduledServer: "",
      modelState: "ModelStateUnknown",
    });
    expect(s.model.existingState.versions[0]?.replicaStates.size).toBe(0);
  });

  it("reads uint64 memory from decimal strings exactly", () => {
    const s = snapshotFromJson(
      withReplica({ availableMemoryBytes: "18446744073709551615", reservedMemoryBytes: 9007199254740991 }),
      "f",
    );
    expect(s.servers[1]?.replicas[0]?.availableMemoryBytes).toBe(18446744073709551615n);
    expect(s.servers[1]?.replicas[0]?.reservedMemoryBytes).toBe(9007199254740991n);
  });

  it("accepts an explainer as a bool, null or an object", () => {
    const ex = (explainer: unknown) =>
      snapshotFromJson({ servers: [], model: { ...minimalModel, explainer } }, "f").model.explainer;
    expect(ex(true)).toBe(true);
    expect(ex(false)).toBe(false);
    expect(ex(null)).toBe(false);
    expect(ex({ type: "anchor_tabular", modelRef: "income" })).toBe(true);
  });

  it("reads replica states keyed by index", () => {
    const s = snapshotFromJson(
      {
        servers: [],
        model: {
          ...minimalModel,
          existingState: { versions: [{ version: 4, scheduledServer: "x", replicaStates: { "0": "Loaded", "12": "Draining" } }] },
        },
      },
      "f",
    );
    expect([...(s.model.existingState.versions[0]?.replicaStates ?? [])]).toEqual([
      [0, "Loaded"],
      [12, "Draining"],
    ]);
  });
});

describe("snapshotFromJson: errors name the file, the path and what was expected", () => {
  it.each([
    [
      "negative memory",
      withReplica({ availableMemoryBytes: -5 }),
      "snap.json: servers[1].replicas[0].availableMemoryBytes: expected a non-negative integer number of bytes",
    ],
    [
      "negative memory as a string",
      withReplica({ reservedMemoryBytes: "-5" }),
      "snap.json: servers[1].replicas[0].reservedMemoryBytes: expected a non-negative",
    ],
    [
      "memory beyond uint64",
      withReplica({ memoryBytes: "18446744073709551616" }),
      "snap.json: servers[1].replicas[0].memoryBytes: expected at most 18446744073709551615 (uint64)",
    ],
    [
      "an inexact JSON number",
      withReplica({ availableMemoryBytes: 2 ** 60 }),
      "write it as a decimal string",
    ],
    ["fractional memory", withReplica({ availableMemoryBytes: 1.5 }), "got the number 1.5"],
    ["wrong type", withReplica({ draining: "yes" }), 'servers[1].replicas[0].draining: expected true or false, got the string "yes"'],
    [
      "unknown field with a suggestion",
      withReplica({ availableMemory: 5 }),
      'servers[1].replicas[0].availableMemory: unknown field "availableMemory" (did you mean "availableMemoryBytes"?)',
    ],
    ["unknown top-level field", { servers: [], model: minimalModel, severs: [] }, 'severs: unknown field "severs" (did you mean "servers"?)'],
    ["missing servers", { model: minimalModel }, 'servers: missing required field "servers"'],
    ["missing model.replicas", { servers: [], model: { name: "m" } }, 'model.replicas: missing required field "replicas"'],
    ["negative replicas", { servers: [], model: { name: "m", replicas: -1 } }, "model.replicas: expected a non-negative integer (uint32), got -1"],
    ["servers not an array", { servers: {}, model: minimalModel }, "servers: expected an array, got an object"],
    ["empty server name", { servers: [{ name: "" }], model: minimalModel }, "servers[0].name: expected a non-empty string"],
    [
      "duplicate server",
      { servers: [{ name: "a" }, { name: "a" }], model: minimalModel },
      'servers[1].name: server name "a" already used by servers[0]',
    ],
    [
      "duplicate replica index",
      { servers: [{ name: "a", replicas: [{ idx: 1 }, { idx: 1 }] }], model: minimalModel },
      "servers[0].replicas[1].idx: replica index 1 already used by servers[0].replicas[0]",
    ],
    [
      "replica of another server",
      { servers: [{ name: "a", replicas: [{ idx: 0, serverName: "b" }] }], model: minimalModel },
      'servers[0].replicas[0].serverName: replica names server "b"',
    ],
    [
      "unknown replica state",
      { servers: [], model: { ...minimalModel, existingState: { versions: [{ replicaStates: { "0": "Avaliable" } }] } } },
      'model.existingState.versions[0].replicaStates.0: unknown replica state "Avaliable" (did you mean "Available"?)',
    ],
    [
      "replica state key not an index",
      { servers: [], model: { ...minimalModel, existingState: { versions: [{ replicaStates: { a: "Loaded" } }] } } },
      'model.existingState.versions[0].replicaStates.a: expected a replica index',
    ],
    [
      "ModelScaledDown is not a v2.9.0 state",
      { servers: [], model: { ...minimalModel, existingState: { versions: [{ modelState: "ModelScaledDown" }] } } },
      'model.existingState.versions[0].modelState: unknown model state "ModelScaledDown"',
    ],
    [
      "no versions",
      { servers: [], model: { ...minimalModel, existingState: { versions: [] } } },
      "model.existingState.versions: expected at least one version",
    ],
    [
      "versions out of order",
      { servers: [], model: { ...minimalModel, existingState: { versions: [{ version: 3 }, { version: 2 }] } } },
      "model.existingState.versions[1].version: versions must be listed in increasing order; 2 follows 3",
    ],
    ["explainer of the wrong type", { servers: [], model: { ...minimalModel, explainer: "yes" } }, "model.explainer: expected true, false, null or an explainer spec object"],
    ["capabilities not strings", withReplica({ capabilities: ["a", 3] }), "servers[1].replicas[0].capabilities[1]: expected a string, got the number 3"],
    ["top level not an object", [], "expected a snapshot object"],
  ])("%s", (_label, doc, message) => {
    const e = reject(doc);
    expect(e.where?.file).toBe("snap.json");
    expect(e.describe()).toContain(message);
  });
});

describe("parseSnapshot", () => {
  it("reports invalid JSON with line and column", () => {
    const e = errorOf(() => parseSnapshot('{\n  "servers": [],\n  "model": {,}\n}', "bad.json"));
    expect(e.where).toMatchObject({ file: "bad.json", line: 3, column: 13 });
    expect(e.describe()).toMatch(/^bad\.json:3:13: invalid JSON/);
  });

  it("parses a valid document", () => {
    const s = parseSnapshot(JSON.stringify({ servers: [{ name: "x" }], model: minimalModel }), "ok.json");
    expect(s.servers.map((x) => x.name)).toEqual(["x"]);
  });
});
