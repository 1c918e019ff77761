import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M, roundTripResponse } from "../../src/proto/index.ts";
import { modifiedModelVersion } from "../../src/agent/state.ts";
import type { ModelVersionMsg } from "../../src/agent/messages.ts";
import { loadOp, setup, startSubscribed } from "./harness.ts";

/** A LOAD_MODEL's model version as the agent receives it: decoded off the wire. */
function decodedVersion(name: string, withRuntimeInfo: boolean): ModelVersionMsg {
  const modelSpec: Record<string, unknown> = { uri: `gs://models/${name}`, requirements: ["sklearn"], memoryBytes: "1000" };
  if (withRuntimeInfo) modelSpec.modelRuntimeInfo = { mlserver: { parallelWorkers: 4 } };
  const op = roundTripResponse(M.agent.Subscribe, {
    operation: "LOAD_MODEL",
    modelVersion: { model: { meta: { name, kubernetesMeta: { namespace: "ns", generation: 2 } }, modelSpec, deploymentSpec: { replicas: 2 } }, version: 7 },
  }) as { modelVersion: ModelVersionMsg };
  return op.modelVersion;
}

describe("modifiedModelVersion", () => {
  it("renames and re-versions a copy, keys in the original's order, the runtime info added last when the spec had none", () => {
    const mv = decodedVersion("iris", false);
    const before = JSON.stringify(mv);
    const runtimeInfo = { mlserver: { parallelWorkers: 1 } };
    const out = modifiedModelVersion("iris_7", 1, mv, runtimeInfo);

    expect(JSON.stringify(mv)).toBe(before);
    expect(Object.keys(out)).toEqual(Object.keys(mv));
    expect(out.version).toBe(1);
    expect(Object.keys(out.model!)).toEqual(Object.keys(mv.model!));
    expect(Object.keys(out.model!.meta!)).toEqual(Object.keys(mv.model!.meta!));
    expect(out.model!.meta!.name).toBe("iris_7");
    expect(Object.keys(out.model!.modelSpec!)).toEqual([...Object.keys(mv.model!.modelSpec!), "modelRuntimeInfo"]);
    expect(out.model!.modelSpec!.modelRuntimeInfo).toBe(runtimeInfo);
    // What does not change is shared.
    expect(out.model!.deploymentSpec).toBe(mv.model!.deploymentSpec);
    expect(out.model!.modelSpec!.requirements).toBe(mv.model!.modelSpec!.requirements);
  });

  it("replaces a runtime info the spec had where it was, and keeps the spec itself without one", () => {
    const mv = decodedVersion("iris", true);
    const out = modifiedModelVersion("iris_7", 1, mv, { mlserver: { parallelWorkers: 1 } });
    expect(Object.keys(out.model!.modelSpec!)).toEqual(Object.keys(mv.model!.modelSpec!));
    expect(out.model!.modelSpec!.modelRuntimeInfo).toEqual({ mlserver: { parallelWorkers: 1 } });
    expect(mv.model!.modelSpec!.modelRuntimeInfo).toMatchObject({ mlserver: { parallelWorkers: 4 } });

    const unload = modifiedModelVersion("iris_7", 1, mv, undefined);
    expect(unload.model!.modelSpec).toBe(mv.model!.modelSpec);
  });
});

describe("the agent.modelEvent observation", () => {
  const FIELDS = ["type", "serverName", "replicaIdx", "modelName", "modelVersion", "event", "availableMemoryBytes"];

  it("is the AgentEvent's fields in its order, after its type: the runtime info last for LOADED", () => {
    const { d } = setup();
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 3, 300_000));
    const [obs] = d.observations("agent.modelEvent");
    expect(Object.keys(obs)).toEqual([...FIELDS, "runtimeInfo"]);
    const { type, ...sent } = obs;
    expect(type).toBe("agent.modelEvent");
    expect(sent).toEqual(d.events()[0]);
    expect(Object.keys(d.events()[0])).toEqual(FIELDS.slice(1).concat("runtimeInfo"));
  });

  it("carries the error text last for LOAD_FAILED, as the message does", () => {
    const { d, server } = setup();
    server.failLoad = () => ({ code: Status.INTERNAL, details: "boom" });
    startSubscribed(d);
    d.pushOperation(loadOp("iris", 3, 300_000));
    d.runFor(60 * 60_000);
    const failed = d.observations("agent.modelEvent").filter((o) => o.event === "LOAD_FAILED");
    expect(failed.length).toBe(1);
    expect(Object.keys(failed[0])).toEqual([...FIELDS, "message"]);
    const sent = d.events().filter((e) => e.event === "LOAD_FAILED");
    expect(Object.keys(sent[0])).toEqual(FIELDS.slice(1).concat("message"));
    expect(failed[0].message).toBe(sent[0].message);
  });
});
