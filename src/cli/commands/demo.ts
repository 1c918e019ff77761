/**
 * `seldon-sim demo`: the smallest end-to-end story. A server `mlserver` with two replicas (each
 * an agent beside a fake MLServer) subscribes to the scheduler; the controller sends the Server
 * and a two-replica Model; the model loads on both replicas and becomes available; it is then
 * deleted and terminates. Prints what kubectl and the scheduler would show at each step.
 */
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { Session } from "../../cluster/session.ts";
import { RUNTIME_KINDS, type RuntimeKind } from "../../runtime/index.ts";
import type { ClusterSpec, K8sResource } from "../../scenario/types.ts";
import { formatWithSource } from "../../runtime/logfmt.ts";

const NS = "seldon-mesh";

export const DEMO_CLUSTER: ClusterSpec = {
  controllerNamespace: "seldon-system",
  namespaces: [{ name: NS, runtime: true }],
  servers: [{
    name: "mlserver", namespace: NS, replicas: 2, type: "mlserver",
    env: { MEMORY_REQUEST: "1000000000" }, agentFlags: {},
    inference: { loadDelayMs: 500, loadFailure: null, outOfMemory: false },
    origin: { file: "<demo>", path: "cluster.servers[0]" },
  }],
};

const origin = { file: "<demo>", path: "resources" };

export const DEMO_SERVER: K8sResource = {
  apiVersion: "mlops.seldon.io/v1alpha1", kind: "Server",
  metadata: { name: "mlserver", namespace: NS },
  spec: { serverConfig: "mlserver", replicas: 2 },
  origin,
};

export const DEMO_MODEL: K8sResource = {
  apiVersion: "mlops.seldon.io/v1alpha1", kind: "Model",
  metadata: { name: "iris", namespace: NS },
  spec: { storageUri: "gs://seldon-models/scv2/samples/mlserver_1.5.0/iris-sklearn", requirements: ["sklearn"], memory: "100Ki", replicas: 2 },
  origin,
};

export const demoCommand: Command = async (argv: string[], io: CliIO) => {
  const { values } = parseFlags("demo", argv, { runtime: { type: "string" }, logs: { type: "boolean" }, help: { type: "boolean" } });
  if (values.help) {
    io.stdout("usage: seldon-sim demo [--runtime sim|wire] [--logs]\n");
    return 0;
  }
  const runtime = (values.runtime ?? "sim") as RuntimeKind;
  if (!RUNTIME_KINDS.includes(runtime)) throw new UserError(`demo: --runtime must be one of ${RUNTIME_KINDS.join(", ")}`);
  const session = await Session.start(DEMO_CLUSTER, { runtime, seed: 1 });
  try {
    const controller = () => session.controller()!;
    const scheduler = () => session.scheduler(NS)!;
    const show = (title: string) => {
      io.stdout(`\n# ${title} (t=${(session.now / 1000).toFixed(1)}s)\n$ kubectl get models -n ${NS}\n${controller().kubectlGetModels(NS, session.now)}`);
      const mv = scheduler().store.models.get("iris")?.latest();
      if (mv) {
        const replicas = [...mv.replicas].map(([i, r]) => `${i}:${r.state}`).join(" ");
        io.stdout(`scheduler: iris:${mv.version} ${mv.status.state} available=${mv.status.availableReplicas} replicas=[${replicas}]\n`);
      }
      const server = scheduler().store.servers.get("mlserver");
      if (server) {
        const mem = [...server.replicas.values()].map((r) => `${r.idx}:${r.availableMemory}/${r.memory}`).join(" ");
        io.stdout(`scheduler: server mlserver replicas (available/total memory bytes) [${mem}]\n`);
      }
    };
    io.stdout(`seldon-sim demo: runtime ${runtime}, namespace ${NS}, server mlserver x2, model iris x2\n`);
    await session.advance(5_000);
    session.apply(DEMO_SERVER);
    session.apply(DEMO_MODEL);
    await session.waitFor(() => scheduler().store.models.get("iris")?.latest()?.replicas.size === 2, 10_000);
    show("model applied: replicas asked to load");
    await session.waitFor(() => controller().modelStatus(NS, "iris")?.ready === true, 60_000);
    show("model loaded and routed");
    session.delete("Model", NS, "iris");
    await session.waitFor(() => scheduler().store.models.get("iris")?.latest()?.status.state === "ModelTerminated", 60_000);
    await session.advance(1_000);
    show("model deleted");
    if (values.logs) {
      io.stdout("\nLogs:\n");
      for (const l of session.engine.logs) io.stdout(`${formatWithSource(l, session.engine.epochMs)}\n`);
    }
    return 0;
  } finally {
    await session.close();
  }
};
