/**
 * Runs a scenario on a session: build the cluster, apply the resources, play the timeline, let
 * it settle, then check every expectation and collect what a user needs to see why: model and
 * server tables, the placement explanation of every model that is not available, and the logs.
 */
import { createHash } from "node:crypto";
import { Session } from "../cluster/session.ts";
import { canonicalJson } from "../core/canonical.ts";
import { propertyByName, type Property, type RunOptions, type RunProperty } from "./property.ts";
import { KEEP_EVERYTHING, keepingFor, keeps, type Keeping } from "./keep.ts";
import type { ExpectationResult, ModelObject, ModelRow, ScenarioResult, ServerRow, Violation } from "./result.ts";
import type { RuntimeKind } from "../runtime/index.ts";
import type { Engine, LogRecord, TraceEvent } from "../runtime/engine.ts";
import { Faults } from "../faults/faults.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { PlacementView } from "../scheduler/placement.ts";
import { DEFAULT_CHAINS, resolveChains } from "../scheduling/registry.ts";
import { renderDecisionText } from "../scheduling/render.ts";
import { formatLog } from "../runtime/logfmt.ts";
export type { ExpectationResult, ModelRow, ScenarioResult, ServerRow, Violation } from "./result.ts";
export type { RunControl, RunOptions } from "./property.ts";
import { describeMoment, MomentJudge, type Probe } from "./moments.ts";
import { podRows } from "./pods.ts";
import { checkTraffic, trafficRows } from "./traffic.ts";
import { ENVOY_POD } from "../cluster/session.ts";
import type { Envoy } from "../traffic/envoy.ts";
import type { KubeEvent } from "../controller/controller.ts";
import type {
  Condition,
  K8sResource,
  LogExpectation,
  ModelExpectation,
  Origin,
  PlacementExpectation,
  RejectionExpectation,
  Scenario,
  ServerExpectation,
  TimelineStep,
} from "./types.ts";

/** Wall time between two progress lines of a long run. */
const PROGRESS_EVERY_MS = 5_000;

/**
 * Runs a scenario and checks its expectations and properties. A comparison property (e.g. the
 * same seed gives the same trace) runs the scenario a second time and compares.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const properties = propertiesOf(scenario, options);
  const withProperties = properties.length > 0;
  if (withProperties && options.messages === false) options = { ...options, messages: true };
  const first = await runOnce(scenario, options, properties.filter((p): p is RunProperty => p.kind === "run"), withProperties);
  for (const p of properties) {
    if (p.kind !== "comparison") continue;
    const { observe: _first, ...rest } = options;
    const second = await runOnce(scenario, p.other(rest), [], withProperties);
    const message = p.compare(first, second);
    first.expectations.push(propertyResult(scenario, p, message === null ? null : { property: p.name, t: first.endMs, message }));
    if (message !== null) {
      first.violations.push({ property: p.name, t: first.endMs, message });
      first.passed = false;
    }
  }
  return first;
}

function propertiesOf(scenario: Scenario, options: RunOptions): Property[] {
  const out = new Map<string, Property>();
  for (const name of scenario.expect.properties) {
    const p = propertyByName(name);
    if (!p) throw new Error(`${scenario.file}: expect.properties: unknown property \`${name}\``);
    out.set(name, p);
  }
  for (const p of options.properties ?? []) out.set(p.name, p);
  return [...out.values()];
}

function propertyResult(scenario: Scenario, p: Property, v: Violation | null): ExpectationResult {
  const origin = { file: scenario.file, path: "expect.properties" };
  const description = `property ${p.name}: ${p.description}`;
  return v === null ? { description, passed: true, origin } : { description, passed: false, actual: `at t=${v.t}ms: ${v.message}`, origin };
}

/** `withProperties`: the run is judged by properties (its own `properties`, or a comparison with another run). */
async function runOnce(scenario: Scenario, options: RunOptions, properties: RunProperty[], withProperties: boolean): Promise<ScenarioResult> {
  const seed = options.seed ?? scenario.seed;
  const chains = options.chains ?? (scenario.schedulerChains ? resolveChains(scenario.schedulerChains) : undefined);
  const kept = keepingFor(scenario, options.reads ?? "everything", withProperties);
  const keep = keeps(kept, scenario.expect.placements.length > 0);
  // Without a trace the engine keeps no line; the lines something reads are collected here.
  const collected: LogRecord[] = [];
  const session = await Session.start(scenario.cluster, {
    runtime: options.runtime, seed, epochMs: scenario.epochMs,
    ...(kept.events === "none" ? { record: false } : options.messages === false || kept.events === "read" ? { traceMessages: false } : {}),
    ...(kept.decisions ? {} : { recordDecisions: false }),
    ...(chains ? { chains } : {}),
    ...(options.wrap ? { wrap: options.wrap } : {}),
    // The network rules are in place before any process starts: a call made at t=0 meets them.
    observe: (engine) => {
      engine.rules = [...scenario.network];
      if (kept.events === "none" && (kept.logLevels === "all" || kept.logLevels.length > 0)) {
        engine.onLog.push((r) => {
          if (keep(r as LogRecord & TraceEvent)) collected.push(r);
        });
      }
      options.observe?.(engine);
    },
  });
  const logs = kept.events === "none" ? collected : session.engine.logs;
  const prune = kept.events === "none" || kept === KEEP_EVERYTHING ? null : pruner(session.engine, keep);
  if (prune) session.engine.onStep.push(prune.now);
  const violations = new Map<string, Violation>();
  const watches = properties.map((p) => ({ p, w: p.watch({ session, scenario }) }));
  const stepWatches = watches.filter((x) => x.w.step);
  if (stepWatches.length > 0) {
    session.engine.onStep.push((proc) => {
      for (const { p, w } of stepWatches) {
        if (violations.has(p.name)) continue;
        const message = w.step!(proc);
        if (message !== null) violations.set(p.name, { property: p.name, t: session.now, message });
      }
    });
  }
  if (options.progress) {
    const report = options.progress;
    let steps = 0;
    let last = performance.now();
    session.engine.onStep.push(() => {
      // The clock is read once every few thousand steps: progress must not slow the run.
      if ((++steps & 4095) !== 0) return;
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      report(`${scenario.name}: virtual time ${(session.now / 1000).toFixed(1)} s, ${steps} steps so far`);
    });
  }
  const probes = timedProbes(scenario, session);
  const judge = new MomentJudge(probes.map((x) => x.probe));
  if (judge.watchesSteps) session.engine.onStep.push(() => judge.step(session.now));
  const clock = judgedClock(session, judge);
  let error: string | null = null;
  try {
    // Faults are attached only when the scenario has some, so a run without stays as it was.
    const faults = usesFaults(scenario) || options.control ? new Faults(session.engine, seed) : null;
    await options.control?.started(session, faults!);
    for (const f of scenario.faults) faults!.add(f);
    for (const r of scenario.resources) applyResource(session, r);
    judge.checkpoint(session.now);
    for (const step of scenario.timeline) {
      if (step.at !== null && step.at > session.now) await clock.advance(step.at - session.now);
      await performStep(session, clock, step, faults, logs);
    }
    await clock.advance(scenario.settleMs);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  for (const { p, w } of watches) {
    if (violations.has(p.name) || !w.end) continue;
    const message = w.end();
    if (message !== null) violations.set(p.name, { property: p.name, t: session.now, message });
  }
  prune?.all();
  try {
    const result = collect(scenario, session, options.runtime, seed, error, options.messages !== false && kept.events === "all", kept, logs);
    for (const { expectation, probe, description } of probes) {
      const failure = judge.verdict(probe, session.now);
      result.expectations.push(failure === null
        ? { description, passed: true, origin: expectation.origin }
        : { description, passed: false, actual: failure, origin: expectation.origin });
      if (failure !== null) result.passed = false;
    }
    for (const { p } of watches) result.expectations.push(propertyResult(scenario, p, violations.get(p.name) ?? null));
    result.violations = [...violations.values()];
    result.passed &&= result.violations.length === 0;
    await options.control?.finished(session, result);
    return result;
  } finally {
    await session.close();
  }
}

/**
 * Drops what the run does not keep from the engine's trace and log as the run goes: the engine
 * keeps every event or none, so the run thins them out once they have grown to twice what was
 * kept the last time (a pass over them costs O(1) per event), and once more at the end.
 */
function pruner(engine: Engine, keep: (ev: TraceEvent) => boolean): { now: () => void; all: () => void } {
  let steps = 0;
  let next = PRUNE_AT_LEAST;
  const all = () => {
    keepOnly(engine.trace, keep);
    keepOnly(engine.logs as (LogRecord & TraceEvent)[], keep);
    next = Math.max(PRUNE_AT_LEAST, 2 * engine.trace.length);
  };
  return {
    now: () => {
      if ((++steps & 1023) === 0 && engine.trace.length >= next) all();
    },
    all,
  };
}

/** Trace length below which the run does not thin the trace out. */
const PRUNE_AT_LEAST = 50_000;

/** Keeps the elements `keep` accepts, in order, in place. */
function keepOnly<T>(list: T[], keep: (x: T) => boolean): void {
  let n = 0;
  for (const x of list) if (keep(x)) list[n++] = x;
  list.length = n;
}

/** Advancing the run, stopping the clock at every checkpoint of the timed expectations. */
interface JudgedClock {
  advance(ms: number): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
}

function judgedClock(session: Session, judge: MomentJudge): JudgedClock {
  return {
    async advance(ms) {
      const target = session.now + ms;
      for (const cp of judge.checkpointsIn(session.now, target)) {
        await session.advance(cp - session.now);
        judge.checkpoint(cp);
      }
      await session.advance(target - session.now);
    },
    async waitFor(predicate, timeoutMs) {
      const deadline = session.now + timeoutMs;
      for (const cp of judge.checkpointsIn(session.now, deadline)) {
        if (await session.waitFor(predicate, cp - session.now)) return true;
        judge.checkpoint(cp);
      }
      return session.waitFor(predicate, deadline - session.now);
    },
  };
}

/** Model and server expectations judged at another moment than the end, with their probes. */
function timedProbes(scenario: Scenario, session: Session): { expectation: ModelExpectation | ServerExpectation; probe: Probe; description: string }[] {
  const out: { expectation: ModelExpectation | ServerExpectation; probe: Probe; description: string }[] = [];
  for (const e of scenario.expect.models) {
    if (e.when.kind === "end") continue;
    out.push({ expectation: e, probe: { when: e.when, differences: () => modelDifferences(session, e).failures }, description: modelDifferences(null, e).description });
  }
  for (const e of scenario.expect.servers) {
    if (e.when.kind === "end") continue;
    out.push({ expectation: e, probe: { when: e.when, differences: () => serverDifferences(session, e).failures }, description: serverDifferences(null, e).description });
  }
  return out;
}

export function applyResource(session: Session, r: K8sResource): void {
  // Without a controller nothing reads the resources (the pods still come from the topology).
  if (!session.controller()) return;
  session.apply(r);
}

function usesFaults(scenario: Scenario): boolean {
  return scenario.faults.length > 0 || scenario.timeline.some((s) => s.kind === "fault");
}

/** One timeline step on a session outside a judged run (serve playing a scenario's timeline). */
export function perform(session: Session, step: TimelineStep): Promise<void> {
  return performStep(session, { advance: (ms) => session.advance(ms), waitFor: (p, t) => session.waitFor(p, t) }, step, null, session.engine.logs);
}

/** `logs`: the run's log lines as kept so far (the engine's, or those collected without the trace). */
async function performStep(session: Session, clock: JudgedClock, step: TimelineStep, faults: Faults | null, logs: readonly LogRecord[]): Promise<void> {
  switch (step.kind) {
    case "apply": return applyResource(session, step.resource);
    case "delete": return session.delete(step.resource.kind, step.resource.namespace, step.resource.name);
    case "scale": {
      await session.scalePods(step.server.namespace, step.server.name, step.replicas);
      const controller = session.controller();
      const server = controller?.serverResource(step.server.namespace, step.server.name);
      if (server) session.apply({ ...server, spec: { ...server.spec, replicas: step.replicas } });
      return;
    }
    case "crash": return session.crash(step.target.namespace, step.target.pod, step.target.container);
    case "restart": return session.restart(step.target.namespace, step.target.pod, step.target.container);
    case "drain": return session.drain(step.server.namespace, step.server.name, step.replica);
    case "block": return session.block(step.rule);
    case "heal":
      faults?.remove(step.ruleId);
      return session.heal(step.ruleId);
    case "fault": return faults!.add(step.fault);
    case "inference": return session.setInference(step.server.namespace, step.server.name, step.replica, step.behaviour);
    case "traffic": return session.sendTraffic(step.model.namespace, { model: step.model.name, protocol: step.protocol, count: step.count, intervalMs: step.intervalMs });
    case "advance": return clock.advance(step.ms);
    case "wait": {
      const ok = await clock.waitFor(() => holds(session, step.condition, logs), step.timeoutMs);
      if (!ok) throw new Error(`${step.origin.file}: ${step.origin.path}: condition ${describeCondition(step.condition)} did not hold within ${step.timeoutMs} ms`);
      return;
    }
  }
}

export function holds(session: Session, c: Condition, logs: readonly LogRecord[] = session.engine.logs): boolean {
  switch (c.kind) {
    case "modelReady": return modelRow(session, c.namespace, c.name)?.ready ?? false;
    case "modelState": return modelRow(session, c.namespace, c.name)?.state === c.state;
    case "log": return logs.some((l) => l.role === c.component && (c.namespace === null || l.namespace === c.namespace) && logMatches(l, c.contains));
  }
}

function describeCondition(c: Condition): string {
  switch (c.kind) {
    case "modelReady": return `modelReady ${c.namespace}/${c.name}`;
    case "modelState": return `modelState ${c.namespace}/${c.name} = ${c.state}`;
    case "log": return `log of ${c.component} contains "${c.contains}"`;
  }
}

/** What `kubectl get model` and the scheduler say about one model. */
export function modelRow(session: Session, namespace: string, name: string): ModelRow | null {
  const status = session.controller()?.modelStatus(namespace, name) ?? null;
  const mv = session.scheduler(namespace)?.store.models.get(name)?.latest();
  if (!status && !mv) return null;
  return {
    namespace,
    name,
    ready: status?.ready ?? false,
    desiredReplicas: status?.replicas ?? mv?.desiredReplicas() ?? 0,
    availableReplicas: status?.availableReplicas ?? 0,
    state: mv?.status.state ?? NO_SCHEDULER_STATE,
    reason: mv?.status.reason ?? "",
    server: mv?.server ?? "",
    version: mv?.version ?? 0,
    replicaStates: mv ? Object.fromEntries([...mv.replicas].map(([i, r]) => [String(i), r.state])) : {},
  };
}

function serverRow(session: Session, namespace: string, name: string): ServerRow | null {
  const server = session.scheduler(namespace)?.store.servers.get(name);
  if (!server) return null;
  const replicas = [...server.replicas.values()].sort((a, b) => a.idx - b.idx).map((r) => ({
    idx: r.idx,
    totalMemoryBytes: r.memory,
    availableMemoryBytes: r.availableMemory,
    reservedMemoryBytes: r.reservedMemory,
    loadedModels: new Set([...r.loaded].map((k) => k.slice(0, k.lastIndexOf(":")))).size,
  }));
  return { namespace, name, connectedReplicas: replicas.length, loadedModels: replicas.reduce((a, r) => a + r.loadedModels, 0), replicas };
}

function collect(scenario: Scenario, session: Session, runtime: RuntimeKind, seed: number, error: string | null, messages: boolean, kept: Keeping, logs: readonly LogRecord[]): ScenarioResult {
  const models = allModels(scenario, session);
  const servers = allServers(scenario, session);
  const traffic = trafficRows(session.engine.trace, (ns) => {
    const envoy = session.engine.pods.get(`${ns}/${ENVOY_POD}`)?.processes.get("envoy")?.component as Envoy | null | undefined;
    return typeof envoy?.pendingByModel === "function" ? envoy.pendingByModel() : new Map();
  }, scenario.cluster.namespaces.map((n) => n.name));
  const results: ExpectationResult[] = [
    ...scenario.expect.models.filter((e) => e.when.kind === "end").map((e) => checkModel(session, e)),
    ...scenario.expect.servers.filter((e) => e.when.kind === "end").map((e) => checkServer(session, e)),
    ...scenario.expect.placements.map((e) => checkPlacements(session, e)),
    ...scenario.expect.logs.map((e) => checkLog(logs, e)),
    ...scenario.expect.rejections.map((e) => checkRejection(session, e)),
    ...scenario.expect.traffic.map((e) => checkTraffic(traffic, e)),
  ];
  if (scenario.expect.tenantIsolation) results.push(checkTenantIsolation(scenario, session));
  const explanations = new Map<string, string>();
  const modelObjects = new Map<string, ModelObject>();
  const kube = session.controller();
  // Each model's events, in the order recorded: one pass, where filtering all of them for each
  // model cost as much as the rest of a 10,000-model run's end.
  const eventsByModel = new Map<string, KubeEvent[]>();
  for (const e of kube?.events() ?? []) {
    if (e.kind !== "Model") continue;
    const key = `${e.namespace}/${e.name}`;
    const list = eventsByModel.get(key);
    if (list) list.push(e);
    else eventsByModel.set(key, [e]);
  }
  for (const m of models) {
    const view = kube?.modelStatus(m.namespace, m.name);
    const key = `${m.namespace}/${m.name}`;
    modelObjects.set(key, {
      conditions: view?.conditions.map((c) => ({ ...c })) ?? [],
      events: eventsByModel.get(key) ?? [],
    });
  }
  const history = new Map<string, PlacementView[]>();
  for (const ns of scenario.cluster.namespaces) {
    for (const d of session.scheduler(ns.name)?.decisions ?? []) {
      const key = `${ns.name}/${d.full.model}`;
      const list = history.get(key);
      if (list) list.push(d);
      else history.set(key, [d]);
    }
  }
  // A model's last decision is the last of its history, in the order its scheduler made them.
  const decisions = new Map<string, PlacementView>();
  for (const m of models) {
    if (m.state === "ModelAvailable") continue;
    const key = `${m.namespace}/${m.name}`;
    const d = history.get(key)?.at(-1);
    if (!d) continue;
    explanations.set(key, renderDecisionText(d.full, DEFAULT_CHAINS));
    decisions.set(key, d);
  }
  const controller = session.controller();
  // Rendering the whole trace costs as much as a small run: only comparisons ask for it. The
  // trace is taken as it stands now; closing the session appends events that are not the run's.
  const trace = session.engine.trace;
  const length = trace.length;
  let traceText: string | undefined;
  return {
    name: scenario.name,
    description: scenario.description,
    file: scenario.file,
    runtime,
    seed,
    passed: error === null && results.every((r) => r.passed),
    expectations: results,
    models,
    servers,
    explanations,
    modelObjects,
    decisions,
    history,
    kubectlModels: controller?.kubectlGetModels(undefined, session.now) ?? "",
    kubectlServers: controller?.kubectlGetServers(undefined, session.now) ?? "",
    pods: podRows(session.engine, trace),
    // Taken now: closing the session adds teardown lines a real cluster, still running, would not print.
    logs: logs.slice(),
    epochMs: session.engine.epochMs,
    endMs: session.now,
    traffic,
    error,
    violations: [],
    get trace() {
      return trace.slice(0, length);
    },
    messages,
    kept,
    get traceText() {
      return (traceText ??= trace.slice(0, length).map((ev) => canonicalJson(ev)).join("\n"));
    },
    get fingerprint() {
      return createHash("sha256").update(this.traceText).digest("hex");
    },
  };
}

function allModels(scenario: Scenario, session: Session): ModelRow[] {
  const seen = new Set<string>();
  const keys: [string, string][] = [];
  const add = (ns: string, name: string) => {
    const k = `${ns}/${name}`;
    if (!seen.has(k)) {
      seen.add(k);
      keys.push([ns, name]);
    }
  };
  for (const r of [...scenario.resources, ...scenario.timeline.flatMap((s) => (s.kind === "apply" ? [s.resource] : []))]) {
    if (r.kind === "Model") add(r.metadata.namespace, r.metadata.name);
  }
  for (const ns of scenario.cluster.namespaces) for (const name of session.scheduler(ns.name)?.store.models.keys() ?? []) add(ns.name, name);
  return keys.map(([ns, name]) => modelRow(session, ns, name)).filter((r): r is ModelRow => r !== null);
}

function allServers(scenario: Scenario, session: Session): ServerRow[] {
  const rows: ServerRow[] = [];
  for (const ns of scenario.cluster.namespaces) {
    for (const name of session.scheduler(ns.name)?.store.servers.keys() ?? []) {
      const row = serverRow(session, ns.name, name);
      if (row) rows.push(row);
    }
  }
  return rows;
}

function lastDecision(s: Scheduler | null, model: string): PlacementView | undefined {
  if (!s) return undefined;
  for (let i = s.decisions.length - 1; i >= 0; i--) if (s.decisions[i]!.full.model === model) return s.decisions[i];
  return undefined;
}

function check(description: string, failures: string[], origin: Origin): ExpectationResult {
  return failures.length === 0 ? { description, passed: true, origin } : { description, passed: false, actual: failures.join("; "), origin };
}

/** What a model row's state says when no scheduler has heard of the model (`state: none`). */
export const NO_SCHEDULER_STATE = "(unknown to any scheduler)";

/**
 * What a model expectation wants, and (given a session) what differs from it now. Without a
 * session only the description is built.
 */
function modelDifferences(session: Session | null, e: ModelExpectation): { description: string; failures: string[]; missing: boolean } {
  const row = session ? modelRow(session, e.namespace, e.name) : null;
  const wanted: string[] = [];
  const failures: string[] = [];
  const cmp = (label: string, want: unknown, got: (r: ModelRow) => unknown) => {
    wanted.push(`${label} ${String(want)}`);
    if (!row) return;
    const g = got(row);
    if (want !== g) failures.push(`${label} is ${String(g)}`);
  };
  if (e.ready !== undefined) cmp("ready", e.ready, (r) => r.ready);
  if (e.desiredReplicas !== undefined) cmp("desired replicas", e.desiredReplicas, (r) => r.desiredReplicas);
  if (e.availableReplicas !== undefined) cmp("available replicas", e.availableReplicas, (r) => r.availableReplicas);
  if (e.state === "none") cmp("state", "none (unknown to any scheduler)", (r) => r.state === NO_SCHEDULER_STATE ? "none (unknown to any scheduler)" : r.state);
  else if (e.state !== undefined) cmp("state", e.state, (r) => r.state);
  if (e.reason !== undefined) cmp("reason", e.reason, (r) => r.reason);
  if (e.server !== undefined) cmp("server", e.server, (r) => r.server);
  if (e.replicaStates) {
    for (const [idx, st] of Object.entries(e.replicaStates)) cmp(`replica ${idx}`, st, (r) => r.replicaStates[idx] ?? "ModelReplicaStateUnknown");
  }
  const missing = session !== null && !row;
  if (missing) failures.push("no such model on the controller or any scheduler");
  return { description: `model ${e.namespace}/${e.name}: ${wanted.join(", ")}${describeMoment(e.when)}`, failures, missing };
}

function checkModel(session: Session, e: ModelExpectation): ExpectationResult {
  const d = modelDifferences(session, e);
  if (d.missing) return { description: `model ${e.namespace}/${e.name}`, passed: false, actual: "no such model on the controller or any scheduler", origin: e.origin };
  return check(d.description, d.failures, e.origin);
}

function serverDifferences(session: Session | null, e: ServerExpectation): { description: string; failures: string[] } {
  const row = session ? serverRow(session, e.namespace, e.name) : null;
  const wanted: string[] = [];
  const failures: string[] = [];
  const connected = row?.connectedReplicas ?? 0;
  if (e.connectedReplicas !== undefined) {
    wanted.push(`connected replicas ${e.connectedReplicas}`);
    if (session && connected !== e.connectedReplicas) failures.push(`connected replicas is ${connected}`);
  }
  if (e.loadedModels !== undefined) {
    wanted.push(`loaded models ${e.loadedModels}`);
    if (session && (row?.loadedModels ?? 0) !== e.loadedModels) failures.push(`loaded models is ${row?.loadedModels ?? 0}`);
  }
  for (const r of e.replicas ?? []) {
    wanted.push(`replica ${r.idx}`);
    if (!session) continue;
    const got = row?.replicas.find((x) => x.idx === r.idx);
    if (!got) {
      failures.push(`replica ${r.idx} is not connected`);
      continue;
    }
    if (r.availableMemoryBytes !== undefined && got.availableMemoryBytes !== r.availableMemoryBytes) failures.push(`replica ${r.idx} available memory is ${got.availableMemoryBytes}`);
    if (r.totalMemoryBytes !== undefined && got.totalMemoryBytes !== r.totalMemoryBytes) failures.push(`replica ${r.idx} total memory is ${got.totalMemoryBytes}`);
    if (r.loadedModels !== undefined && got.loadedModels !== r.loadedModels) failures.push(`replica ${r.idx} loaded models is ${got.loadedModels}`);
  }
  if (e.status) {
    const st = e.status;
    const view = session?.controller()?.serverStatus(e.namespace, e.name) ?? null;
    const cmp = (label: string, want: unknown, got: (v: NonNullable<typeof view>) => unknown) => {
      wanted.push(`Server resource ${label} ${String(want)}`);
      if (!session) return;
      const g = view ? got(view) : "(no Server resource)";
      if (want !== g) failures.push(`Server resource ${label} is ${String(g)}`);
    };
    if (st.ready !== undefined) cmp("ready", st.ready, (v) => v.ready ?? false);
    if (st.replicas !== undefined) cmp("replicas", st.replicas, (v) => v.replicas ?? "(not written)");
    if (st.loadedModels !== undefined) cmp("loaded models", st.loadedModels, (v) => v.loadedModels ?? "(not written)");
    if (st.reason !== undefined) cmp("reason", st.reason, (v) => v.conditions.find((c) => c.type === "Ready")?.reason ?? "(no Ready condition)");
  }
  return { description: `server ${e.namespace}/${e.name}: ${wanted.join(", ")}${describeMoment(e.when)}`, failures };
}

function checkServer(session: Session, e: ServerExpectation): ExpectationResult {
  const d = serverDifferences(session, e);
  return check(d.description, d.failures, e.origin);
}

/** Every decision of the model's scheduler for it, in order, against the expected list. */
function checkPlacements(session: Session, e: PlacementExpectation): ExpectationResult {
  const render = (server: string | null, replicas: readonly number[], error: string | null): string =>
    server !== null ? `${server} [${replicas.join(", ")}]` : `failed (${error ?? ""})`;
  const wanted = e.decisions.map((d) => (d.kind === "placed" ? render(d.server, d.replicas, null) : render(null, [], d.reason)));
  const description = `placement decisions for ${e.namespace}/${e.model}: ${wanted.join(", ") || "none"}`;
  const procPrefix = `${e.namespace}/`;
  const got: string[] = [];
  for (const ev of session.engine.trace) {
    if (ev.type !== "observe" || ev.event.type !== "scheduler.decision" || !ev.proc.startsWith(procPrefix) || ev.event["model"] !== e.model) continue;
    const placement = ev.event["placement"] as PlacementView | undefined;
    const d = placement?.decision ?? (ev.event as unknown as { server: string | null; replicaIdxs: number[]; error: string | null });
    got.push(render(d.server, d.replicaIdxs, d.error));
  }
  const same = got.length === wanted.length && got.every((g, i) => g === wanted[i]);
  return same ? { description, passed: true, origin: e.origin } : { description, passed: false, actual: `decisions were: ${got.join(", ") || "none"}`, origin: e.origin };
}

/** As `kubectl logs | grep` sees it: the message or anywhere in the printed line (fields too). */
export function logMatches(l: LogRecord, text: string): boolean {
  return l.msg.includes(text) || formatLog(l, 0).includes(text) || Object.values(l.fields ?? {}).some((v) => String(v).includes(text));
}

function checkLog(logs: readonly LogRecord[], e: LogExpectation): ExpectationResult {
  const hits = logs.filter(
    (l) => l.role === e.component && (e.namespace === null || l.namespace === e.namespace) && (e.pod === null || l.pod === e.pod) &&
      (e.level === undefined || l.level === e.level) && (e.afterMs === undefined || l.t >= e.afterMs) &&
      (e.beforeMs === undefined || l.t < e.beforeMs) && logMatches(l, e.contains),
  );
  const where = `${e.component}${e.namespace ? ` in ${e.namespace}` : ""}${e.pod ? ` (${e.pod})` : ""}`;
  const window = e.afterMs === undefined && e.beforeMs === undefined ? ""
    : e.beforeMs === undefined ? ` after t=${e.afterMs}ms` : ` between t=${e.afterMs ?? 0}ms and t=${e.beforeMs}ms`;
  const description = !e.present ? `log of ${where} never contains "${e.contains}"${window}`
    : e.count !== undefined ? `log of ${where} has ${e.count} line(s) containing "${e.contains}"${window}`
    : `log of ${where} contains "${e.contains}"${window}`;
  const passed = e.count !== undefined ? hits.length === e.count : e.present === hits.length > 0;
  if (passed) return { description, passed: true, origin: e.origin };
  const actual = hits.length === 0 ? "no such line" : `${hits.length} such line(s), at t=${hits.slice(0, 5).map((l) => `${l.t}ms`).join(", ")}${hits.length > 5 ? ", ..." : ""}`;
  return { description, passed: false, actual, origin: e.origin };
}

function checkRejection(session: Session, e: RejectionExpectation): ExpectationResult {
  const description = `${e.filter} rejects ${e.server}${e.replica !== undefined ? ` replica ${e.replica}` : ""} for ${e.namespace}/${e.model}`;
  const d = lastDecision(session.scheduler(e.namespace), e.model);
  if (!d) return { description, passed: false, actual: "the model was never scheduled in that namespace", origin: e.origin };
  const server = d.full.explanation.servers.find((s) => s.name === e.server);
  if (!server) return { description, passed: false, actual: `server ${e.server} was not among the candidates (${d.full.explanation.servers.map((s) => s.name).join(", ") || "none"})`, origin: e.origin };
  const filters = e.replica === undefined ? server.filters : server.replicas.find((r) => r.idx === e.replica)?.filters ?? [];
  const f = filters.find((x) => x.name === e.filter);
  if (f && !f.pass) return { description, passed: true, origin: e.origin };
  return { description, passed: false, actual: f ? `it passed (${f.reason})` : `no such filter result`, origin: e.origin };
}

function checkTenantIsolation(scenario: Scenario, session: Session): ExpectationResult {
  const failures: string[] = [];
  for (const ns of scenario.cluster.namespaces) {
    const s = session.scheduler(ns.name);
    if (!s) continue;
    for (const server of s.store.servers.values()) {
      const own = scenario.cluster.servers.some((t) => t.namespace === ns.name && t.name === server.name);
      if (!own && server.replicas.size > 0) failures.push(`scheduler in ${ns.name} has replicas of server ${server.name}, which is not a server of ${ns.name}`);
    }
  }
  return check("tenant isolation: every scheduler sees only its own namespace's servers", failures, { file: scenario.file, path: "expect.tenantIsolation" });
}
