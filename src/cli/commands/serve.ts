/**
 * `seldon-sim serve`: the wire runtime as a standalone process on real ports, so a real Seldon
 * component (or any client built from Seldon's protos) can join: as an agent on the
 * AgentService port, or as the controller on the Scheduler port.
 */
import { DEFAULT_INSTALL, INSTALLS } from "../../cluster/install.ts";
import type { CliIO, Command } from "../io.ts";
import { intFlag, parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { Session, type SessionOptions } from "../../cluster/session.ts";
import type { ClusterSpec, ServerTopology } from "../../scenario/types.ts";
import { SCHEDULER_POD } from "../../cluster/build.ts";
import { M } from "../../proto/index.ts";
import { driveRealtime } from "../../runtime/realtime.ts";
import { WireTransport } from "../../runtime/wire/transport.ts";
import { formatWithSource } from "../../runtime/logfmt.ts";
import { hostPort, type TlsFiles } from "../../runtime/wire/listeners.ts";
import type { ListenerInfo } from "../../runtime/wire/transport.ts";
import { SERVE_RETAIN, type Retention } from "../../core/retention.ts";
import { mountControlApi } from "../../api/mount.ts";
import { ApiListenError } from "../../api/server.ts";
import { openRecording } from "../../recording/file.ts";
import type { Engine } from "../../runtime/engine.ts";
import * as nodePath from "node:path";
import { loadScenarioFile } from "../../scenario/parse.ts";
import { startScenarioServe } from "../../roles/serve-scenario.ts";
import type { Role } from "../../roles/roles.ts";
import * as dns from "node:dns/promises";
import * as net from "node:net";
import * as tls from "node:tls";

export const DEFAULT_RETAIN = SERVE_RETAIN;

export const SERVE_HELP = `usage: seldon-sim serve [options] [SCENARIO.yaml]

Runs a scheduler (and optionally servers, each replica an agent beside a fake MLServer) over
real gRPC, until interrupted (SIGINT/SIGTERM: every open call ends with UNAVAILABLE and the
process exits 0 within a few seconds). See docs/security.md before exposing it beyond loopback.
With a scenario file: its whole cluster (every namespace, runtime, server, network rule), its
resources applied and its timeline played on the wall clock, leaving out what real components take:
  --without ROLE            agent | mlserver | controller | scheduler: run none of these (a real
                            one joins on our ports); repeatable
  --scheduler HOST:PORT     a real scheduler's AgentService, for our agents; its Scheduler service
                            (for our controller) is --scheduler-api-port, default PORT-1
  --scheduler-api-port N

options:
  --host ADDR               address of the public listeners: IPv4, IPv6 or a name (default 127.0.0.1)
  --namespace NS            namespace of the scheduler and servers (default seldon-mesh)
  --scheduler-port N        Scheduler service port (default 9004; 0 = any free port)
  --agent-port N            AgentService port (default 9005; 0 = any free port)
  --server SPEC             a server to run, NAME[:REPLICAS[:TYPE]] (TYPE mlserver|triton); repeatable
  --memory BYTES            MEMORY_REQUEST for every server replica (default 1000000000)
  --inference-grpc-port N   gRPC port of the first fake MLServer (default 9500; others get free ports)
  --inference-http-port N   REST port of the first fake MLServer (default 9000; others get free ports)
  --retain N                log records, trace events and placement decisions kept, newest first
                            (default ${DEFAULT_RETAIN}; 0 keeps none)
  --connection-timeout S    seconds a new connection has to send the HTTP/2 preface before it is
                            closed (default 120, as grpc-go's server; 0 = never)
  --await-controller        leave the scheduler's start-up to a real controller's first-sync
                            ServerNotify, as a freshly started v2.9.0 scheduler (it schedules
                            nothing until then, or the ready timeout); by default serve announces
                            its own servers as the operator would on start
  --scheduler-ready-timeout-seconds S
                            the synchroniser's ready timeout (default 600, as the Helm chart)
  --controller              also run the simulated Seldon controller (namespace seldon-system), so
                            Model and Server resources can be applied through the control API
  --control-port N          HTTP control API and Toxiproxy API port (default 8474, or any free port
                            when another process holds 8474; 0 = any free port)
  --no-control              no control API
  --no-grpc-probes          no gRPC health service or reflection on the fakes' ports (as Seldon
                            v2.9.0's scheduler and agent, which register neither)
  --tls-cert FILE           PEM certificate for the scheduler's ports (9004, 9005); needs --tls-key
  --tls-key FILE            PEM private key for --tls-cert
  --tls-ca FILE             PEM CA bundle: clients must present a certificate it signed (mTLS)
  --record FILE             record every gRPC message, outside peers' included, as JSON Lines
  --quiet                   do not print component logs
`;

export interface ServeOptions {
  host: string;
  namespace: string;
  schedulerPort: number;
  agentPort: number;
  servers: ServerTopology[];
  inferenceGrpcPort: number;
  inferenceHttpPort: number;
  /** Bounds on logs, trace and decisions (default: DEFAULT_RETAIN each). */
  retain?: Retention;
  connectionTimeoutMs?: number;
  tls?: TlsFiles;
  /** Leave the first-sync ServerNotify to a real controller (default: serve sends it). */
  awaitController?: boolean;
  schedulerReadyTimeoutSeconds?: number;
  /** Run the simulated controller too (resources applied through the control API). */
  controller?: boolean;
  /** Port of the control API; null or absent for none. */
  controlPort?: number | null;
  /** The port is the default one (8474), not asked for: when it is taken, any free port will do. */
  controlPortDefaulted?: boolean;
  /** gRPC health and reflection on the fakes' ports (default true). */
  grpcProbes?: boolean;
  onLog?: (line: string) => void;
  /** Called with the engine before anything starts (recording). */
  observe?: SessionOptions["observe"];
}

export interface RunningServe {
  session: Session;
  /** `namespace/pod:port` (as the pod would listen) → the real port on the host. */
  ports: Map<string, number>;
  /** Every public listener, as the banner lists them. */
  listeners: ListenerInfo[];
  /** The control API's base URL, when it runs. */
  controlUrl: string | null;
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
  const cluster: ClusterSpec = { controllerNamespace: o.controller ? "seldon-system" : null, namespaces: [{ name: o.namespace, runtime: true }], servers: o.servers };
  const fixedPorts = new Map<string, number>([
    [`${o.namespace}/${SCHEDULER_POD}:9004`, o.schedulerPort],
    [`${o.namespace}/${SCHEDULER_POD}:9005`, o.agentPort],
  ]);
  const first = o.servers[0];
  if (first) {
    fixedPorts.set(`${o.namespace}/${first.name}-0:9500`, o.inferenceGrpcPort);
    fixedPorts.set(`${o.namespace}/${first.name}-0:9000`, o.inferenceHttpPort);
  }
  const retain = o.retain ?? { logs: DEFAULT_RETAIN, trace: DEFAULT_RETAIN, decisions: DEFAULT_RETAIN };
  const session = await Session.start(cluster, {
    runtime: "wire", seed: 1, epochMs: Date.now(), retain,
    ...(o.schedulerReadyTimeoutSeconds !== undefined ? { schedulerReadyTimeoutSeconds: o.schedulerReadyTimeoutSeconds } : {}),
    ...(o.observe ? { observe: o.observe } : {}),
    wire: {
      host: o.host, fixedPorts, orderedDeliveries: false, probes: o.grpcProbes ?? true,
      ...(o.connectionTimeoutMs !== undefined ? { connectionTimeoutMs: o.connectionTimeoutMs } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    },
  });
  if (o.onLog) {
    const log = o.onLog;
    for (const r of session.engine.logs) log(formatWithSource(r, session.engine.epochMs));
    session.engine.onLog.push((r) => log(formatWithSource(r, session.engine.epochMs)));
  }
  const driver = driveRealtime(session.engine);
  const transport = session.engine.transport as WireTransport;
  if (!o.awaitController && !o.controller) {
    // No operator announces the servers here unless one joins: serve does what the operator does
    // on start, so the scheduler's synchroniser is ready once its own replicas have subscribed.
    const scheduler = session.engine.proc(o.namespace, SCHEDULER_POD, "scheduler");
    await transport.injectUnary(scheduler, M.scheduler.ServerNotify, {
      servers: o.servers.map((s) => ({ name: s.name, expectedReplicas: s.replicas, shared: false })),
      isFirstSync: true,
    });
  }
  const api = o.controlPort === null || o.controlPort === undefined ? null : await mountControlApi(session, transport.realPorts, o.host, o.controlPort).catch((e: unknown) => {
    // Several serves side by side: only the first gets Toxiproxy's default port, the banner says which.
    if (!o.controlPortDefaulted || !(e instanceof ApiListenError) || !/EADDRINUSE/.test(e.message)) throw e;
    return mountControlApi(session, transport.realPorts, o.host, 0);
  }).catch(async (e: unknown) => {
    await driver.stop();
    await session.close();
    throw e;
  });
  let stopping: Promise<void> | null = null;
  return {
    session,
    ports: transport.realPorts,
    listeners: transport.listeners,
    controlUrl: api?.url ?? null,
    stop() {
      stopping ??= (async () => {
        await api?.close();
        await driver.stop();
        await session.close();
      })();
      return stopping;
    },
  };
}

/** A serve that has not stopped by then after a signal exits anyway. */
const STOP_DEADLINE_MS = 4_000;

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
    retain: { type: "string" },
    "connection-timeout": { type: "string" },
    "await-controller": { type: "boolean" },
    controller: { type: "boolean" },
    "control-port": { type: "string" },
    "no-control": { type: "boolean" },
    "no-grpc-probes": { type: "boolean" },
    "scheduler-ready-timeout-seconds": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "tls-ca": { type: "string" },
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
  // Every flag is checked before anything is bound: a bad one exits 2 with nothing left running.
  const namespace = values.namespace ?? "seldon-mesh";
  if (!DNS_LABEL.test(namespace)) throw new UserError(`serve: --namespace expects a DNS-1123 label (lower case letters, digits, '-'), got "${namespace}"`);
  const memory = uint64Flag("serve", "memory", values.memory, "1000000000");
  const host = await hostFlag(values.host ?? "127.0.0.1");
  const retainN = intFlag("serve", "retain", values.retain, DEFAULT_RETAIN);
  const timeoutS = intFlag("serve", "connection-timeout", values["connection-timeout"], 120);
  const options: ServeOptions = {
    host,
    namespace,
    schedulerPort: portFlag("scheduler-port", values["scheduler-port"], 9004),
    agentPort: portFlag("agent-port", values["agent-port"], 9005),
    servers: (values.server ?? []).map((s) => parseServerSpec(s, namespace, memory)),
    inferenceGrpcPort: portFlag("inference-grpc-port", values["inference-grpc-port"], 9500),
    inferenceHttpPort: portFlag("inference-http-port", values["inference-http-port"], 9000),
    retain: { logs: retainN, trace: retainN, decisions: retainN },
    connectionTimeoutMs: timeoutS === 0 ? Infinity : timeoutS * 1000,
    ...tlsFlags(io, values["tls-cert"], values["tls-key"], values["tls-ca"]),
    awaitController: values["await-controller"] === true,
    controller: values.controller ?? false,
    controlPort: values["no-control"] ? null : portFlag("control-port", values["control-port"], 8474),
    controlPortDefaulted: values["control-port"] === undefined,
    grpcProbes: !values["no-grpc-probes"],
    // Without the flag the scenario's, else its install's (both installs set 600).
    ...(values["scheduler-ready-timeout-seconds"] !== undefined
      ? { schedulerReadyTimeoutSeconds: intFlag("serve", "scheduler-ready-timeout-seconds", values["scheduler-ready-timeout-seconds"], 600) }
      : {}),
    ...(values.quiet ? {} : { onLog: (l: string) => io.stderr(`${l}\n`) }),
  };
  const names = new Set<string>();
  for (const s of options.servers) {
    if (names.has(s.name)) throw new UserError(`serve: --server ${s.name} is given twice`);
    names.add(s.name);
  }
  const recording = values.record === undefined ? null : openRecording(values.record);
  if (recording) options.observe = (engine: Engine) => void recording.attach(engine);
  const running = await startServe(options);
  // Listening for the signal before the banner says Ctrl-C stops it: a script that signals as
  // soon as it reads the banner must get the clean stop, not Node's default end on SIGINT.
  const signalled = untilSignal(io);
  io.stdout(banner(running, options));
  return serveUntilSignal(io, signalled, running, recording);
};

/** Serves until `signalled` (SIGINT or SIGTERM), then stops within the deadline whatever the peers hold. */
async function serveUntilSignal(io: CliIO, signalled: Promise<void>, running: { stop(): Promise<void> }, recording: { close(): void } | null): Promise<number> {
  await signalled;
  const deadline = forceExitAfter(STOP_DEADLINE_MS);
  await running.stop();
  clearTimeout(deadline);
  recording?.close();
  io.stdout("seldon-sim serve: stopped\n");
  return 0;
}

/** Waits for SIGINT or SIGTERM. */
function untilSignal(io: CliIO): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      io.stdout(`seldon-sim serve: ${signal}, stopping\n`);
      resolve();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}

/** A second signal, or a stop that hangs, ends the process at once: shutdown never waits on peers. */
function forceExitAfter(ms: number): NodeJS.Timeout {
  const force = () => process.exit(0);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  const deadline = setTimeout(force, ms);
  deadline.unref();
  return deadline;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function banner(running: RunningServe, o: ServeOptions): string {
  const lines = [`seldon-sim serve: namespace ${o.namespace}, public listeners on ${o.host}`];
  const width = Math.max(...running.listeners.map((l) => l.key.length), "control-api".length);
  for (const l of running.listeners) lines.push(`  ${l.key.padEnd(width)}  ${l.protocol.padEnd(8)} ${hostPort(l.host, l.port)}`);
  if (running.controlUrl) {
    const u = new URL(running.controlUrl);
    lines.push(`  ${"control-api".padEnd(width)}  ${"http".padEnd(8)} ${u.host}  (API; /docs)`);
  }
  const r = o.retain!;
  lines.push(
    `  keeps the newest ${r.logs} log records, trace events and decisions (--retain)`,
    Number.isFinite(o.connectionTimeoutMs!)
      ? `  closes connections with no handshake after ${o.connectionTimeoutMs! / 1000} s (--connection-timeout)`
      : "  keeps connections with no handshake open (--connection-timeout 0)",
    o.controller
      ? "  the simulated controller (seldon-system) announces the servers and applies resources"
      : o.awaitController
        ? `  the scheduler waits for a controller's first sync (ready timeout ${o.schedulerReadyTimeoutSeconds ?? INSTALLS[DEFAULT_INSTALL].schedulerReadyTimeoutSeconds} s)`
        : `  first sync sent for ${o.servers.length} server(s), as the operator would (--await-controller)`,
    "  the simulated pods talk over private Unix sockets; nothing else listens",
    "Ctrl-C to stop.",
  );
  return lines.join("\n") + "\n";
}

function portFlag(name: string, value: string | undefined, fallback: number): number {
  const n = intFlag("serve", name, value, fallback);
  if (n > 65535) throw new UserError(`serve: --${name} expects a port from 0 to 65535, got "${value}"`);
  return n;
}

/** A whole number of bytes as Go's uint64 holds it, kept as written (no float rounding). */
function uint64Flag(command: string, name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || BigInt(value) > 2n ** 64n - 1n || BigInt(value) === 0n) {
    throw new UserError(`${command}: --${name} expects a whole number of bytes from 1 to 18446744073709551615, got "${value}"`);
  }
  return BigInt(value).toString();
}

/** The bind address: an IP literal as given, or a name that resolves here (e.g. localhost). */
async function hostFlag(host: string): Promise<string> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (net.isIP(bare)) return bare;
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(bare)) throw new UserError(`serve: --host expects an IP address or a host name, got "${host}"`);
  try {
    return (await dns.lookup(bare)).address;
  } catch {
    throw new UserError(`serve: --host "${host}" does not resolve to an address of this machine`);
  }
}

function tlsFlags(io: CliIO, cert: string | undefined, key: string | undefined, ca: string | undefined): { tls?: TlsFiles } {
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new UserError("serve: --tls-ca needs --tls-cert and --tls-key");
    return {};
  }
  if (cert === undefined || key === undefined) throw new UserError("serve: --tls-cert and --tls-key go together");
  const read = (flag: string, file: string, marker: RegExp, what: string): Buffer => {
    const text = io.readFile(file);
    if (!marker.test(text)) throw new UserError(`serve: --${flag}: expected a PEM ${what}`, { file });
    return Buffer.from(text);
  };
  const files: TlsFiles = {
    cert: read("tls-cert", cert, /-----BEGIN CERTIFICATE-----/, "certificate"),
    key: read("tls-key", key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, "private key"),
    ...(ca !== undefined ? { ca: read("tls-ca", ca, /-----BEGIN CERTIFICATE-----/, "CA certificate bundle") } : {}),
  };
  try {
    tls.createSecureContext({ cert: files.cert, key: files.key, ...(files.ca ? { ca: files.ca } : {}) });
  } catch (e) {
    throw new UserError(`serve: --tls-cert/--tls-key do not make a usable pair: ${(e as Error).message}`);
  }
  return { tls: files };
}

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
  const host = await hostFlag((values.host as string | undefined) ?? "127.0.0.1");
  const recording = values.record === undefined ? null : openRecording(values.record as string);
  const running = await startScenarioServe({
    scenario, host, without, ...(scheduler ? { scheduler } : {}),
    ports: {
      scheduler: portFlag("scheduler-port", values["scheduler-port"] as string | undefined, 9004),
      agent: portFlag("agent-port", values["agent-port"] as string | undefined, 9005),
      inferenceGrpc: portFlag("inference-grpc-port", values["inference-grpc-port"] as string | undefined, 9500),
      inferenceHttp: portFlag("inference-http-port", values["inference-http-port"] as string | undefined, 9000),
    },
    ...(recording ? { observe: (engine: Engine) => void recording.attach(engine) } : {}),
  });
  if (!values.quiet) {
    const engine = running.session.engine;
    for (const r of engine.logs) io.stderr(`${formatWithSource(r, engine.epochMs)}\n`);
    engine.onLog.push((r) => io.stderr(`${formatWithSource(r, engine.epochMs)}\n`));
  }
  const signalled = untilSignal(io);
  io.stdout(`seldon-sim serve: ${scenario.name} on ${host}${without.length > 0 ? `, without ${without.join(", ")}` : ""}${scheduler ? `, scheduler at ${scheduler.host}:${scheduler.agentPort}` : ""}\n`);
  for (const [key, port] of running.ports) io.stdout(`  ${key.padEnd(48)} -> ${port}\n`);
  io.stdout("Ctrl-C to stop.\n");
  void running.played.then((notes) => {
    for (const n of notes) io.stderr(`seldon-sim serve: ${n}\n`);
    io.stdout("seldon-sim serve: timeline played\n");
  });
  return serveUntilSignal(io, signalled, running, recording);
}
