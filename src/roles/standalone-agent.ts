/**
 * Our agent as a process of its own, for a real scheduler and a real inference server: one server
 * pod whose agent is ours, the scheduler and MLServer beside it stand-ins for the real ones.
 * The agent reads its environment as Seldon's agent does (POD_NAME, MEMORY_REQUEST,
 * SELDON_SERVER_CAPABILITIES, ...); only the addresses it dials are mapped to the real components.
 */
import { Session } from "../cluster/session.ts";
import { SCHEDULER_POD } from "../cluster/build.ts";
import { AGENT_ENV_NAMES } from "../scenario/parse.ts";
import { UserError } from "../core/errors.ts";
import { driveRealtime, type RealtimeDriver } from "../runtime/realtime.ts";
import { rolesOptions, type Replacement } from "./roles.ts";
import type { ServerType } from "../scenario/types.ts";
import type { SessionOptions } from "../cluster/session.ts";

export interface StandaloneAgentOptions {
  scheduler: { host: string; port: number };
  inference: { host: string; grpcPort: number; httpPort: number };
  /** The agent's environment (only the names Seldon's agent reads are taken). */
  env: Record<string, string | undefined>;
  observe?: SessionOptions["observe"];
}

export interface RunningAgent {
  session: Session;
  stop(): Promise<void>;
}

export async function startStandaloneAgent(o: StandaloneAgentOptions): Promise<RunningAgent> {
  const env: Record<string, string> = {};
  for (const k of AGENT_ENV_NAMES) if (o.env[k] !== undefined) env[k] = o.env[k]!;
  const podName = o.env.POD_NAME ?? "mlserver-0";
  const m = /^(.+)-(\d+)$/.exec(podName);
  if (!m) throw new UserError(`agent: POD_NAME "${podName}": expected <server>-<replica index>, as a StatefulSet names its pods`);
  const server = m[1]!;
  const replica = Number(m[2]);
  const namespace = o.env.POD_NAMESPACE ?? "seldon-mesh";
  const type: ServerType = o.env.SELDON_SERVER_TYPE === "triton" ? "triton" : "mlserver";
  // Inside the cluster the agent dials its usual names; the stand-ins carry that to the real ones.
  Object.assign(env, { SELDON_SCHEDULER_HOST: "seldon-scheduler", SELDON_SCHEDULER_PORT: "9005", SELDON_SERVER_GRPC_PORT: "9500", SELDON_SERVER_HTTP_PORT: "9000" });
  const replacements: Replacement[] = [
    { role: "scheduler", namespace, pod: SCHEDULER_POD, remote: { host: o.scheduler.host, ports: new Map([[9005, o.scheduler.port], [9004, o.scheduler.port]]) } },
    { role: "mlserver", namespace, pod: podName, remote: { host: o.inference.host, ports: new Map([[9500, o.inference.grpcPort], [9000, o.inference.httpPort]]) } },
  ];
  const roles = rolesOptions(replacements);
  const session = await Session.start(
    {
      controllerNamespace: null,
      namespaces: [{ name: namespace, runtime: true }],
      servers: [{
        name: server, namespace, replicas: replica + 1, type, env, agentFlags: {},
        inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false },
        origin: { file: "<environment>", path: "POD_NAME" },
      }],
    },
    {
      runtime: "wire", seed: Date.now() % 2 ** 31, epochMs: Date.now(),
      // Only this pod's agent runs; the other replicas' pods exist only for their names.
      omit: (pod, c) => roles.omit!(pod, c) || (pod.server === server && pod.name !== podName),
      remote: roles.remote!,
      ...(o.observe ? { observe: o.observe } : {}),
    },
  );
  const driver: RealtimeDriver = driveRealtime(session.engine);
  return {
    session,
    async stop() {
      await driver.stop();
      await session.close();
    },
  };
}
