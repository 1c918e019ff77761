/**
 * The controller in a simulated cluster: real fake scheduler, agents and MLServers on the `sim`
 * runtime. Checks the outcome a user sees (`kubectl get models`) and the operator's reaction to
 * a scheduler restart.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Session } from "../../src/cluster/session.ts";
import type { ClusterSpec, K8sResource } from "../../src/scenario/types.ts";

const origin = { file: "e2e.test.ts", path: "" };
const cluster: ClusterSpec = {
  controllerNamespace: "seldon-system",
  namespaces: [
    { name: "financial-ml", runtime: true },
    { name: "no-runtime", runtime: false },
  ],
  servers: [
    {
      name: "mlserver", namespace: "financial-ml", replicas: 1, type: "mlserver", env: {}, agentFlags: {},
      inference: { loadDelayMs: 100, loadFailure: null, outOfMemory: false }, origin,
    },
  ],
};

const res = (kind: "Model" | "Server", namespace: string, name: string, spec: Record<string, unknown>): K8sResource => ({
  apiVersion: "mlops.seldon.io/v1alpha1", kind, metadata: { name, namespace }, spec, origin,
});

let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

describe("controller in a simulated cluster", () => {
  it("consultation model fails to schedule; a model with matching requirements becomes READY True 1 1", async () => {
    const s = (session = await Session.start(cluster, { runtime: "sim", seed: 1 }));
    await s.advance(1000); // agents subscribe
    s.apply(res("Server", "financial-ml", "mlserver", { serverConfig: "mlserver" }));
    s.apply(res("Model", "financial-ml", "iris", { storageUri: "gs://seldon-models/iris", requirements: ["sklearn"], replicas: 1 }));
    s.apply(res("Model", "financial-ml", "test-model-simple", {
      storageUri: "s3://mlflow-artifacts/28/models/m-d6d788df1b5849b3a3df1d04434c17b9/artifacts/",
      requirements: ["mlflow", "torch", "numpy", "scikit-learn"], secretName: "ml-platform", server: "mlserver",
    }));
    const appliedAt = s.now;
    const c = s.controller()!;
    expect(await s.waitFor(() => c.modelStatus("financial-ml", "iris")?.ready === true, 60_000)).toBe(true);
    await s.advance(appliedAt + 5 * 60_000 - s.now);
    expect(c.modelStatus("financial-ml", "test-model-simple")).toMatchObject({
      ready: false, state: "ScheduleFailed", reason: "Failed to schedule model as no matching servers are available",
    });
    expect(c.kubectlGetModels("financial-ml", s.now)).toBe(
      "NAME                READY   DESIRED REPLICAS   AVAILABLE REPLICAS   AGE\n" +
        "iris                True    1                  1                    5m\n" +
        "test-model-simple   False                                           5m\n",
    );
    expect(c.kubectlGetServers("financial-ml", s.now)).toBe("NAME       READY   REPLICAS   LOADED MODELS   AGE\nmlserver   True    1          1               5m\n");
    const schedulerLogs = s.engine.logs.filter((l) => l.role === "scheduler").map((l) => l.msg);
    expect(schedulerLogs).toContain("Server notification mlserver expectedReplicas 1 shared false");
    expect(schedulerLogs).toContain("Empty server for test-model-simple:1 so ignoring event");
  });

  it("a Model in a namespace without a scheduler is never delivered; the reconcile keeps failing", async () => {
    const s = (session = await Session.start(cluster, { runtime: "sim", seed: 1 }));
    s.apply(res("Model", "no-runtime", "m", { storageUri: "gs://m" }));
    await s.advance(2000);
    const logs = s.engine.logs.filter((l) => l.role === "controller");
    expect(logs.filter((l) => l.msg === "Failed smoke test on scheduler").length).toBeGreaterThan(5);
    const err = logs.find((l) => l.msg === "Reconciler error")!;
    expect(String(err.fields?.error)).toBe("rpc error: code = Unavailable desc = name resolver error: produced zero addresses");
    expect(s.controller()!.modelStatus("no-runtime", "m")).toMatchObject({ ready: false, state: "ModelProgressing" });
    expect(s.engine.trace.some((t) => t.type === "message" && t.method.endsWith("/LoadModel"))).toBe(false);
  });

  it("after a scheduler restart the operator re-subscribes and sends its servers and models again", async () => {
    const s = (session = await Session.start(cluster, { runtime: "sim", seed: 3 }));
    await s.advance(1000);
    s.apply(res("Server", "financial-ml", "mlserver", { serverConfig: "mlserver" }));
    s.apply(res("Model", "financial-ml", "iris", { storageUri: "gs://seldon-models/iris", requirements: ["sklearn"] }));
    const c = s.controller()!;
    expect(await s.waitFor(() => c.modelStatus("financial-ml", "iris")?.ready === true, 60_000)).toBe(true);
    const before = s.engine.logs.length;
    s.crash("financial-ml", "seldon-scheduler-0", "scheduler");
    await s.advance(60_000);
    const after = s.engine.logs.slice(before).filter((l) => l.role === "controller").map((l) => l.msg);
    expect(after).toContain("event recv failed");
    expect(after).toContain("Scheduler not ready");
    expect(after.filter((m) => m === "Handled state on reconnect").length).toBeGreaterThanOrEqual(2);
    const resent = s.engine.trace.filter((t) => t.type === "message" && t.dir === "request" && t.t > 1000 && t.method.endsWith("/ServerNotify"));
    expect(resent.some((t) => t.type === "message" && (t.message as { isFirstSync: boolean }).isFirstSync)).toBe(true);
    expect(await s.waitFor(() => c.modelStatus("financial-ml", "iris")?.ready === true && s.scheduler("financial-ml")?.store.models.has("iris") === true, 60_000)).toBe(true);
  });
});
