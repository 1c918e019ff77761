/**
 * What a property is, as the scenario runner sees it. A property is named and documented, and
 * judges runs:
 *
 * - a *run* property watches one run — after every input a component handles, and once at the
 *   end — and says what went wrong, if anything (safety, liveness, consistency, differential);
 * - a *comparison* property runs the scenario a second time (the same seed again, or the other
 *   runtime) and compares the two results (determinism).
 *
 * Properties are registered by name, so a scenario file can ask for them
 * (`expect: {properties: [...]}`) and a counterexample file replays its failure with
 * `seldon-sim run`. The runner only knows this contract and the registry; the built-in
 * properties (src/properties/catalog.ts) and users' own register themselves here, so the
 * runner never depends on the properties it runs.
 */
import type { Session, SessionOptions } from "../cluster/session.ts";
import type { Proc } from "../runtime/engine.ts";
import type { RuntimeKind } from "../runtime/index.ts";
import type { PlacementChains } from "../scheduler/placement.ts";
import type { ScenarioResult } from "./result.ts";
import type { Scenario } from "./types.ts";
import type { Faults } from "../faults/faults.ts";
import type { RunReads } from "./keep.ts";

export interface RunOptions {
  runtime: RuntimeKind;
  seed?: number;
  /** Scheduler plugins (objects, so a test can plant its own); wins over the scenario's `scheduler`. */
  chains?: Partial<PlacementChains>;
  /** Replaces components as they spawn (planted bugs, instrumentation). */
  wrap?: SessionOptions["wrap"];
  /** Properties checked besides those the scenario names in `expect.properties`. */
  properties?: readonly Property[];
  /** Told now and then (every few seconds of wall time) how far a long run has got. */
  progress?: (line: string) => void;
  /** Something that drives the running cluster too (the control API of `run --control-port`):
   * told when the cluster is up, and waited for once the run is over, before it is closed. */
  control?: RunControl;
  /** Called with the engine of the (first) run before it starts, e.g. to record it. */
  observe?: SessionOptions["observe"];
  /**
   * Keep every gRPC message in the trace (default true). Off, the trace holds the calls'
   * openings and endings, logs and observations but no messages (`ScenarioResult.messages` says
   * so): for runs whose outputs read no message, where they were the largest part of what a
   * run kept. A run with properties keeps them whatever this says, as properties read them.
   */
  messages?: boolean;
  /**
   * What the caller will read of the result (default `everything`): the run keeps only that,
   * with what its expectations and properties read (`keepingFor`, `ScenarioResult.kept`).
   */
  reads?: RunReads;
}

export interface RunControl {
  started(session: Session, faults: Faults): Promise<void>;
  /** The run is over and checked; the cluster stays up until this resolves. */
  finished(session: Session, result: ScenarioResult): Promise<void>;
}

export type PropertyCategory = "safety" | "liveness" | "consistency" | "determinism" | "differential";

/** The live run a property watches. */
export interface RunView {
  readonly session: Session;
  readonly scenario: Scenario;
}

/** A property's eyes on one run; each returns a description of the violation, or null. */
export interface Watch {
  /** After `proc` handled an input and its effects were carried out. */
  step?(proc: Proc): string | null;
  /** Once, after the run settled. */
  end?(): string | null;
}

interface PropertyBase {
  /** Kebab-case name, used in scenario files and on the command line. */
  readonly name: string;
  readonly category: PropertyCategory;
  /** One sentence: what must hold. */
  readonly description: string;
}

export interface RunProperty extends PropertyBase {
  readonly kind: "run";
  watch(view: RunView): Watch;
}

export interface ComparisonProperty extends PropertyBase {
  readonly kind: "comparison";
  /** The options of the second run, given those of the first. */
  other(options: RunOptions): RunOptions;
  compare(first: ScenarioResult, second: ScenarioResult): string | null;
}

export type Property = RunProperty | ComparisonProperty;

const registry = new Map<string, Property>();

/** Make a property known by name (to scenario files, `seldon-sim check` and `seldon-sim run`). */
export function registerProperty(p: Property): Property {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(p.name)) throw new Error(`property name \`${p.name}\` must be kebab-case`);
  const known = registry.get(p.name);
  if (known && known !== p) throw new Error(`a different property named \`${p.name}\` is already registered`);
  registry.set(p.name, p);
  return p;
}

export function propertyByName(name: string): Property | undefined {
  return registry.get(name);
}

export function registeredProperties(): Property[] {
  return [...registry.values()];
}
