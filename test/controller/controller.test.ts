import { describe, expect, it } from "vitest";
import { Status, goRpcError } from "../../src/core/protocol.ts";
import { ResourceError } from "../../src/controller/resources.ts";
import { MODEL_FINALIZER } from "../../src/controller/controller.ts";
import {
  CONSULTATION_MODEL,
  ControllerHarness,
  EOF,
  FIN_ML,
  FIN_ML_SCHEDULER,
  M,
  SERVER,
  modelStatusMsg,
  refused,
} from "./harness.ts";

const model = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "mlops.seldon.io/v1alpha1",
  kind: "Model",
  metadata: { name, namespace: FIN_ML },
  spec: { storageUri: `gs://models/${name}`, requirements: ["sklearn"], ...spec },
});

type Req = Record<string, unknown>;
const req = (c: { request?: unknown }): Req => c.request as Req;
const modelName = (c: { request?: unknown }): string => ((req(c).model as Req).meta as Req).name as string;

/** Apply a Server and a Model, connect, answer the reconciles' calls, return the stream calls. */
function connected(h: ControllerHarness, models: object[] = [CONSULTATION_MODEL]) {
  h.apply(SERVER);
  for (const m of models) h.apply(m);
  h.connect();
  return {
    modelStream: h.calls(M.scheduler.SubscribeModelStatus)[1]!,
    serverStream: h.call(M.scheduler.SubscribeServerStatus),
    controlPlane: h.call(M.scheduler.SubscribeControlPlane),
  };
}

describe("connecting to a namespace's scheduler", () => {
  it("connects on the first reconcile: smoke test, then the three streams, then the reconciles' calls", () => {
    const h = new ControllerHarness();
    h.apply(SERVER);
    h.apply(CONSULTATION_MODEL);
    // only the smoke test so far: the model's reconcile waits for the connection being made
    expect(h.startedSince(0)).toEqual([`SubscribeModelStatus ${FIN_ML_SCHEDULER}`]);
    expect(h.logTexts()).toEqual(expect.arrayContaining(["connect to scheduler", "Dialing scheduler", "Connected to scheduler"]));
    h.connect();
    expect(h.startedSince(0)).toEqual([
      `SubscribeModelStatus ${FIN_ML_SCHEDULER}`, // smoke test, never read nor closed
      `SubscribeModelStatus ${FIN_ML_SCHEDULER}`,
      `SubscribeServerStatus ${FIN_ML_SCHEDULER}`,
      `SubscribeControlPlane ${FIN_ML_SCHEDULER}`,
      `LoadModel ${FIN_ML_SCHEDULER}`,
      `ServerNotify ${FIN_ML_SCHEDULER}`,
    ]);
    for (const m of [M.scheduler.SubscribeModelStatus, M.scheduler.SubscribeServerStatus, M.scheduler.SubscribeControlPlane]) {
      expect(req(h.call(m))).toEqual({ subscriberName: "seldon manager" });
    }
    expect(req(h.call(M.scheduler.ServerNotify))).toEqual({
      servers: [{ name: "mlserver", expectedReplicas: 1, minReplicas: 0, maxReplicas: 0, shared: false, kubernetesMeta: { namespace: FIN_ML, generation: 1 } }],
      isFirstSync: false,
    });
    expect(h.c.connectedNamespaces()).toEqual([FIN_ML]);
    // the reconcile gave the model its finalizer
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")?.finalizers).toEqual([MODEL_FINALIZER]);
  });

  it("reads no more of the smoke-test stream once it passed, and reads every other stream", () => {
    const h = new ControllerHarness();
    h.apply(SERVER);
    h.apply(CONSULTATION_MODEL);
    h.connect();
    const [smoke, models] = h.calls(M.scheduler.SubscribeModelStatus);
    const unread = h.effects.filter((e) => e.kind === "stopReading").map((e) => (e as { call: string }).call);
    expect(unread).toEqual([smoke!.call]);
    expect(unread).not.toContain(models!.call);
    expect(unread).not.toContain(h.call(M.scheduler.SubscribeServerStatus).call);
    expect(unread).not.toContain(h.call(M.scheduler.SubscribeControlPlane).call);
  });

  it("dials seldon-scheduler.<namespace>:9004 for a namespace it was not told about", () => {
    const h = new ControllerHarness();
    h.apply({ ...CONSULTATION_MODEL, metadata: { name: "m", namespace: "other-ns" } });
    expect(h.startedSince(0)).toEqual(["SubscribeModelStatus seldon-scheduler.other-ns:9004"]);
  });

  it("an unreachable scheduler fails the smoke test; the reconcile is retried with controller-runtime's back-off", () => {
    const h = new ControllerHarness();
    h.apply(CONSULTATION_MODEL);
    const err = { code: Status.UNAVAILABLE, details: "name resolver error: produced zero addresses" };
    h.close(h.call(M.scheduler.SubscribeModelStatus), err);
    expect(h.logTexts()).toContain("Failed smoke test on scheduler");
    const recErr = h.logs().find((l) => l.msg === "Reconciler error")!;
    expect(recErr.level).toBe("error");
    expect(recErr.fields).toMatchObject({ controller: "model", name: "test-model-simple", namespace: FIN_ML, error: goRpcError(err) });
    const st = h.c.modelStatus(FIN_ML, "test-model-simple")!;
    expect(st).toMatchObject({ ready: false, state: "ModelProgressing", reason: goRpcError(err) });
    expect(h.c.connectedNamespaces()).toEqual([]);
    // requeued after 5 ms, then 10 ms, then 20 ms: a new dial each time
    const smokeAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = h.effects.length;
      h.advance(1);
      while (h.startedSince(before).length === 0) h.advance(1);
      smokeAt.push(h.now);
      h.close(h.call(M.scheduler.SubscribeModelStatus), err);
    }
    expect(smokeAt).toEqual([5, 15, 35]);
    expect(h.calls(M.scheduler.LoadModel)).toEqual([]); // never sent
    expect(h.c.kubectlGetModels(FIN_ML, 60_000)).toBe(
      "NAME                READY   DESIRED REPLICAS   AVAILABLE REPLICAS   AGE\n" +
        "test-model-simple   False                                           60s\n",
    );
  });

  it("re-subscribes a broken stream with the operator's exponential back-off", () => {
    const h = new ControllerHarness();
    const { modelStream } = connected(h);
    const from = h.effects.length;
    h.close(modelStream, EOF);
    const logs = h.logs(from).map((l) => [l.level, l.msg, l.fields?.error]);
    expect(logs).toEqual([
      ["error", "event recv failed", goRpcError(EOF)],
      ["error", "Scheduler not ready", goRpcError(EOF)],
    ]);
    // first wait: 1 s ± 50 %
    const firstWait = h.timerAt("op:t")! - h.now;
    expect(firstWait).toBeGreaterThanOrEqual(500);
    expect(firstWait).toBeLessThanOrEqual(1500);
    h.advance(firstWait - 1);
    expect(h.calls(M.scheduler.SubscribeModelStatus)).toHaveLength(1); // only the smoke test
    h.advance(1);
    const again = h.calls(M.scheduler.SubscribeModelStatus);
    expect(again).toHaveLength(2);
    // the scheduler is still down: the dial is refused (no "event recv failed" this time)
    const from2 = h.effects.length;
    h.close(again[1]!, refused());
    expect(h.logTexts(from2)).toEqual(["Scheduler not ready"]);
    const secondWait = h.timerAt("op:t")! - h.now;
    expect(secondWait).toBeGreaterThanOrEqual(750); // 1.5 s ± 50 %
    expect(secondWait).toBeLessThanOrEqual(2250);
    // many failures later the interval is capped at 15 s (± 50 %)
    let wait = secondWait;
    for (let i = 0; i < 12; i++) {
      h.advance(wait);
      h.close(h.calls(M.scheduler.SubscribeModelStatus)[1]!, refused());
      wait = h.timerAt("op:t")! - h.now;
    }
    expect(wait).toBeGreaterThanOrEqual(7500);
    expect(wait).toBeLessThanOrEqual(22_500);
    // back: the scheduler's model statuses flow again
    h.advance(wait);
    h.reply(h.calls(M.scheduler.SubscribeModelStatus)[1]!, modelStatusMsg("test-model-simple", "ScheduleFailed"));
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")?.state).toBe("ScheduleFailed");
  });

  it("a stream that ends cleanly is re-subscribed at once", () => {
    const h = new ControllerHarness();
    const { serverStream } = connected(h);
    const from = h.effects.length;
    h.close(serverStream);
    expect(h.logTexts(from)).toEqual(["Subscribe ended for server events", "Retrying to connect"]);
    expect(h.startedSince(from)).toEqual([`SubscribeServerStatus ${FIN_ML_SCHEDULER}`]);
  });

  it("is deterministic: the same inputs give the same effects", () => {
    const run = () => {
      const h = new ControllerHarness();
      const { modelStream } = connected(h);
      h.close(modelStream, EOF);
      h.advance(20_000);
      return JSON.stringify(h.effects);
    };
    expect(run()).toBe(run());
  });
});

describe("control-plane events", () => {
  it("SEND_SERVERS: ServerNotify with every Server of the namespace, isFirstSync", () => {
    const h = new ControllerHarness();
    h.apply({ ...SERVER, metadata: { name: "triton", namespace: FIN_ML }, spec: { serverConfig: "triton", replicas: 2 } });
    h.apply({ ...SERVER, metadata: { name: "elsewhere", namespace: "other" } });
    const { controlPlane } = connected(h);
    const from = h.effects.length;
    h.reply(controlPlane, { event: "SEND_SERVERS" });
    const notify = h.calls(M.scheduler.ServerNotify).find((c) => req(c).isFirstSync === true)!;
    expect(req(notify)).toEqual({
      servers: [
        { name: "mlserver", expectedReplicas: 1, minReplicas: 0, maxReplicas: 0, shared: false, kubernetesMeta: { namespace: FIN_ML, generation: 1 } },
        { name: "triton", expectedReplicas: 2, minReplicas: 0, maxReplicas: 0, shared: false, kubernetesMeta: { namespace: FIN_ML, generation: 1 } },
      ],
      isFirstSync: true,
    });
    expect(h.logs(from)[0]).toMatchObject({ msg: "Received event to handle state", fields: { event: "event:SEND_SERVERS" } });
    h.ok(notify);
    expect(h.logTexts(from)).toContain("Handled state on reconnect");
  });

  it("SEND_RESOURCES: unloads models being deleted, then loads the others one at a time", () => {
    const h = new ControllerHarness();
    const { controlPlane } = connected(h, [model("a"), model("b"), model("c")]);
    // let the reconciles finish (the model worker handles one model at a time)
    for (let i = 0; i < 3; i++) h.ok(h.call(M.scheduler.LoadModel));
    h.delete("Model", FIN_ML, "b");
    expect(h.c.modelStatus(FIN_ML, "b")?.deleting).toBe(true);
    h.ok(h.call(M.scheduler.UnloadModel));
    const from = h.effects.length;
    h.reply(controlPlane, { event: "SEND_SERVERS" });
    h.reply(controlPlane, { event: "SEND_RESOURCES" }); // queued until SEND_SERVERS is handled
    expect(h.startedSince(from).map((s) => s.split(" ")[0])).toEqual(["ServerNotify"]);
    h.ok(h.calls(M.scheduler.ServerNotify).find((c) => req(c).isFirstSync === true)!);
    expect(h.startedSince(from).map((s) => s.split(" ")[0])).toEqual(["ServerNotify", "UnloadModel"]);
    expect(req(h.call(M.scheduler.UnloadModel))).toEqual({ model: { name: "b" }, kubernetesMeta: { namespace: FIN_ML, generation: 2 } });
    h.ok(h.call(M.scheduler.UnloadModel));
    expect(modelName(h.call(M.scheduler.LoadModel))).toBe("a");
    expect(h.calls(M.scheduler.LoadModel)).toHaveLength(1); // c waits for a's answer
    h.ok(h.call(M.scheduler.LoadModel));
    expect(modelName(h.call(M.scheduler.LoadModel))).toBe("c");
    h.ok(h.call(M.scheduler.LoadModel));
    expect(h.logTexts(from).filter((t) => t === "Handled state on reconnect")).toHaveLength(2);
  });

  it("a retryable failure ends the sync; the stream is re-subscribed with back-off and the sync runs again", () => {
    const h = new ControllerHarness();
    const { controlPlane } = connected(h);
    h.ok(h.call(M.scheduler.LoadModel));
    h.reply(controlPlane, { event: "SEND_RESOURCES" });
    const load = h.call(M.scheduler.LoadModel);
    // the scheduler went away: the unary call is retried by grpc_retry (200 ms, 400 ms, ...)
    h.close(load, refused());
    expect(h.calls(M.scheduler.LoadModel)).toHaveLength(0);
    h.advance(200);
    h.close(h.call(M.scheduler.LoadModel), refused());
    h.advance(399);
    expect(h.calls(M.scheduler.LoadModel)).toHaveLength(0);
    h.advance(1);
    const from = h.effects.length;
    h.close(h.call(M.scheduler.LoadModel), { code: Status.INTERNAL, details: "boom" });
    expect(h.logTexts(from)).toEqual([
      "Got grpc status code", "retryable error", "Failed to call load model", "Failed to send models to scheduler",
      "Failed to handle state on reconnect", "Scheduler not ready",
    ]);
    h.advance(1500);
    const again = h.call(M.scheduler.SubscribeControlPlane);
    expect(again.call).not.toBe(controlPlane.call);
    h.reply(again, { event: "SEND_RESOURCES" });
    expect(modelName(h.call(M.scheduler.LoadModel))).toBe("test-model-simple");
  });

  it("gives up handling an event after 5 minutes", () => {
    const h = new ControllerHarness();
    const { controlPlane } = connected(h);
    h.reply(controlPlane, { event: "SEND_SERVERS" });
    const notify = h.calls(M.scheduler.ServerNotify).find((c) => req(c).isFirstSync === true)!;
    const from = h.effects.length;
    h.advance(300_000);
    expect(h.effects.slice(from)).toContainEqual({ kind: "cancel", call: notify.call });
    const failed = h.logs(from).find((l) => l.msg === "Failed to handle state on reconnect")!;
    expect(failed.fields?.error).toBe("rpc error: code = DeadlineExceeded desc = Failed to send event within timeout");
  });
});

describe("apply and delete", () => {
  it("a spec change bumps the generation and loads again; an identical apply does nothing", () => {
    const h = new ControllerHarness();
    connected(h);
    h.ok(h.call(M.scheduler.LoadModel));
    const from = h.effects.length;
    h.apply(CONSULTATION_MODEL);
    expect(h.startedSince(from)).toEqual([]);
    h.apply({ ...CONSULTATION_MODEL, spec: { ...CONSULTATION_MODEL.spec, requirements: ["mlflow", "sklearn"] } });
    const load = req(h.call(M.scheduler.LoadModel)) as { model: { meta: { kubernetesMeta: unknown }; modelSpec: { requirements: string[] } } };
    expect(load.model.meta.kubernetesMeta).toEqual({ namespace: FIN_ML, generation: 2 });
    expect(load.model.modelSpec.requirements).toEqual(["mlflow", "sklearn"]);
  });

  it("delete: UnloadModel with the new generation; the finalizer goes when the scheduler says terminated", () => {
    const h = new ControllerHarness();
    const { modelStream } = connected(h);
    h.ok(h.call(M.scheduler.LoadModel));
    h.delete("Model", FIN_ML, "test-model-simple");
    expect(req(h.call(M.scheduler.UnloadModel))).toEqual({ model: { name: "test-model-simple" }, kubernetesMeta: { namespace: FIN_ML, generation: 2 } });
    h.ok(h.call(M.scheduler.UnloadModel));
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")?.deleting).toBe(true);
    h.reply(modelStream, modelStatusMsg("test-model-simple", "ModelTerminating", { generation: 2 }));
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")?.state).toBe("ModelTerminating");
    const from = h.effects.length;
    h.reply(modelStream, modelStatusMsg("test-model-simple", "ModelTerminated", { generation: 2 }));
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")).toBeNull();
    expect(h.logs(from).find((l) => l.msg === "Failed to update status")?.fields?.error).toBe('models.mlops.seldon.io "test-model-simple" not found');
    expect(h.c.kubectlGetModels(FIN_ML)).toBe("No resources found in financial-ml namespace.\n");
  });

  it("a reconcile goes on with the Model it started with: deleted while it waits for the connection, it still loads generation 1", () => {
    const h = new ControllerHarness();
    h.apply(CONSULTATION_MODEL); // the reconcile adds the finalizer, then waits for the smoke test
    h.delete("Model", FIN_ML, "test-model-simple");
    h.connect();
    expect((req(h.call(M.scheduler.LoadModel)).model as Req).meta).toMatchObject({ kubernetesMeta: { namespace: FIN_ML, generation: 1 } });
    h.ok(h.call(M.scheduler.LoadModel));
    expect(req(h.call(M.scheduler.UnloadModel))).toEqual({ model: { name: "test-model-simple" }, kubernetesMeta: { namespace: FIN_ML, generation: 2 } });
  });

  it("a model the scheduler does not know (FailedPrecondition) is deleted at once", () => {
    const h = new ControllerHarness();
    connected(h);
    h.close(h.call(M.scheduler.LoadModel), { code: Status.FAILED_PRECONDITION, details: "nope" });
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")).toMatchObject({ ready: false, state: "ModelFailed", reason: "rpc error: code = FailedPrecondition desc = nope" });
    expect(h.logTexts()).not.toContain("Reconciler error"); // not retryable: no requeue
    h.delete("Model", FIN_ML, "test-model-simple");
    h.close(h.call(M.scheduler.UnloadModel), { code: Status.FAILED_PRECONDITION, details: "Model test-model-simple not found" });
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")).toBeNull();
  });

  it("a reconcile's LoadModel is retried on UNAVAILABLE until the 5-minute reconcile deadline", () => {
    const h = new ControllerHarness();
    h.apply(CONSULTATION_MODEL);
    h.connect(); // t = 10: the reconcile started at t = 0
    const attempts: number[] = [];
    const deadlines: (number | undefined)[] = [];
    while (!h.logTexts().includes("Reconciler error")) {
      const load = h.calls(M.scheduler.LoadModel)[0];
      if (load) {
        attempts.push(h.now);
        deadlines.push(load.deadlineMs);
        h.close(load, refused());
      } else h.advance(10);
    }
    // grpc_retry waits 200 ms × 2^(n-1) before attempt n; the next wait would pass the deadline
    expect(attempts).toEqual([10, 210, 610, 1410, 3010, 6210, 12610, 25410, 51010, 102210, 204610]);
    expect(deadlines[0]).toBe(300_000 - 10);
    expect(h.now).toBe(300_000);
    const err = "rpc error: code = DeadlineExceeded desc = context deadline exceeded";
    expect(h.logs().find((l) => l.msg === "Reconciler error")?.fields?.error).toBe(err);
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")).toMatchObject({ ready: false, state: "ModelProgressing", reason: err });
  });

  it("refuses what the API server refuses, and deleting what does not exist", () => {
    const h = new ControllerHarness();
    expect(() => h.apply({ ...CONSULTATION_MODEL, spec: { ...CONSULTATION_MODEL.spec, memory: "lots" } })).toThrow(ResourceError);
    expect(() => h.delete("Model", FIN_ML, "nope")).toThrow('models.mlops.seldon.io "nope" not found');
    expect(h.effects.filter((e) => e.kind === "call")).toEqual([]);
  });

  it("a Server whose ServerConfig does not exist: notified, then not ready and requeued", () => {
    const h = new ControllerHarness();
    h.apply({ ...SERVER, spec: { serverConfig: "custom" } });
    h.connect();
    h.ok(h.call(M.scheduler.ServerNotify));
    expect(h.c.serverStatus(FIN_ML, "mlserver")).toMatchObject({ ready: false });
    expect(h.c.serverStatus(FIN_ML, "mlserver")?.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Ready", "False", 'serverconfigs.mlops.seldon.io "custom" not found'],
      ["StatefulSetReady", "False", 'serverconfigs.mlops.seldon.io "custom" not found'],
    ]);
    expect(h.logTexts()).toContain("Reconciler error");
    // applying it makes the Server reconcile succeed
    h.apply({ apiVersion: "mlops.seldon.io/v1alpha1", kind: "ServerConfig", metadata: { name: "custom", namespace: "seldon-system" }, spec: { podSpec: {} } });
    for (let i = 0; i < 5 && h.calls(M.scheduler.ServerNotify).length > 0; i++) {
      h.ok(h.call(M.scheduler.ServerNotify));
      h.advance(1000);
    }
    expect(h.c.serverStatus(FIN_ML, "mlserver")?.ready).toBe(true);
  });
});

describe("status from the scheduler's streams", () => {
  it("model status turns into READY True 1 1 in kubectl get model", () => {
    const h = new ControllerHarness();
    const { modelStream } = connected(h, [model("iris", { replicas: 1 }), CONSULTATION_MODEL]);
    h.reply(modelStream, modelStatusMsg("iris", "ModelProgressing", { unavailable: 1 }));
    expect(h.c.modelStatus(FIN_ML, "iris")).toMatchObject({ ready: false, replicas: 1, availableReplicas: 0, statusReplicas: 1, state: "ModelProgressing" });
    h.reply(modelStream, modelStatusMsg("iris", "ModelAvailable", { available: 1 }));
    h.reply(modelStream, modelStatusMsg("test-model-simple", "ScheduleFailed", { reason: "Failed to schedule model as no matching servers are available" }));
    expect(h.c.modelStatus(FIN_ML, "iris")).toMatchObject({ ready: true, replicas: 1, availableReplicas: 1, state: "ModelAvailable", reason: "", selector: "server=mlserver" });
    expect(h.c.modelStatus(FIN_ML, "iris")?.conditions.map((c) => [c.type, c.status, c.message])).toEqual([
      ["ModelReady", "True", "ModelAvailable"],
      ["Ready", "True", ""],
    ]);
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")).toMatchObject({
      ready: false, replicas: null, state: "ScheduleFailed", reason: "Failed to schedule model as no matching servers are available",
    });
    expect(h.c.kubectlGetModels(FIN_ML, 5 * 60_000)).toBe(
      "NAME                READY   DESIRED REPLICAS   AVAILABLE REPLICAS   AGE\n" +
        "iris                True    1                  1                    5m\n" +
        "test-model-simple   False                                           5m\n",
    );
    expect(h.c.events()).toContainEqual(expect.objectContaining({ type: "Normal", reason: "ModelReady", message: "Model [iris] is Ready", name: "iris" }));
  });

  it("ignores events of another generation and events without Kubernetes metadata", () => {
    const h = new ControllerHarness();
    const { modelStream } = connected(h);
    const from = h.effects.length;
    h.reply(modelStream, modelStatusMsg("test-model-simple", "ModelAvailable", { available: 1, generation: 7 }));
    const noMeta = modelStatusMsg("test-model-simple", "ModelAvailable", { available: 1 }) as { versions: { kubernetesMeta?: unknown }[] };
    delete noMeta.versions[0]!.kubernetesMeta;
    h.reply(modelStream, noMeta);
    expect(h.c.modelStatus(FIN_ML, "test-model-simple")?.ready).toBeNull();
    expect(h.logTexts(from)).toEqual(["Received event", "Ignoring event for old generation", "Ignoring event with no Kubernetes metadata."]);
  });

  it("server status: loaded model replicas, and the Server is reconciled again", () => {
    const h = new ControllerHarness();
    const { serverStream } = connected(h);
    h.ok(h.call(M.scheduler.ServerNotify));
    h.ok(h.call(M.scheduler.ServerNotify)); // its own status write reconciled it once more
    expect(h.calls(M.scheduler.ServerNotify)).toHaveLength(0);
    h.reply(serverStream, {
      type: "StatusUpdate", serverName: "mlserver", resources: [], expectedReplicas: 1, availableReplicas: 1, numLoadedModelReplicas: 2,
      kubernetesMeta: { namespace: FIN_ML, generation: 1 },
    });
    expect(h.c.serverStatus(FIN_ML, "mlserver")).toMatchObject({ ready: true, replicas: 1, loadedModels: 2 });
    expect(h.calls(M.scheduler.ServerNotify)).toHaveLength(1);
    expect(h.c.kubectlGetServers(FIN_ML, 90_000)).toBe("NAME       READY   REPLICAS   LOADED MODELS   AGE\nmlserver   True    1          2               90s\n");
  });

  it("a reconcile goes on with the Server it started with when a scaling request changes it meanwhile", () => {
    const h = new ControllerHarness();
    h.apply({ ...SERVER, spec: { serverConfig: "mlserver", replicas: 1, minReplicas: 1, maxReplicas: 3 } });
    h.connect();
    const first = h.call(M.scheduler.ServerNotify);
    h.reply(h.call(M.scheduler.SubscribeServerStatus), {
      type: "ScalingRequest", serverName: "mlserver", resources: [], expectedReplicas: 2, availableReplicas: 1, numLoadedModelReplicas: 0,
      kubernetesMeta: { namespace: FIN_ML, generation: 1 },
    });
    const from = h.effects.length;
    h.ok(first);
    expect(h.logs(from).find((l) => l.msg === "Checking conditions for stateful set")?.fields).toMatchObject({ ".spec.replicas": 1 });
    expect(h.c.serverStatus(FIN_ML, "mlserver")?.replicas).toBe(1);
    expect(req(h.call(M.scheduler.ServerNotify))).toMatchObject({ servers: [{ expectedReplicas: 2, kubernetesMeta: { generation: 2 } }] });
    expect(h.c.serverResource(FIN_ML, "mlserver")?.spec).toMatchObject({ replicas: 2 });
  });

  it("a scaling request within min/max patches spec.replicas and notifies the scheduler", () => {
    const h = new ControllerHarness();
    h.apply({ ...SERVER, spec: { serverConfig: "mlserver", replicas: 1, minReplicas: 1, maxReplicas: 3 } });
    h.connect();
    h.ok(h.call(M.scheduler.ServerNotify));
    h.ok(h.call(M.scheduler.ServerNotify));
    const scale = (n: number) => h.reply(h.call(M.scheduler.SubscribeServerStatus), {
      type: "ScalingRequest", serverName: "mlserver", resources: [], expectedReplicas: n, availableReplicas: 1, numLoadedModelReplicas: 0,
      kubernetesMeta: { namespace: FIN_ML, generation: 1 },
    });
    scale(5);
    expect(h.logTexts()).toContain("Ignoring scale replicas request for server as expected replics is not valid");
    scale(2);
    expect(req(h.call(M.scheduler.ServerNotify))).toMatchObject({ servers: [{ expectedReplicas: 2, kubernetesMeta: { generation: 2 } }] });
    expect(h.c.serverResource(FIN_ML, "mlserver")?.spec).toMatchObject({ replicas: 2 });
  });
});
