/**
 * `seldon-sim serve`: the wire runtime as a standalone process on real ports, so a real Seldon
 * component (or any client built from Seldon's protos) can join: as an agent on the
 * AgentService port, or as the controller on the Scheduler port.
 */
import type { CliIO, Command } from "../io.ts";
import { intFlag, parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { Session, type SessionOptions } from "../../cluster/session.ts";
import type { ClusterSpec, ServerTopology } from "../../scenario/types.ts";
import { SCHEDULER_POD } from "../../cluster/build.ts";
import { driveRealtime } from "../../runtime/realtime.ts";
import { WireTransport } from "../../runtime/wire/transport.ts";
import { formatWithSource } from "../../runtime/logfmt.ts";
import { openRecording } from "../../recording/file.ts";
import type { Engine } from "../../runtime/engine.ts";
import * as nodePath from "node:path";
import { loadScenarioFile } from "../../scenario/parse.ts";
import { startScenarioServe } from "../../roles/serve-scenario.ts";
import type { Role } from "../../roles/roles.ts";

export const SERVE_HELP = `usage: seldon-sim serve [options] [SCENARIO.yaml]

Runs a scheduler (and optionally servers, each replica an agent beside a fake MLServer) over
real gRPC, until interrupted (SIGINT/SIGTERM). With a scenario file: its whole cluster (every
namespace, runtime, server, network rule), its resources applied and its timeline played on the
wall clock, leaving out what real components take:
  --without ROLE          agent | mlserver | controller | scheduler: run none of these (a real
                          one joins on our ports); repeatable
  --scheduler HOST:PORT   a real scheduler's AgentService, for our agents; its Scheduler service
                          (for our controller) is --scheduler-api-port, default PORT-1
  --scheduler-api-port N

options:
  --host ADDR             address to bind (default 127.0.0.1)
  --namespace NS          namespace of the scheduler and servers (default seldon-mesh)
  --scheduler-port N      Scheduler service port (default 9004; 0 = any free port)
  --agent-port N          AgentService port (default 9005; 0 = any free port)
  --server SPEC           a server to run, NAME[:REPLICAS[:TYPE]] (TYPE mlserver|triton); repeatable
  --memory BYTES          MEMORY_REQUEST for every server replica (default 1000000000)
  --inference-grpc-port N gRPC port of the first fake MLServer (default 9500; others get free ports)
  --inference-http-port N REST port of the first fake MLServer (default 9000; others get free ports)
  --record FILE           record every gRPC message, outside peers' included, as JSON Lines
  --quiet                 do not print component logs
`;

export interface ServeOptions {
  host: string;
  namespace: string;
  schedulerPort: number;
  agentPort: number;
  servers: ServerTopology[];
  inferenceGrpcPort: number;
  inferenceHttpPort: number;
  onLog?: (line: string) => void;
  /** Called with the engine before anything starts (recording). */
  observe?: SessionOptions["observe"];
}

export interface RunningServe {
  session: Session;
  /** `namespace/pod:port` (as the pod would listen) → the real port on the host. */
  ports: Map<string, number>;
  stop(): Promise<void>;
}

export function parseServerSpec(spec: string, namespace: string, memory: string): ServerTopology {
  const [name, replicas = "1", type = "mlserver"] = spec.split(":");
  if (!name || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new UserError(`serve: --server "${spec}": expected NAME[:REPLICAS[:TYPE]] with a DNS-1123 name`);
  const n = Number(replicas);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`serve: --server "${spec}": replicas must be a whole number >= 1`);
  if (type !== "mlserver" && type !== "triton") throw new UserError(`serve: --server "${spec}": type must be mlserver or triton`);
  return {
    name, namespace, replicas: n, type,
    env: { MEMORY_REQUEST: memory }, agentFlags: {},
    inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false },
    origin: { file: "<command line>", path: "--server" },
  };
}

export async function startServe(o: ServeOptions): Promise<RunningServe> {
  const cluster: ClusterSpec = { controllerNamespace: null, namespaces: [{ name: o.namespace, runtime: true }], servers: o.servers };
  const fixedPorts = new Map<string, number>([
    [`${o.namespace}/${SCHEDULER_POD}:9004`, o.schedulerPort],
    [`${o.namespace}/${SCHEDULER_POD}:9005`, o.agentPort],
  ]);
  const first = o.servers[0];
  if (first) {
    fixedPorts.set(`${o.namespace}/${first.name}-0:9500`, o.inferenceGrpcPort);
    fixedPorts.set(`${o.namespace}/${first.name}-0:9000`, o.inferenceHttpPort);
  }
  const session = await Session.start(cluster, { runtime: "wire", seed: 1, epochMs: Date.now(), wire: { host: o.host, fixedPorts }, ...(o.observe ? { observe: o.observe } : {}) });
  if (o.onLog) {
    const log = o.onLog;
    for (const r of session.engine.logs) log(formatWithSource(r, session.engine.epochMs));
    session.engine.onLog.push((r) => log(formatWithSource(r, session.engine.epochMs)));
  }
  const driver = driveRealtime(session.engine);
  const transport = session.engine.transport as WireTransport;
  return {
    session,
    ports: transport.realPorts,
    async stop() {
      await driver.stop();
      await session.close();
    },
  };
}

export const serveCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("serve", argv, {
    host: { type: "string" },
    namespace: { type: "string" },
    "scheduler-port": { type: "string" },
    "agent-port": { type: "string" },
    server: { type: "string", multiple: true },
    memory: { type: "string" },
    "inference-grpc-port": { type: "string" },
    "inference-http-port": { type: "string" },
    quiet: { type: "boolean" },
    record: { type: "string" },
    without: { type: "string", multiple: true },
    scheduler: { type: "string" },
    "scheduler-api-port": { type: "string" },
    help: { type: "boolean" },
  }, true);
  if (values.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UserError(`serve: one scenario file at most, got ${positionals.length}`);
  if (positionals.length === 1) return serveScenario(positionals[0]!, values, io);
  for (const f of ["without", "scheduler", "scheduler-api-port"] as const) {
    if (values[f] !== undefined) throw new UserError(`serve: --${f} needs a scenario file`);
  }
  const namespace = values.namespace ?? "seldon-mesh";
  const memory = String(intFlag("serve", "memory", values.memory, 1_000_000_000));
  const recording = values.record === undefined ? null : openRecording(values.record);
  const running = await startServe({
    ...(recording ? { observe: (engine: Engine) => void recording.attach(engine) } : {}),
    host: values.host ?? "127.0.0.1",
    namespace,
    schedulerPort: intFlag("serve", "scheduler-port", values["scheduler-port"], 9004),
    agentPort: intFlag("serve", "agent-port", values["agent-port"], 9005),
    servers: (values.server ?? []).map((s) => parseServerSpec(s, namespace, memory)),
    inferenceGrpcPort: intFlag("serve", "inference-grpc-port", values["inference-grpc-port"], 9500),
    inferenceHttpPort: intFlag("serve", "inference-http-port", values["inference-http-port"], 9000),
    ...(values.quiet ? {} : { onLog: (l: string) => io.stderr(`${l}\n`) }),
  });
  io.stdout(`seldon-sim serve: listening on ${values.host ?? "127.0.0.1"}\n`);
  for (const [key, port] of running.ports) io.stdout(`  ${key.padEnd(48)} -> ${port}\n`);
  io.stdout("Ctrl-C to stop.\n");
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await running.stop();
  recording?.close();
  io.stdout("seldon-sim serve: stopped\n");
  return 0;
};

const ROLES = ["agent", "mlserver", "controller", "scheduler"] as const;

async function serveScenario(file: string, values: Record<string, string | boolean | string[] | undefined>, io: CliIO): Promise<number> {
  for (const f of ["server", "namespace", "memory"]) if (values[f] !== undefined) throw new UserError(`serve: --${f} is taken from the scenario file when one is given`);
  const scenario = loadScenarioFile(nodePath.resolve(io.cwd, file));
  const without = ((values.without as string[] | undefined) ?? []).map((r) => {
    if (!(ROLES as readonly string[]).includes(r)) throw new UserError(`serve: --without expects one of ${ROLES.join(", ")}, got "${r}"`);
    return r as Role;
  });
  let scheduler: { host: string; agentPort: number; apiPort: number } | undefined;
  if (typeof values.scheduler === "string") {
    const m = /^(.+):(\d{1,5})$/.exec(values.scheduler);
    if (!m || Number(m[2]) > 65535 || Number(m[2]) < 2) throw new UserError(`serve: --scheduler expects HOST:PORT, got "${values.scheduler}"`);
    const agentPort = Number(m[2]);
    scheduler = { host: m[1]!, agentPort, apiPort: intFlag("serve", "scheduler-api-port", values["scheduler-api-port"] as string | undefined, agentPort - 1, 1) };
  }
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  const recording = values.record === undefined ? null : openRecording(values.record as string);
  const running = await startScenarioServe({
    scenario, host, without, ...(scheduler ? { scheduler } : {}),
    ports: {
      scheduler: intFlag("serve", "scheduler-port", values["scheduler-port"] as string | undefined, 9004),
      agent: intFlag("serve", "agent-port", values["agent-port"] as string | undefined, 9005),
      inferenceGrpc: intFlag("serve", "inference-grpc-port", values["inference-grpc-port"] as string | undefined, 9500),
      inferenceHttp: intFlag("serve", "inference-http-port", values["inference-http-port"] as string | undefined, 9000),
    },
    ...(recording ? { observe: (engine: Engine) => void recording.attach(engine) } : {}),
  });
  if (!values.quiet) {
    const engine = running.session.engine;
    for (const r of engine.logs) io.stderr(`${formatWithSource(r, engine.epochMs)}\n`);
    engine.onLog.push((r) => io.stderr(`${formatWithSource(r, engine.epochMs)}\n`));
  }
  io.stdout(`seldon-sim serve: ${scenario.name} on ${host}${without.length > 0 ? `, without ${without.join(", ")}` : ""}${scheduler ? `, scheduler at ${scheduler.host}:${scheduler.agentPort}` : ""}\n`);
  for (const [key, port] of running.ports) io.stdout(`  ${key.padEnd(48)} -> ${port}\n`);
  io.stdout("Ctrl-C to stop.\n");
  void running.played.then((notes) => {
    for (const n of notes) io.stderr(`seldon-sim serve: ${n}\n`);
    io.stdout("seldon-sim serve: timeline played\n");
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await running.stop();
  recording?.close();
  io.stdout("seldon-sim serve: stopped\n");
  return 0;
}
