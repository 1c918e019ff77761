/**
 * The library users' own tests drive: a cluster started from a scenario file or from code,
 * resources applied as YAML, waits on models in run time, faults, the trace and explanations.
 *
 *   const sim = await Simulation.start({ cluster: { namespaces: ["financial-ml"], servers: [{ name: "mlserver", replicas: 2 }] } });
 *   await sim.apply(modelYaml);
 *   await sim.model("financial-ml/iris").toBeAvailable({ within: "30s" });
 *
 * Time is the simulation's: `within: "30s"` is 30 s of run time, which takes milliseconds.
 */
import * as fs from "node:fs";
import { stringify } from "yaml";
import { Session } from "../cluster/session.ts";
import type { RuntimeKind } from "../runtime/index.ts";
import { plainLogRecord, type LogRecord, type TraceEvent } from "../runtime/engine.ts";
import { parseManifests, parseScenario } from "../scenario/parse.ts";
import type { K8sResource, Scenario } from "../scenario/types.ts";
import { modelRow, type ModelRow } from "../scenario/runner.ts";
import { parseDuration } from "../scenario/parse-values.ts";
import { resolveChains, DEFAULT_CHAINS } from "../scheduling/registry.ts";
import { renderDecisionText } from "../scheduling/render.ts";
import { Faults } from "../faults/faults.ts";
import { parseFault, parseToxic, type Fault, type Toxic } from "../faults/spec.ts";
import { UserError } from "../core/errors.ts";

/** A duration as text (`"30s"`, `"1m30s"`) or as milliseconds. */
export type Duration = string | number;

export interface ServerOptions {
  name: string;
  namespace?: string;
  replicas?: number;
  type?: "mlserver" | "triton";
  /** MEMORY_REQUEST of each replica, e.g. `"1Gi"`. */
  memory?: string;
  /** Replaces the ServerConfig's capabilities. */
  capabilities?: string[];
  extraCapabilities?: string[];
}

export interface ClusterOptions {
  /** Namespaces with a SeldonRuntime (their own scheduler). Default `["seldon-mesh"]`. */
  namespaces?: string[];
  /** Namespace of the controller, or false for none. Default `seldon-system`. */
  controller?: string | false;
  servers?: ServerOptions[];
}

export interface SimulationOptions {
  /** A scenario file: its cluster, resources, network rules and faults (its timeline is not played). */
  scenario?: string;
  /** The same, as YAML text. */
  scenarioText?: string;
  /** A cluster described in code (when no scenario is given). */
  cluster?: ClusterOptions;
  runtime?: RuntimeKind;
  /** Seed of every random choice; default the scenario's (or 1). */
  seed?: number;
}

export type ModelStatus = ModelRow;

export class ModelHandle {
  constructor(private readonly sim: Simulation, readonly namespace: string, readonly name: string) {}

  /** What `kubectl get model` and the scheduler say now; null when neither knows the model. */
  get status(): ModelStatus | null {
    return modelRow(this.sim.session, this.namespace, this.name);
  }

  /** Runs until the model is ready and ModelAvailable; throws, with the scheduler's explanation, if not within `within`. */
  async toBeAvailable(options: { within?: Duration } = {}): Promise<ModelStatus> {
    return this.until((s) => s.ready && s.state === "ModelAvailable", "available", options.within);
  }

  /** Runs until the scheduler's state of the model's latest version is `state`. */
  async toHaveState(state: string, options: { within?: Duration } = {}): Promise<ModelStatus> {
    return this.until((s) => s.state === state, `in state ${state}`, options.within);
  }

  private async until(holds: (s: ModelStatus) => boolean, what: string, within: Duration = "30s"): Promise<ModelStatus> {
    const ms = toMs(within, "within");
    const ok = await this.sim.session.waitFor(() => {
      const s = this.status;
      return s !== null && holds(s);
    }, ms);
    const s = this.status;
    if (ok && s) return s;
    const now = s ? `state ${s.state}${s.reason ? ` (${s.reason})` : ""}, ready ${s.ready}` : "unknown to the controller and every scheduler";
    const why = this.sim.explain(`${this.namespace}/${this.name}`);
    throw new Error(`model ${this.namespace}/${this.name} is not ${what} after ${typeof within === "number" ? `${within}ms` : within}: ${now}${why ? `\n${why}` : ""}`);
  }
}

export class Simulation {
  readonly faults: Faults;

  private constructor(readonly session: Session, readonly scenario: Scenario) {
    this.faults = new Faults(session.engine, scenario.seed);
  }

  static async start(options: SimulationOptions = {}): Promise<Simulation> {
    const scenario = loadScenario(options);
    const seed = options.seed ?? scenario.seed;
    const session = await Session.start(scenario.cluster, {
      runtime: options.runtime ?? "sim",
      seed,
      epochMs: scenario.epochMs,
      ...(scenario.schedulerChains ? { chains: resolveChains(scenario.schedulerChains) } : {}),
    });
    const sim = new Simulation(session, { ...scenario, seed });
    // In wire a proxy's `listen` is the real port its link is served on.
    const realPorts = session.engine.transport.realPorts;
    if (realPorts) sim.faults.realPorts = realPorts;
    session.engine.rules = [...scenario.network];
    for (const f of scenario.faults) sim.faults.add(f);
    if (session.controller()) for (const r of scenario.resources) session.apply(r);
    return sim;
  }

  /** Run time now, in ms since the start. */
  get now(): number {
    return this.session.now;
  }

  /** Every message, log line, state change and fault so far. */
  get trace(): readonly TraceEvent[] {
    return this.session.engine.trace;
  }

  /**
   * Every log line so far, each a plain record of its own (the engine keeps a line once, shared
   * with the trace, and reads four of its fields from the process that logged it), so that
   * spreading or serialising one keeps every field.
   */
  get logs(): readonly LogRecord[] {
    return this.session.engine.logs.map(plainLogRecord);
  }

  /** Apply Seldon resources (YAML or JSON text, or objects), as `kubectl apply` would. */
  async apply(resources: string | object | object[]): Promise<K8sResource[]> {
    const text = typeof resources === "string" ? resources : (Array.isArray(resources) ? resources : [resources]).map((r) => stringify(r)).join("---\n");
    const parsed = parseManifests(text, "<apply>", this.session.cluster);
    for (const r of parsed) this.session.apply(r);
    await this.session.advance(0);
    return parsed;
  }

  /** Delete a resource: `delete("Model", "financial-ml/iris")`. */
  async delete(kind: K8sResource["kind"], ref: string): Promise<void> {
    const { namespace, name } = this.ref(ref);
    this.session.delete(kind, namespace, name);
    await this.session.advance(0);
  }

  /** A model by `namespace/name` (or `name` when there is one namespace). */
  model(ref: string): ModelHandle {
    const { namespace, name } = this.ref(ref);
    return new ModelHandle(this, namespace, name);
  }

  /** Let run time pass. */
  async advance(d: Duration): Promise<void> {
    await this.session.advance(toMs(d, "advance"));
  }

  /** Run until `condition` holds or `within` passes; true if it held. */
  async waitFor(condition: () => boolean, options: { within?: Duration } = {}): Promise<boolean> {
    return this.session.waitFor(condition, toMs(options.within ?? "30s", "within"));
  }

  /** The scheduler's last placement decision for a model, as text: every filter's verdict, Seldon's reasons. */
  explain(ref: string): string {
    const { namespace, name } = this.ref(ref);
    const s = this.session.scheduler(namespace);
    if (!s) return "";
    for (let i = s.decisions.length - 1; i >= 0; i--) {
      const d = s.decisions[i]!;
      if (d.full.model === name) return renderDecisionText(d.full, DEFAULT_CHAINS);
    }
    return "";
  }

  // Faults

  /** Add a fault as a scenario's `faults` entry is written (`{id, link, toxic}` or `{id, message}`); returns its id. */
  addFault(fault: object): string {
    const f: Fault = parseFault(fault, "", `fault-${this.faults.list().length}`);
    this.faults.add(f);
    return f.id;
  }

  /** Add a Toxiproxy toxic to a proxy (`<namespace>.<pod>.<port>`). */
  addToxic(proxy: string, toxic: Partial<Toxic> & { type: Toxic["type"] }): Toxic {
    return this.faults.addToxic(proxy, parseToxic(toxic, ""));
  }

  /** Remove a fault (or a network rule) by id. */
  heal(id: string): void {
    this.faults.remove(id);
    this.session.heal(id);
  }

  // Components

  crash(pod: string, container: string): void {
    const { namespace, name } = this.ref(pod);
    this.session.crash(namespace, name, container);
  }

  restart(pod: string, container: string): void {
    const { namespace, name } = this.ref(pod);
    this.session.restart(namespace, name, container);
  }

  /** Scale a server's pods (and its Server resource, when there is one). */
  async scale(server: string, replicas: number): Promise<void> {
    const { namespace, name } = this.ref(server);
    await this.session.scalePods(namespace, name, replicas);
    const resource = this.session.controller()?.serverResource(namespace, name);
    if (resource) this.session.apply({ ...resource, spec: { ...resource.spec, replicas } });
    await this.session.advance(0);
  }

  /** Drain one replica of a server, as its preStop hook does. */
  drain(server: string, replica: number): void {
    const { namespace, name } = this.ref(server);
    this.session.drain(namespace, name, replica);
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  private ref(ref: string): { namespace: string; name: string } {
    const i = ref.indexOf("/");
    if (i >= 0) return { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
    const namespaces = this.session.cluster.namespaces;
    if (namespaces.length !== 1) throw new UserError(`"${ref}" needs a namespace (namespace/name): the cluster has ${namespaces.length} namespaces`);
    return { namespace: namespaces[0]!.name, name: ref };
  }
}

function toMs(d: Duration, what: string): number {
  if (typeof d === "number") {
    if (!Number.isFinite(d) || d < 0) throw new UserError(`${what}: expected a duration ≥ 0, got ${d}`);
    return d;
  }
  const p = parseDuration(d);
  if (!p.ok) throw new UserError(`${what}: ${p.error}`);
  return p.value;
}

function loadScenario(o: SimulationOptions): Scenario {
  const read = (p: string): string => fs.readFileSync(p, "utf8");
  if (o.scenario !== undefined) {
    let text: string;
    try {
      text = read(o.scenario);
    } catch (e) {
      throw new UserError(`cannot read: ${(e as Error).message}`, { file: o.scenario });
    }
    return parseScenario(text, o.scenario, read);
  }
  if (o.scenarioText !== undefined) return parseScenario(o.scenarioText, "<scenario>", read);
  // A cluster from code goes through the scenario loader, so it is checked and defaulted alike.
  const c = o.cluster ?? {};
  const namespaces = c.namespaces ?? ["seldon-mesh"];
  const doc = {
    cluster: {
      ...(c.controller !== undefined ? { controller: c.controller } : {}),
      namespaces,
      servers: (c.servers ?? []).map((s) => ({ ...s, namespace: s.namespace ?? namespaces[0] })),
    },
  };
  return parseScenario(stringify(doc), "<cluster>", read);
}
