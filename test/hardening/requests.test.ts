/**
 * The scheduler's request readers on their own: each refusal names its field, and what is not
 * refused reads as Go's zero values, exact for 64-bit integers.
 */
import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M, roundTripRequest } from "../../src/proto/index.ts";
import { readUint64, readInt64AsNumber } from "../../src/proto/int64.ts";
import {
  readAgentSubscribe, readLoadModel, readModelEvent, readModelStatus, readServerNotify, readUnloadModel,
} from "../../src/scheduler/requests.ts";

const refused = (r: { ok: boolean; status?: { code: number; details: string } }) => {
  expect(r.ok).toBe(false);
  expect(r.status!.code).toBe(Status.INVALID_ARGUMENT);
  return r.status!.details;
};

describe("refusals name the field", () => {
  it("AgentSubscribeRequest.loadedModels[i].model", () => {
    const raw = roundTripRequest(M.agent.Subscribe, { serverName: "s", loadedModels: [{ model: { meta: { name: "ok" } }, version: 1 }, { version: 2 }] });
    expect(refused(readAgentSubscribe(raw) as never)).toBe(
      "AgentSubscribeRequest.loadedModels[1].model: required (the model this replica has loaded)",
    );
  });

  it("AgentSubscribeRequest.loadedModels[i].model.meta.name", () => {
    const raw = roundTripRequest(M.agent.Subscribe, { serverName: "s", loadedModels: [{ model: { modelSpec: { uri: "u" } }, version: 1 }] });
    expect(refused(readAgentSubscribe(raw) as never)).toContain("AgentSubscribeRequest.loadedModels[0].model.meta.name: required");
  });

  it("UnloadModelRequest.model", () => {
    expect(refused(readUnloadModel(roundTripRequest(M.scheduler.UnloadModel, {})) as never)).toContain("UnloadModelRequest.model: required");
  });
});

describe("everything else reads as Go's zero values", () => {
  it("a subscription without replicaConfig is a replica with nothing", () => {
    const r = readAgentSubscribe(roundTripRequest(M.agent.Subscribe, { serverName: "s", replicaIdx: 3 }));
    expect(r).toEqual({
      ok: true,
      request: {
        serverName: "s", shared: false, replicaIdx: 3, loadedModels: [], availableMemoryBytes: "0",
        replicaConfig: { inferenceSvc: "", inferenceHttpPort: 0, inferenceGrpcPort: 0, memoryBytes: "0", capabilities: [], overCommitPercentage: 0 },
      },
    });
  });

  it("input that did not come from the decoder at all does not throw", () => {
    for (const raw of [undefined, null, 7, "x", [], { loadedModels: "no" }, { replicaConfig: [1] }, { servers: [null, 3] }]) {
      expect(() => readAgentSubscribe(raw)).not.toThrow();
      expect(() => readServerNotify(raw)).not.toThrow();
      expect(() => readLoadModel(raw)).not.toThrow();
      expect(() => readModelEvent(raw)).not.toThrow();
      expect(() => readModelStatus(raw)).not.toThrow();
    }
    expect(readServerNotify({ servers: [null] })).toMatchObject({ ok: true, request: { servers: [{ name: "", expectedReplicas: 0 }] } });
  });

  it("an unknown enum value reads as the enum's zero value", () => {
    const raw = roundTripRequest(M.agent.AgentEvent, { modelName: "m", event: 77 });
    expect((raw as { event: unknown }).event).toBe(77); // what the decoder gives for a value it does not know
    expect(readModelEvent(raw)).toMatchObject({ ok: true, request: { event: "UNKNOWN_EVENT" } });
  });

  it("a model's memory keeps every digit; a missing deploymentSpec stays missing", () => {
    const raw = roundTripRequest(M.scheduler.LoadModel, { model: { meta: { name: "m" }, modelSpec: { uri: "u", memoryBytes: "18446744073709551615" } } });
    const r = readLoadModel(raw);
    expect(r).toMatchObject({ ok: true, request: { model: { meta: { name: "m", kubernetesMeta: null }, modelSpec: { memoryBytes: "18446744073709551615" }, deploymentSpec: null } } });
  });
});

describe("64-bit integers", () => {
  it("read exactly, and as zero when out of range or not an integer", () => {
    expect(readUint64("18446744073709551615")).toBe(2n ** 64n - 1n);
    expect(readUint64("18446744073709551616")).toBe(0n);
    expect(readUint64("-1")).toBe(0n);
    expect(readUint64("1e3")).toBe(0n);
    expect(readUint64(12.7)).toBe(12n);
    expect(readInt64AsNumber("-5")).toBe(-5);
    expect(readInt64AsNumber({})).toBe(0);
  });
});
