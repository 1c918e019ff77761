/**
 * A server pod is deleted as Kubernetes deletes it: every container's preStop hook calls the
 * agent's drainer, which drains the replica through the scheduler (AgentDrain) before the pod
 * goes; the `drain` step runs the same hooks without deleting the pod.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../src/scenario/runner.ts";

const scenario = (timeline: string, inference = "") => `
cluster:
  namespaces: [seldon-mesh]
  servers: [{name: mlserver, replicas: 2, memory: 1Gi${inference}}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver, replicas: 2}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: iris}, spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn]}}
timeline:
  - wait: {for: {modelState: {model: iris, state: ModelAvailable}}, timeout: 1m}
${timeline}
settle: 30s
`;

const run = (text: string): Promise<ScenarioResult> => runScenario(parseScenario(text, "terminate.yaml", () => ""), { runtime: "sim" });
const lines = (r: ScenarioResult, role: string, text: string) => r.logs.filter((l) => l.role === role && l.msg.includes(text));

describe("server pod termination", () => {
  it("scaling down drains the replica through its agent before the pod goes, and the model never stops being available", async () => {
    // Scaling to 1 deletes mlserver-1, whatever it holds.
    const r = await run(scenario("  - scale: {server: mlserver, replicas: 1}"));
    const drained = lines(r, "scheduler", "Draining server replica mlserver:1")[0];
    const result = lines(r, "agent", "Agent drain process result true")[0];
    expect(drained, "the scheduler was asked to drain replica 1").toBeDefined();
    expect(result?.pod).toBe("mlserver-1");
    // The hooks wait out the drainer's 100 ms window, and the pod stays until the drain is answered.
    const removedAt = r.pods.find((p) => p.name === "mlserver-1");
    expect(removedAt).toBeUndefined();
    const disconnected = lines(r, "scheduler", "mlserver:1 has disconnected")[0] ?? lines(r, "scheduler", "disconnected")[0];
    expect(disconnected!.t).toBeGreaterThanOrEqual(result!.t);
    expect(r.models.find((m) => m.name === "iris")).toMatchObject({ ready: true, server: "mlserver" });
    expect(r.models.find((m) => m.name === "iris")?.replicaStates).toEqual({ 0: "Available" });
  });

  it("the drain step runs the hooks without deleting the pod, and the replica's model moves", async () => {
    const r = await run(scenario("  - drain: {server: mlserver, replica: 0}"));
    expect(lines(r, "agent", "Agent drain process result true").map((l) => l.pod)).toEqual(["mlserver-0"]);
    expect(r.pods.map((p) => p.name)).toContain("mlserver-0");
    expect(r.models.find((m) => m.name === "iris")?.replicaStates).toEqual({ 0: "Draining", 1: "Available" });
  });

  it('a load that succeeds once the replica is draining is reported LOAD_FAILED "server replica is draining"', async () => {
    // A second model starts loading on replica 0 (3 s load), and the replica is drained meanwhile.
    const r = await run(scenario(`  - apply: {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: wine}, spec: {storageUri: gs://seldon-models/mlserver/wine, requirements: [sklearn]}}
  - advance: 500ms
  - drain: {server: mlserver, replica: 0}`, ", inference: {loadDelay: 3s}"));
    const failed = lines(r, "agent", "Failed to load model, sending error to scheduler").filter((l) => l.fields?.["error"] === "server replica is draining");
    expect(failed.map((l) => l.pod)).toEqual(["mlserver-0"]);
    // v2.9.0 drains only the models a replica has loaded, so nothing moves wine elsewhere: it
    // stays failed (v2.10 drains loading models too).
    expect(r.models.find((m) => m.name === "wine")).toMatchObject({ ready: false, state: "ModelFailed" });
    expect(r.models.find((m) => m.name === "wine")?.replicaStates).toEqual({ 0: "LoadFailed" });
  });

  it("deleting a Server deletes its pods, each draining first; a drain that waits for ever ends with the grace period", async () => {
    // Both replicas drain at once: iris moves from replica 0 to draining replica 1, where its load
    // is taken back, so replica 0's AgentDrain waits for a model that never becomes available
    // (v2.9.0's waiter has no timeout); Kubernetes kills that pod after its 120 s.
    const r = await run(scenario(`  - delete: {kind: Server, name: mlserver}
  - advance: 1m`, ", inference: {loadDelay: 3s}"));
    expect(lines(r, "agent", "Agent drain process result").map((l) => l.pod)).toEqual(["mlserver-1"]);
    expect(r.pods.map((p) => p.name)).toContain("mlserver-0");
    const later = await run(scenario(`  - delete: {kind: Server, name: mlserver}
  - advance: 2m`, ", inference: {loadDelay: 3s}"));
    expect(later.pods.filter((p) => p.name.startsWith("mlserver-"))).toEqual([]);
    expect(lines(later, "agent", "Agent drain process result").map((l) => l.pod)).toEqual(["mlserver-1"]);
  });
});
