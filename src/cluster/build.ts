/**
 * Turns a cluster description into pods on an engine, the way Seldon deploys them: a
 * `seldon-scheduler-0` pod per namespace with a runtime, a pod per server replica holding the
 * agent beside its inference server, and the cluster-wide controller.
 */
import { Agent } from "../agent/agent.ts";
import { agentConfigFromEnv, agentFlagsFromCommandLine } from "../agent/config.ts";
import { Controller, KubeStore } from "../controller/controller.ts";
import { Rng } from "../core/rng.ts";
import { MlServer } from "../mlserver/server.ts";
import type { Engine, Pod } from "../runtime/engine.ts";
import { Scheduler, SCHEDULER_PORT } from "../scheduler/scheduler.ts";
import type { ClusterSpec, InferenceBehaviour, ServerTopology } from "../scenario/types.ts";
import type { PlacementChains } from "../scheduler/placement.ts";
import { DEFAULT_INSTALL, INSTALLS, type InstallKind } from "./install.ts";
import { agentEnv } from "./serverconfig.ts";
import { Rclone } from "../rclone/server.ts";
import { ArtifactStore } from "../rclone/store.ts";
import { DEFAULT_CONFIG_SECRETS, KubeSecrets, NO_ARTIFACTS } from "./secrets.ts";
import type { ArtifactsSpec } from "../scenario/types.ts";

export const SCHEDULER_POD = "seldon-scheduler-0";
export const SCHEDULER_SERVICE = "seldon-scheduler";
export const CONTROLLER_POD = "seldon-v2-controller-manager-0";
/** MLServer (Python) takes a moment to listen after its container starts; the agent, started
 * beside it, sees its first ServerLive calls refused, as on a real pod. */
export const MLSERVER_BOOT_MS = 4_000;

export interface ClusterHandles {
  schedulers: Map<string, () => Scheduler | null>;
  controller: (() => Controller | null) | null;
  servers: ServerTopology[];
  /** The inference behaviour per `namespace/pod`, read by the MLServer on every (re)start. */
  inference: Map<string, InferenceBehaviour>;
}

export interface BuildOptions {
  seed: number;
  chains?: Partial<PlacementChains>;
  /** See `SchedulerOptions.recordDecisions`. */
  recordDecisions?: boolean;
  /** See `SchedulerOptions.retainDecisions`. */
  retainDecisions?: number;
  /**
   * Every scheduler's `--scheduler-ready-timeout-seconds`, over the scenario's and the install's
   * (serve's flag).
   */
  schedulerReadyTimeoutSeconds?: number;
}

/** Pod IPs as K3s' flannel hands them out: 10.42.0.x, in the order pods are created. */
class IpAllocator {
  private next = 10;
  take(): string {
    return `10.42.0.${this.next++}`;
  }
}

export function buildCluster(engine: Engine, cluster: ClusterSpec, options: BuildOptions): ClusterHandles {
  const rng = new Rng(options.seed);
  const ips = new IpAllocator();
  const schedulers = new Map<string, () => Scheduler | null>();
  for (const ns of cluster.namespaces) {
    if (!ns.runtime) continue;
    const pod = engine.addPod({
      name: SCHEDULER_POD,
      namespace: ns.name,
      ip: ips.take(),
      services: [SCHEDULER_SERVICE],
      processes: [
        {
          container: "scheduler",
          role: "scheduler",
          spawn: () => new Scheduler({
            namespace: ns.name,
            ...(options.chains ? { chains: options.chains } : {}),
            ...(options.recordDecisions !== undefined ? { recordDecisions: options.recordDecisions } : {}),
            ...(options.retainDecisions !== undefined ? { retainDecisions: options.retainDecisions } : {}),
            readyTimeoutSeconds: options.schedulerReadyTimeoutSeconds ?? cluster.schedulerReadyTimeoutSeconds ?? INSTALLS[cluster.install ?? DEFAULT_INSTALL].schedulerReadyTimeoutSeconds,
            ...(cluster.modelAutoscaling ? { modelAutoscaling: true } : {}),
          }),
        },
      ],
    });
    schedulers.set(ns.name, () => componentOf<Scheduler>(pod, "scheduler"));
  }

  const inference = new Map<string, InferenceBehaviour>();
  for (const server of cluster.servers) addServerPods(engine, server, 0, server.replicas, ips, rng, inference, cluster.install, cluster.artifacts);

  let controller: (() => Controller | null) | null = null;
  if (cluster.controllerNamespace !== null) {
    const targets = cluster.namespaces
      .filter((n) => n.runtime)
      .map((n) => ({ namespace: n.name, address: `${SCHEDULER_SERVICE}.${n.name}:${SCHEDULER_PORT}` }));
    const crng = rng.fork("controller");
    // The API server's objects outlive a controller restart.
    const store = new KubeStore();
    const controllerNamespace = cluster.controllerNamespace;
    const pod = engine.addPod({
      name: CONTROLLER_POD,
      namespace: cluster.controllerNamespace,
      ip: ips.take(),
      processes: [{ container: "controller", role: "controller", spawn: () => new Controller({
        schedulers: targets, rng: crng.fork("incarnation"), store, namespace: controllerNamespace,
        ...(cluster.controllerWatchNamespace !== undefined ? { watchNamespace: cluster.controllerWatchNamespace } : {}),
      }) }],
    });
    controller = () => componentOf<Controller>(pod, "controller");
  }
  return { schedulers, controller, servers: cluster.servers, inference };
}

/** Pods `from`..`to-1` of a server (used again when a server scales up). */
export function addServerPods(
  engine: Engine,
  server: ServerTopology,
  from: number,
  to: number,
  ips: { take(): string },
  rng: Rng,
  inference: Map<string, InferenceBehaviour>,
  install?: InstallKind,
  artifacts: ArtifactsSpec = NO_ARTIFACTS,
): void {
  const secrets = new KubeSecrets(artifacts);
  const store = new ArtifactStore(artifacts.storage);
  for (let i = from; i < to; i++) {
    const podName = `${server.name}-${i}`;
    const ip = i === 0 && server.podIp ? server.podIp : ips.take();
    const env = agentEnv(server.type, server.env, podName, server.namespace, install);
    const flags = agentFlagsFromCommandLine(server.agentFlags);
    const key = `${server.namespace}/${podName}`;
    inference.set(key, { ...server.inference });
    const agentRng = rng.fork(`agent:${key}`);
    engine.addPod({
      name: podName,
      namespace: server.namespace,
      ip,
      services: [server.name],
      server: server.name,
      replica: i,
      processes: [
        // The ServerConfig's container order: rclone, agent, inference server.
        { container: "rclone", role: "rclone", spawn: () => new Rclone({ name: podName, store }) },
        {
          container: "agent",
          role: "agent",
          spawn: () => {
            const config = agentConfigFromEnv(env, podName, flags);
            return new Agent(config, {
              schedulerAddress: `${config.schedulerHost}:${config.schedulerPort}`,
              inferenceAddress: `${config.inferenceHost}:${config.inferenceGrpcPort}`,
              rng: agentRng.fork("incarnation"),
              rclone: { namespace: server.namespace, secrets, ...agentRcloneConfig(artifacts, server.namespace) },
            });
          },
        },
        {
          container: "mlserver",
          role: "mlserver",
          bootMs: MLSERVER_BOOT_MS,
          spawn: () => {
            const m = new MlServer({ name: podName, grpcPort: Number(env.SELDON_SERVER_GRPC_PORT ?? 9500), httpPort: Number(env.SELDON_SERVER_HTTP_PORT ?? 9000) });
            const b = inference.get(key);
            if (b) m.setLoadBehaviour({ delayMs: b.loadDelayMs, ...(b.loadFailure ? { fail: b.loadFailure } : {}), outOfMemory: b.outOfMemory });
            return m;
          },
        },
      ],
    });
  }
}

/** The `seldon-agent` ConfigMap's rclone lists: the SeldonRuntime's, then the SeldonConfig's (the operator's AddDefaults). */
function agentRcloneConfig(artifacts: ArtifactsSpec, namespace: string): { configSecrets: string[]; rawConfigs: string[] } {
  const runtime = artifacts.agentRclone?.[namespace];
  return { configSecrets: [...(runtime?.configSecrets ?? []), ...DEFAULT_CONFIG_SECRETS], rawConfigs: [...(runtime?.rawConfigs ?? [])] };
}

function componentOf<T>(pod: Pod, container: string): T | null {
  return (pod.processes.get(container)?.component as T | undefined) ?? null;
}
