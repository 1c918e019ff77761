/**
 * A running cluster: the engine, its pods, and the operations a user (or a scenario, or a
 * property test) performs on it — apply a resource, crash a container, block a link — each
 * turned into inputs for the components, so every run stays a function of its inputs and seed.
 */
import { Proc, type Engine, type PodSpec, type ProcessSpec } from "../runtime/engine.ts";
import { standIn } from "../roles/stand-in.ts";
import { createEngine, prepare, type RuntimeKind } from "../runtime/index.ts";
import type { WireOptions } from "../runtime/wire/transport.ts";
import type { NetworkRule } from "../network/rules.ts";
import type { ClusterSpec, InferenceBehaviour, K8sResource } from "../scenario/types.ts";
import { CONTROLLER_POD, SCHEDULER_POD, addServerPods, buildCluster, type ClusterHandles } from "./build.ts";
import { Rng } from "../core/rng.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { Controller } from "../controller/controller.ts";
import type { MlServer } from "../mlserver/server.ts";
import type { Agent } from "../agent/agent.ts";
import type { PlacementChains } from "../scheduler/placement.ts";
import { PRE_STOP_HOOKS, TERMINATION_GRACE_PERIOD_MS } from "./serverconfig.ts";
import type { Retention } from "../core/retention.ts";
import { Envoy, type TrafficBurst } from "../traffic/envoy.ts";
import { schedulerRoutes } from "../traffic/routes.ts";

/** The pod taking a namespace's inference traffic, created with its first request. */
export const ENVOY_POD = "seldon-envoy-0";

export interface SessionOptions {
  runtime: RuntimeKind;
  seed: number;
  epochMs?: number;
  chains?: Partial<PlacementChains>;
  wire?: WireOptions;
  traceMessages?: boolean;
  /** Keep logs and the trace in the engine (default true; see `EngineOptions.record`). */
  record?: boolean;
  /** Replaces components as they spawn (see `Engine.wrap`): planted bugs, instrumentation. */
  wrap?: Engine["wrap"];
  /** Keep every placement decision with its snapshot (default true; off for large benchmarks). */
  recordDecisions?: boolean;
  /** Bounds on what the run keeps (logs, trace, decisions); everything unless told. */
  retain?: Retention;
  /** The schedulers' `--scheduler-ready-timeout-seconds` (default: the Helm chart's 600). */
  schedulerReadyTimeoutSeconds?: number;
  /** Called with the engine before any process starts (a recorder attaches here, so it sees all). */
  observe?: (engine: Engine) => void;
  /** Containers left out of the cluster, because a real component outside takes their place. */
  omit?: (pod: PodSpec, container: string) => boolean;
  /** Containers that stand for a real server elsewhere (see `ProcessSpec.remote`). */
  remote?: (pod: PodSpec, container: string) => ProcessSpec["remote"] | undefined;
}

export class Session {
  readonly handles: ClusterHandles;
  private readonly rng: Rng;
  private ipCounter = 200;

  private constructor(readonly engine: Engine, readonly cluster: ClusterSpec, readonly options: SessionOptions) {
    this.rng = new Rng(options.seed);
    this.handles = buildCluster(engine, cluster, {
      seed: options.seed,
      ...(options.chains ? { chains: options.chains } : {}),
      ...(options.recordDecisions !== undefined ? { recordDecisions: options.recordDecisions } : {}),
      ...(options.retain ? { retainDecisions: options.retain.decisions } : {}),
      ...(options.schedulerReadyTimeoutSeconds !== undefined ? { schedulerReadyTimeoutSeconds: options.schedulerReadyTimeoutSeconds } : {}),
    });
  }

  /** Build the pods and start every process (binding real ports first in `wire`). */
  static async start(cluster: ClusterSpec, options: SessionOptions): Promise<Session> {
    const engine = await createEngine(options.runtime, {
      ...(options.epochMs !== undefined ? { epochMs: options.epochMs } : {}),
      ...(options.traceMessages !== undefined ? { traceMessages: options.traceMessages } : {}),
      ...(options.retain ? { retain: options.retain } : {}),
      ...(options.record !== undefined ? { record: options.record } : {}),
    }, options.wire);
    if (options.wrap) engine.wrap = options.wrap;
    // The session changes its copy (scaling); the caller's description stays as written.
    const session = new Session(engine, structuredClone(cluster), options);
    for (const pod of engine.pods.values()) {
      for (const [c, proc] of [...pod.processes]) {
        if (options.omit?.(pod.spec, c)) pod.processes.delete(c);
        const remote = options.remote?.(pod.spec, c);
        if (remote) pod.processes.set(c, new Proc(pod, standIn(proc.spec, remote)));
      }
    }
    options.observe?.(engine);
    await prepare(engine);
    engine.startAll();
    return session;
  }

  async close(): Promise<void> {
    await this.engine.transport.close();
  }

  get now(): number {
    return this.engine.now;
  }

  async advance(ms: number): Promise<void> {
    await this.waitFor(() => false, ms);
  }

  /**
   * Run until `predicate` holds or the time passes. When the controller scales a Server's
   * StatefulSet (after a scheduler's ServerScalingRequest) the pods follow at that moment.
   */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = this.engine.now + timeoutMs;
    const scales = this.controller()?.store.statefulSetScales;
    for (;;) {
      const held = await this.engine.runUntilCondition(() => predicate() || (scales?.length ?? 0) > 0, until);
      if (!scales || scales.length === 0) return held;
      for (const s of scales.splice(0)) {
        // a Server without pods in the topology has no StatefulSet here to follow
        if (this.cluster.servers.some((t) => t.namespace === s.namespace && t.name === s.name)) await this.scalePods(s.namespace, s.name, s.replicas);
      }
      if (predicate()) return true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Components

  scheduler(namespace: string): Scheduler | null {
    return this.handles.schedulers.get(namespace)?.() ?? null;
  }

  controller(): Controller | null {
    return this.handles.controller?.() ?? null;
  }

  controllerProc(): Proc | null {
    const ns = this.cluster.controllerNamespace;
    return ns === null ? null : this.engine.proc(ns, CONTROLLER_POD, "controller");
  }

  /** The running agent of a pod; null when the pod does not exist or the agent is down. */
  agent(namespace: string, pod: string): Agent | null {
    return (this.engine.pods.get(`${namespace}/${pod}`)?.processes.get("agent")?.component as Agent | null | undefined) ?? null;
  }

  mlserver(namespace: string, pod: string): MlServer | null {
    return (this.engine.pods.get(`${namespace}/${pod}`)?.processes.get("mlserver")?.component as MlServer | null | undefined) ?? null;
  }

  // ------------------------------------------------------------------------------------------
  // Operations

  apply(resource: K8sResource): void {
    const proc = this.controllerProc();
    const c = this.controller();
    if (!proc || !c) throw new Error("no controller is running to apply resources");
    this.engine.apply(proc, c.apply(resource, this.engine.now));
  }

  delete(kind: K8sResource["kind"], namespace: string, name: string): void {
    const proc = this.controllerProc();
    const c = this.controller();
    if (!proc || !c) throw new Error("no controller is running to delete resources");
    this.engine.apply(proc, c.delete(kind, namespace, name, this.engine.now));
    // The Server owns its StatefulSet: Kubernetes deletes it and its pods, each with its hooks.
    if (kind === "Server") {
      const topo = this.cluster.servers.find((s) => s.namespace === namespace && s.name === name);
      if (topo) {
        for (let i = 0; i < topo.replicas; i++) this.terminatePod(namespace, `${name}-${i}`);
        topo.replicas = 0;
      }
    }
  }

  crash(namespace: string, pod: string, container: string): void {
    this.engine.stop(this.engine.proc(namespace, pod, container), "crash", "killed by the scenario");
  }

  restart(namespace: string, pod: string, container: string): void {
    const proc = this.engine.proc(namespace, pod, container);
    if (proc.up) this.engine.stop(proc, "crash", "restarted by the scenario", false);
    this.engine.start(proc);
  }

  block(rule: NetworkRule): void {
    this.engine.rules = [...this.engine.rules.filter((r) => r.id !== rule.id), rule];
    this.engine.breakCallsMatching(rule);
    this.engine.releaseHealedCalls();
  }

  heal(ruleId: string): void {
    this.engine.rules = this.engine.rules.filter((r) => r.id !== ruleId);
    this.engine.releaseHealedCalls();
  }

  /** Scale a server's pods (the controller's ServerNotify is sent by applying the Server resource). */
  async scalePods(namespace: string, server: string, replicas: number): Promise<void> {
    const topo = this.cluster.servers.find((s) => s.namespace === namespace && s.name === server);
    if (!topo) throw new Error(`no server ${namespace}/${server}`);
    const current = topo.replicas;
    if (replicas > current) {
      // A pod of the same name still terminating goes first (the StatefulSet recreates it after).
      for (let i = current; i < replicas; i++) this.terminating.get(`${namespace}/${server}-${i}`)?.();
      addServerPods(this.engine, topo, current, replicas, { take: () => `10.42.1.${this.ipCounter++}` }, this.rng, this.handles.inference, this.cluster.install, this.cluster.artifacts);
      for (let i = current; i < replicas; i++) {
        const pod = this.engine.pods.get(`${namespace}/${server}-${i}`)!;
        await this.engine.transport.bindPod?.(pod);
        // rclone first: the agent's first call is to it.
        for (const c of ["rclone", "mlserver", "agent"]) if (pod.processes.has(c)) this.engine.boot(this.engine.proc(namespace, `${server}-${i}`, c));
      }
    } else {
      for (let i = replicas; i < current; i++) this.terminatePod(namespace, `${server}-${i}`);
    }
    topo.replicas = replicas;
  }

  /** Server pods being deleted, waiting for their preStop hooks: pod key → forced removal. */
  private readonly terminating = new Map<string, () => void>();

  /**
   * Delete a server pod as Kubernetes does: run every container's preStop hook (each calls the
   * agent's drainer, which drains the replica through the scheduler), and remove the pod once
   * the hooks have returned, or when the grace period is over.
   */
  terminatePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.engine.pods.get(key);
    if (!pod || this.terminating.has(key)) return;
    const agentProc = pod.processes.get("agent");
    const agent = agentProc?.up ? this.agent(namespace, name) : null;
    if (!agentProc || !agent) {
      this.engine.removePod(namespace, name);
      return;
    }
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      grace.cancelled = true;
      this.terminating.delete(key);
      this.engine.onStep.splice(this.engine.onStep.indexOf(watch), 1);
      if (this.engine.pods.get(key) === pod) this.engine.removePod(namespace, name);
    };
    // Checked after each step of any process; the removal itself waits for the event queue,
    // outside the step that returned the last hook.
    const watch = (proc: Proc) => {
      if (proc === agentProc && (!agentProc.up || agent.preStopHooksRunning === 0)) this.engine.queue.push(this.engine.now, remove);
    };
    this.terminating.set(key, remove);
    this.engine.onStep.push(watch);
    const grace = this.engine.queue.push(this.engine.now + TERMINATION_GRACE_PERIOD_MS, remove);
    this.runPreStopHooks(agentProc);
  }

  /** Kubernetes runs each container's preStop hook; every one of them calls the agent's drainer. */
  private runPreStopHooks(agent: Proc): void {
    for (const container of PRE_STOP_HOOKS) this.engine.deliver(agent, { kind: "preStop", container });
  }

  /**
   * Run a server pod's preStop hooks without deleting it: each of its containers calls the
   * agent's drainer, which marks the agent draining and asks its scheduler to drain the replica
   * (AgentDrain); the hooks return when that is answered.
   */
  drain(namespace: string, server: string, replica: number): void {
    const proc = this.engine.proc(namespace, `${server}-${replica}`, "agent");
    if (!proc.up) throw new Error(`agent ${namespace}/${server}-${replica} is not running`);
    this.runPreStopHooks(proc);
  }

  setInference(namespace: string, server: string, replica: number | null, b: Partial<InferenceBehaviour>): void {
    for (const [key, current] of this.handles.inference) {
      const [ns, pod] = key.split("/") as [string, string];
      if (ns !== namespace || !pod.startsWith(`${server}-`)) continue;
      if (replica !== null && pod !== `${server}-${replica}`) continue;
      const next = { ...current, ...b };
      this.handles.inference.set(key, next);
      this.mlserver(ns, pod)?.setLoadBehaviour({
        delayMs: next.loadDelayMs,
        ...(next.loadFailure ? { fail: next.loadFailure } : {}),
        outOfMemory: next.outOfMemory,
      });
    }
  }

  /**
   * Inference requests into a namespace, through its Envoy (created on first use, so a scenario
   * without traffic has no such pod) to the replicas the scheduler's routes name.
   */
  async sendTraffic(namespace: string, burst: TrafficBurst): Promise<void> {
    let pod = this.engine.pods.get(`${namespace}/${ENVOY_POD}`);
    if (!pod) {
      pod = this.engine.addPod({
        name: ENVOY_POD,
        namespace,
        ip: `10.42.1.${this.ipCounter++}`,
        services: ["seldon-mesh"],
        processes: [{ container: "envoy", role: "envoy", spawn: () => new Envoy(ENVOY_POD, schedulerRoutes(() => this.scheduler(namespace))) }],
      });
      await this.engine.transport.bindPod?.(pod);
      this.engine.boot(this.engine.proc(namespace, ENVOY_POD, "envoy"));
    }
    const proc = this.engine.proc(namespace, ENVOY_POD, "envoy");
    const envoy = proc.component as Envoy | null;
    if (!proc.up || !envoy || typeof envoy.send !== "function") return;
    this.engine.apply(proc, envoy.send(burst, this.engine.now));
  }

  schedulerPod(namespace: string): Proc {
    return this.engine.proc(namespace, SCHEDULER_POD, "scheduler");
  }
}
