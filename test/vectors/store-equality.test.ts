/**
 * v2.9.0's comparison of two model definitions (which parts differ decides between "nothing to
 * do", an in-place update and a new version), decided by our `compareModels`.
 */
import { describe, expect, it } from "vitest";
import { compareModels } from "../../src/scheduler/store.ts";
import { M, roundTripRequest } from "../../src/proto/index.ts";
import type { PbLoadModelRequest, PbModel } from "../../src/proto/messages.ts";

const base = (over: { name?: string; uri?: string; replicas?: number; runtime?: boolean } = {}): PbModel => ({
  meta: { name: over.name ?? "foo" },
  modelSpec: {
    uri: over.uri ?? "gs://mymodels/iris",
    storageConfig: { storageRcloneConfig: "abc" },
    requirements: ["sklearn", "gpu"],
    memoryBytes: "10000000",
    server: "server",
    ...(over.runtime ? { modelRuntimeInfo: {} } : {}),
  },
  deploymentSpec: { replicas: over.replicas ?? 1, minReplicas: 1, maxReplicas: 1 },
});

const none = { equal: false, metaDiffers: false, modelSpecDiffers: false, deploymentSpecDiffers: false };

describe("model definition equality", () => {
  it.each([
    { what: "identical definitions are equal", a: base(), b: base(), answer: { ...none, equal: true } },
    { what: "runtime info is ignored", a: base({ runtime: true }), b: base(), answer: { ...none, equal: true } },
    { what: "a different replica count is a deployment change", a: base(), b: base({ replicas: 2 }), answer: { ...none, deploymentSpecDiffers: true } },
    { what: "a different artifact is a model spec change", a: base({ uri: "gs://mymodels/iris2" }), b: base(), answer: { ...none, modelSpecDiffers: true } },
    { what: "a different name is a meta change", a: base({ name: "foo2" }), b: base(), answer: { ...none, metaDiffers: true } },
    {
      what: "artifact and replicas both changed",
      a: base({ uri: "gs://mymodels/iris2" }), b: base({ replicas: 2 }),
      answer: { ...none, modelSpecDiffers: true, deploymentSpecDiffers: true },
    },
  ])("$what", ({ a, b, answer }) => {
    expect(compareModels(a, b)).toEqual(answer);
    expect(compareModels(b, a)).toEqual(answer);
    // the same, on definitions as they arrive over the wire
    const wire = (m: PbModel) => (roundTripRequest(M.scheduler.LoadModel, { model: m }) as PbLoadModelRequest).model!;
    expect(compareModels(wire(a), wire(b))).toEqual(answer);
  });
});
