/**
 * `serve scenario.yaml`: a scenario's cluster on wall-clock time, its resources applied and its
 * timeline played, leaving out the containers real components take (`--without ROLE`), and with
 * our agents and controller pointed at a real scheduler (`--scheduler HOST:PORT`).
 */
import { Session, type SessionOptions } from "../cluster/session.ts";
import { SERVE_RETAIN } from "../core/retention.ts";
import { SCHEDULER_POD } from "../cluster/build.ts";
import { resolveChains } from "../scheduling/registry.ts";
import type { Scenario } from "../scenario/types.ts";
import { rolesOptions, type Replacement, type Role } from "./roles.ts";
import { playScenario } from "./play.ts";
import { driveRealtime } from "../runtime/realtime.ts";

export interface ScenarioServeOptions {
  scenario: Scenario;
  host: string;
  /** Roles real components take: every container of these roles is left out. */
  without: readonly Role[];
  /** A real scheduler: its AgentService port (our agents) and Scheduler port (our controller). */
  scheduler?: { host: string; agentPort: number; apiPort: number };
  /** Ports of the first scheduler and the first server's first MLServer (0: any free port). */
  ports: { scheduler: number; agent: number; inferenceGrpc: number; inferenceHttp: number };
  observe?: SessionOptions["observe"];
}

export interface RunningScenarioServe {
  session: Session;
  ports: ReadonlyMap<string, number>;
  /** Settles when the timeline has been played, with notes on what did not go as written. */
  played: Promise<string[]>;
  stop(): Promise<void>;
}

export function replacementsFor(scenario: Scenario, without: readonly Role[], scheduler?: ScenarioServeOptions["scheduler"]): Replacement[] {
  const out: Replacement[] = [];
  const c = scenario.cluster;
  for (const ns of c.namespaces.filter((n) => n.runtime)) {
    if (scheduler) out.push({ role: "scheduler", namespace: ns.name, pod: SCHEDULER_POD, remote: { host: scheduler.host, ports: new Map([[9004, scheduler.apiPort], [9005, scheduler.agentPort]]) } });
    else if (without.includes("scheduler")) out.push({ role: "scheduler", namespace: ns.name, pod: SCHEDULER_POD });
  }
  if (without.includes("controller") && c.controllerNamespace !== null) out.push({ role: "controller", namespace: c.controllerNamespace, pod: "seldon-v2-controller-manager-0" });
  for (const s of c.servers) {
    for (let i = 0; i < s.replicas; i++) {
      for (const role of ["agent", "mlserver"] as const) if (without.includes(role)) out.push({ role, namespace: s.namespace, pod: `${s.name}-${i}` });
    }
  }
  return out;
}

export async function startScenarioServe(o: ScenarioServeOptions): Promise<RunningScenarioServe> {
  const { scenario } = o;
  const fixedPorts = new Map<string, number>();
  const sched = scenario.cluster.namespaces.find((n) => n.runtime);
  if (sched && !o.scheduler) {
    fixedPorts.set(`${sched.name}/${SCHEDULER_POD}:9004`, o.ports.scheduler);
    fixedPorts.set(`${sched.name}/${SCHEDULER_POD}:9005`, o.ports.agent);
  }
  const first = scenario.cluster.servers[0];
  if (first) {
    fixedPorts.set(`${first.namespace}/${first.name}-0:9500`, o.ports.inferenceGrpc);
    fixedPorts.set(`${first.namespace}/${first.name}-0:9000`, o.ports.inferenceHttp);
  }
  const session = await Session.start(scenario.cluster, {
    runtime: "wire", seed: scenario.seed, epochMs: Date.now(),
    // On the wall clock outside peers set the pace: internal messages are handled as they arrive,
    // and what the run keeps is bounded as in a plain serve.
    wire: { host: o.host, fixedPorts, orderedDeliveries: false },
    retain: { logs: SERVE_RETAIN, trace: SERVE_RETAIN, decisions: SERVE_RETAIN },
    ...(scenario.schedulerChains ? { chains: resolveChains(scenario.schedulerChains) } : {}),
    ...rolesOptions(replacementsFor(scenario, o.without, o.scheduler)),
    ...(o.observe ? { observe: o.observe } : {}),
  });
  let stopped = false;
  const driver = driveRealtime(session.engine);
  const played = playScenario(session, scenario, {
    realtime: true,
    drive: false,
    applyResources: !o.without.includes("controller"),
    abandoned: () => stopped,
    settle: false,
  });
  return {
    session,
    // a wire session: its transport serves on real ports
    ports: session.engine.transport.realPorts!,
    played,
    async stop() {
      // A step still waiting ends when it next looks; nothing it does reaches a closed transport.
      stopped = true;
      await driver.stop();
      await session.close();
    },
  };
}
