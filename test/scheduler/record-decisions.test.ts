/** Large runs can leave placements unrecorded; the outcome is the same, only the history goes. */
import { describe, expect, it } from "vitest";
import { Session } from "../../src/cluster/session.ts";
import type { ClusterSpec, K8sResource } from "../../src/scenario/types.ts";

const origin = { file: "record-decisions.test.ts", path: "" };
const cluster: ClusterSpec = {
  controllerNamespace: "seldon-system",
  namespaces: [{ name: "seldon-mesh", runtime: true }],
  servers: [{ name: "mlserver", namespace: "seldon-mesh", replicas: 2, type: "mlserver", env: {}, agentFlags: {}, inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false }, origin }],
};
const res = (kind: "Model" | "Server", name: string, spec: Record<string, unknown>): K8sResource => ({
  apiVersion: "mlops.seldon.io/v1alpha1", kind, metadata: { name, namespace: "seldon-mesh" }, spec, origin,
});

async function run(recordDecisions: boolean) {
  const s = await Session.start(cluster, { runtime: "sim", seed: 1, recordDecisions });
  try {
    s.apply(res("Server", "mlserver", { serverConfig: "mlserver", replicas: 2 }));
    s.apply(res("Model", "iris", { storageUri: "gs://seldon-models/iris", requirements: ["sklearn"], replicas: 2 }));
    await s.advance(60_000);
    const scheduler = s.scheduler("seldon-mesh")!;
    const decisionEvents = s.engine.trace.filter((t) => t.type === "observe" && t.event.type === "scheduler.decision");
    return { state: scheduler.store.models.get("iris")!.latest()!.status.state, kept: scheduler.decisions.length, decisionEvents };
  } finally {
    await s.close();
  }
}

describe("recordDecisions", () => {
  it("off: the same outcome, no placement history, a summary in the trace", async () => {
    const on = await run(true);
    const off = await run(false);
    expect(on.state).toBe("ModelAvailable");
    expect(off.state).toBe("ModelAvailable");
    expect(on.kept).toBeGreaterThan(0);
    expect(off.kept).toBe(0);
    expect(off.decisionEvents).toHaveLength(on.decisionEvents.length);
    expect(off.decisionEvents.at(-1)).toMatchObject({ event: { model: "iris", server: "mlserver", replicaIdxs: [0, 1], error: null } });
  });
});
