/**
 * Runs a contract: the fakes of its scenario around the component under test (our own, in
 * process; a command we start; or a server already running), its stimuli played, every message
 * recorded, then each clause judged over the conversation of the component under test.
 */
import * as net from "node:net";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { stringify } from "yaml";
import { Session } from "../cluster/session.ts";
import { agentEnv } from "../cluster/serverconfig.ts";
import { resolveChains } from "../scheduling/registry.ts";
import { playScenario, sleep } from "../roles/play.ts";
import { Proc, type CallTap, type Engine } from "../runtime/engine.ts";
import { MLSERVER_BOOT_MS } from "../cluster/build.ts";
import type { RuntimeKind } from "../runtime/index.ts";
import { Recorder } from "../recording/recorder.ts";
import type { RecordEntry } from "../recording/entry.ts";
import { rolesOptions, type Replacement } from "../roles/roles.ts";
import { UserError } from "../core/errors.ts";
import { conversation, judge, type ClauseVerdict } from "./judge.ts";
import { subjectPlace, unplayableSteps, type SubjectPlace } from "./subject.ts";
import type { Contract } from "./types.ts";

export type Under =
  /** Our own component (a test may plant a changed one with `wrap`). */
  | { kind: "fake"; runtime: RuntimeKind; wrap?: Engine["wrap"] }
  /** A command we start, told our ports through its environment and `{placeholders}`. */
  | { kind: "command"; argv: string[]; cwd: string; onOutput?: (text: string) => void }
  /** A scheduler or MLServer already listening at `host:port` (a scheduler's AgentService at `agentPort`). */
  | { kind: "against"; host: string; port: number; agentPort?: number };

export interface VerifyOptions {
  seed?: number;
  /** Also write the recording here, as JSON Lines. */
  onEntry?: (e: RecordEntry) => void;
  log?: (line: string) => void;
  /** Real ms to wait for a started server under test to listen. */
  startTimeoutMs?: number;
}

export interface VerifyResult {
  contract: Contract;
  under: string;
  place: SubjectPlace;
  verdicts: ClauseVerdict[];
  entries: RecordEntry[];
  /** Things that happened besides the clauses (the command exited early, a step failed). */
  notes: string[];
}

/** Ports the pod would listen on, per role, as Seldon deploys them. */
const SCHEDULER_PORTS = { scheduler: 9004, agent: 9005 };
const MLSERVER_PORTS = { grpc: 9500, http: 9000 };

export async function verifyContract(contract: Contract, under: Under, options: VerifyOptions = {}): Promise<VerifyResult> {
  const place = subjectPlace(contract);
  const notes: string[] = [];
  const realtime = under.kind !== "fake";
  if (realtime) {
    const bad = unplayableSteps(contract, place);
    if (bad.length > 0) throw new UserError(bad.join("\n"));
  }
  if (under.kind === "against" && (contract.subject === "agent" || contract.subject === "controller")) {
    throw new UserError(`verify: --against dials a server; an ${contract.subject} dials us: start it with \`-- COMMAND\` (it is given our ports)`);
  }
  const scenario = contract.scenario;
  const replacements: Replacement[] = [];
  const remotePorts = new Map<number, number>();
  let child: ChildProcess | null = null;
  let exited: string | null = null;
  const placeholders: Record<string, string> = { namespace: place.namespace, podName: place.pod };

  // A real server: where it listens (found, or chosen and handed to the command we start).
  if (realtime && (contract.subject === "scheduler" || contract.subject === "mlserver")) {
    const wanted = contract.subject === "scheduler" ? [SCHEDULER_PORTS.scheduler, SCHEDULER_PORTS.agent] : [MLSERVER_PORTS.grpc, MLSERVER_PORTS.http];
    let host = "127.0.0.1";
    if (under.kind === "against") {
      host = under.host;
      remotePorts.set(wanted[0]!, under.port);
      remotePorts.set(wanted[1]!, contract.subject === "scheduler" ? (under.agentPort ?? under.port + 1) : under.port);
    } else {
      for (const p of wanted) remotePorts.set(p, await freePort());
    }
    replacements.push({ role: contract.subject, namespace: place.namespace, pod: place.pod, remote: { host, ports: remotePorts } });
    Object.assign(placeholders, contract.subject === "scheduler"
      ? { schedulerHost: host, schedulerPort: String(remotePorts.get(9004)), agentPort: String(remotePorts.get(9005)) }
      : { inferenceHost: host, inferenceGrpcPort: String(remotePorts.get(9500)), inferenceHttpPort: String(remotePorts.get(9000)) });
  } else if (realtime) {
    replacements.push({ role: contract.subject, namespace: place.namespace, pod: place.pod });
  }

  let entries: RecordEntry[] = [];
  const seed = options.seed ?? scenario.seed;
  const env: Record<string, string> = {};
  if (under.kind === "command" && (contract.subject === "scheduler" || contract.subject === "mlserver")) {
    child = await start(under, placeholders, env, options, (why) => (exited = why));
    await waitListening("127.0.0.1", remotePorts.get(contract.subject === "scheduler" ? 9004 : 9500)!, options.startTimeoutMs ?? 30_000, () => exited);
  }

  const fixedPorts = new Map<string, number>();
  const session = await Session.start(scenario.cluster, {
    runtime: realtime ? "wire" : under.runtime,
    seed,
    ...(realtime ? { epochMs: Date.now(), wire: { fixedPorts } } : { epochMs: scenario.epochMs }),
    ...(scenario.schedulerChains ? { chains: resolveChains(scenario.schedulerChains) } : {}),
    ...(under.kind === "fake" && under.wrap ? { wrap: under.wrap } : {}),
    ...rolesOptions(replacements),
    observe: (engine) => {
      if (under.kind === "command" && contract.subject === "agent") bootOnFirstContact(engine, place);
      const recorder = new Recorder(engine);
      entries = recorder.keep();
      if (options.onEntry) recorder.addSink(options.onEntry);
    },
  });
  if (options.log) {
    const log = options.log;
    session.engine.onLog.push((r) => log(`[${r.namespace}/${r.pod}/${r.container}] ${r.level}: ${r.msg}`));
  }
  let manifests: string | null = null;
  try {
    if (under.kind === "command" && (contract.subject === "agent" || contract.subject === "controller")) {
      // a component under test as a command runs against wire: real ports
      const ports = session.engine.transport.realPorts!;
      const sched = scenario.cluster.namespaces.find((n) => n.runtime);
      const schedKey = (p: number) => (sched ? ports.get(`${sched.name}/seldon-scheduler-0:${p}`) : undefined);
      Object.assign(placeholders, {
        schedulerHost: "127.0.0.1",
        schedulerPort: String(schedKey(9004) ?? ""),
        agentPort: String(schedKey(9005) ?? ""),
      });
      if (contract.subject === "agent") {
        const server = scenario.cluster.servers.find((s) => s.namespace === place.namespace && place.pod.startsWith(`${s.name}-`))!;
        Object.assign(env, agentEnv(server.type, server.env, place.pod, place.namespace));
        Object.assign(placeholders, {
          inferenceHost: "127.0.0.1",
          inferenceGrpcPort: String(ports.get(`${place.namespace}/${place.pod}:9500`) ?? ""),
          inferenceHttpPort: String(ports.get(`${place.namespace}/${place.pod}:9000`) ?? ""),
        });
        Object.assign(env, {
          SELDON_SCHEDULER_HOST: "127.0.0.1", SELDON_SCHEDULER_PORT: placeholders.agentPort!,
          SELDON_SERVER_GRPC_PORT: placeholders.inferenceGrpcPort!, SELDON_SERVER_HTTP_PORT: placeholders.inferenceHttpPort!,
          SELDON_INFERENCE_HOST: "127.0.0.1",
        });
      } else {
        manifests = nodePath.join(fs.mkdtempSync(nodePath.join(os.tmpdir(), "seldon-sim-")), "manifests.yaml");
        fs.writeFileSync(manifests, scenario.resources.map((r) => stringify({ apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec: r.spec })).join("---\n"));
        placeholders.manifests = manifests;
        Object.assign(env, { SELDON_SCHEDULER_HOST: "127.0.0.1", SELDON_SCHEDULER_PORT: placeholders.schedulerPort!, SELDON_SIM_MANIFESTS: manifests });
      }
      child = await start(under, placeholders, env, options, (why) => (exited = why));
    }

    notes.push(...await playScenario(session, scenario, {
      realtime,
      applyResources: contract.subject !== "controller" || !realtime,
      abandoned: () => exited !== null,
    }));
  } finally {
    if (exited !== null) notes.push(exited);
    await stop(child);
    await session.close();
    if (manifests) fs.rmSync(nodePath.dirname(manifests), { recursive: true, force: true });
  }
  const outside = realtime && (contract.subject === "agent" || contract.subject === "controller");
  const seen = conversation(entries, (end) => end === place.id || (outside && end.startsWith("outside ")));
  const verdicts = contract.clauses.map((c) => judge(c, seen));
  const description = under.kind === "fake" ? `seldon-sim's own ${contract.subject}${under.wrap ? " (changed)" : ""}`
    : under.kind === "command" ? under.argv.join(" ") : `${under.host}:${under.port}`;
  return { contract, under: description, place, verdicts, entries, notes };
}

/**
 * The MLServer beside a real agent boots `MLSERVER_BOOT_MS` after the agent first asks for it, as
 * if both containers had started together: however long the command takes to start, the agent
 * meets an inference server that is not up yet, as on a pod.
 */
function bootOnFirstContact(engine: Engine, place: SubjectPlace): void {
  const pod = engine.pods.get(`${place.namespace}/${place.pod}`);
  const mlserver = pod?.processes.get("mlserver");
  if (!pod || !mlserver) return;
  const held = new Proc(pod, { ...mlserver.spec, bootMs: 24 * 3_600_000 });
  pod.processes.set("mlserver", held);
  let booting = false;
  const tap: CallTap = {
    message(call) {
      if (booting || call.client !== null || call.server !== held) return;
      booting = true;
      engine.queue.push(engine.now + MLSERVER_BOOT_MS, () => { if (!held.up) engine.start(held); });
    },
    closed() {},
  };
  engine.taps.push(tap);
}

/** Starts the command under test with our ports in its environment and `{placeholders}`. */
async function start(under: Extract<Under, { kind: "command" }>, placeholders: Record<string, string>, env: Record<string, string>, options: VerifyOptions, onExit: (why: string) => void): Promise<ChildProcess> {
  const fill = (a: string) => a.replace(/\{([A-Za-z]+)\}/g, (m, k: string) => placeholders[k] ?? m);
  const [cmd, ...args] = under.argv.map(fill);
  const allEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env };
  for (const [k, v] of Object.entries(placeholders)) allEnv[`SELDON_SIM_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = v;
  const child = spawn(cmd!, args, { cwd: under.cwd, env: allEnv, stdio: ["ignore", "pipe", "pipe"] });
  const out = (b: Buffer) => (under.onOutput ?? options.log)?.(b.toString());
  child.stdout?.on("data", out);
  child.stderr?.on("data", out);
  // A command that cannot be started at all is bad input, not a verdict.
  const failed = await new Promise<Error | null>((resolve) => {
    child.once("spawn", () => resolve(null));
    child.once("error", (e) => resolve(e));
  });
  if (failed) throw new UserError(`verify: cannot start the command under test "${cmd}": ${failed.message}`);
  child.on("exit", (code, signal) => onExit(`the command under test exited ${signal ? `on ${signal}` : `with status ${code}`} before the contract's run ended`));
  return child;
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.removeAllListeners("exit");
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await gone;
  clearTimeout(timer);
}


async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitListening(host: string, port: number, timeoutMs: number, gone: () => string | null): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host, () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    const why = gone();
    if (why) throw new UserError(`verify: ${why}`);
    if (Date.now() > until) throw new UserError(`verify: the component under test did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}
