/**
 * One placement decision, as Seldon v2.9.0's `SimpleScheduler.scheduleToServer` makes it for
 * one model, computed without touching any store: the caller applies the outcome.
 */
import {
  EMPTY_EXPLANATION,
  formatExplanation,
  recordExplanation,
  suitableReplicas,
  type Explanation,
  type ExplanationRecord,
} from "./explanation.ts";
import {
  assignmentCount,
  currentServer,
  hasLiveReplicas,
  hasServer,
  isLoadingOrLoadedOnServer,
  latestVersion,
} from "./model.ts";
import { sortReplicaPositions, sortedServerPositions } from "./ordering.ts";
import { DEFAULT_CHAINS, type SchedulerChains } from "./registry.ts";
import type { ServerVerdictCache } from "./server-verdicts.ts";
import type { ChangesSince } from "../core/change-ring.ts";
import { alreadyLoadingOrLoaded, unloadingOrUnloaded } from "./states.ts";
import type { ModelSnapshot, ModelVersionState, SchedulingSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";

export type { Explanation, FilterResult, ReplicaExplanation, ServerExplanation } from "./explanation.ts";

export const NO_MATCHING_SERVERS = "Failed to schedule model as no matching servers are available";
export const NOT_ENOUGH_REPLICAS = "Failed to schedule model as no matching server had enough suitable replicas";
export const MIN_REPLICAS_WARNING =
  "Failed to schedule model as no matching server had enough suitable replicas, managed to schedule with min replicas";

/** The event `serverScaleUp` publishes (coordinator `ServerEventMsg` with `SERVER_SCALE_UP`). */
export interface ServerScaleUpEvent {
  readonly serverName: string;
  readonly updateContext: "SERVER_SCALE_UP";
}

/** The store call `FailedScheduling(latest version, message, reset)`. */
export interface FailedSchedulingCall<M extends string = string> {
  readonly message: M;
  /** Seldon's `reset` argument: when true the store clears the version's server. */
  readonly clearServer: boolean;
}

/**
 * Whether the second pass with `minReplicas` ran and how it went: it runs only when the
 * pass with the desired replica count failed and `minReplicas > 0`.
 */
export type MinReplicasFallback = "notAttempted" | "succeeded" | "failed";

interface DecisionCommon {
  readonly model: string;
  /** The version the decision is about (the latest). */
  readonly version: number;
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly explanation: Explanation;
}

/** The desired replica count fits on a server. */
export interface ScheduledDecision extends DecisionCommon {
  readonly outcome: "scheduled";
  readonly scheduled: true;
  readonly server: string;
  /** Replica indexes handed to the store (`UpdateLoadedModels`), in that order. */
  readonly replicaIdxs: readonly number[];
  readonly minReplicasFallback: "notAttempted";
  readonly serverScaleUpEvents: readonly [];
  readonly error: null;
  readonly warning: null;
  readonly failedScheduling: null;
}

/** Only `minReplicas` (or more, up to the desired count) fit: placed, and a scale-up may be asked. */
export interface ScheduledWithMinReplicasDecision extends DecisionCommon {
  readonly outcome: "scheduledWithMinReplicas";
  readonly scheduled: true;
  readonly server: string;
  readonly replicaIdxs: readonly number[];
  readonly minReplicasFallback: "succeeded";
  readonly serverScaleUpEvents: readonly ServerScaleUpEvent[];
  readonly error: null;
  /** The warning Seldon logs in this case. */
  readonly warning: typeof MIN_REPLICAS_WARNING;
  readonly failedScheduling: null;
}

/** No server passed the server filters. */
export interface NoMatchingServersDecision extends DecisionCommon {
  readonly outcome: "noMatchingServers";
  readonly scheduled: false;
  readonly server: null;
  readonly replicaIdxs: readonly [];
  readonly minReplicasFallback: "notAttempted";
  readonly serverScaleUpEvents: readonly [];
  readonly error: typeof NO_MATCHING_SERVERS;
  readonly warning: null;
  readonly failedScheduling: FailedSchedulingCall<typeof NO_MATCHING_SERVERS>;
}

/** Some servers passed, but none had enough suitable replicas (for the fallback either). */
export interface NotEnoughReplicasDecision extends DecisionCommon {
  readonly outcome: "notEnoughReplicas";
  readonly scheduled: false;
  readonly server: null;
  readonly replicaIdxs: readonly [];
  readonly minReplicasFallback: "notAttempted" | "failed";
  readonly serverScaleUpEvents: readonly ServerScaleUpEvent[];
  readonly error: typeof NOT_ENOUGH_REPLICAS;
  readonly warning: null;
  readonly failedScheduling: FailedSchedulingCall<typeof NOT_ENOUGH_REPLICAS>;
}

/**
 * The model is being deleted: Seldon places nothing, returns no error, asks the store to
 * unload every version that still has live replicas, then calls `UpdateLoadedModels` for the
 * latest version with an empty replica list on `deletion.server`.
 */
export interface DeletedModelDecision extends DecisionCommon {
  readonly outcome: "deleted";
  readonly scheduled: false;
  readonly server: null;
  readonly replicaIdxs: readonly [];
  readonly minReplicasFallback: "notAttempted";
  readonly serverScaleUpEvents: readonly [];
  readonly error: null;
  readonly warning: null;
  readonly failedScheduling: null;
  readonly deletion: {
    /** The latest version's server, or null when it has none (Seldon passes ""). */
    readonly server: string | null;
    /** Versions with live replicas, which `UnloadVersionModels` is called for, in order. */
    readonly unloadVersions: readonly number[];
  };
}

export type Decision =
  | ScheduledDecision
  | ScheduledWithMinReplicasDecision
  | NoMatchingServersDecision
  | NotEnoughReplicasDecision
  | DeletedModelDecision;

export type DecisionOutcome = Decision["outcome"];

interface Placement {
  readonly server: string;
  readonly replicaIdxs: readonly number[];
}

/** The accepted servers in the order Seldon tries them, and each one's suitable replicas. */
interface Candidates {
  readonly count: number;
  serverName(k: number): string;
  /** Indexes of the suitable replicas of the k-th server tried, after the replica sorters. */
  replicaIdxs(k: number): readonly number[];
}

/**
 * `findAndUpdateToServers`: the first candidate with at least `needed` suitable replicas gets
 * the first `needed` of them, or, on the fallback pass (needed ≠ desired), as many as it has
 * up to the desired count.
 */
function findPlacement(candidates: Candidates, desired: number, needed: number): Placement | null {
  for (let k = 0; k < candidates.count; k++) {
    const replicas = candidates.replicaIdxs(k);
    const available = replicas.length;
    if (available < needed) continue;
    const take = needed === desired ? needed : Math.min(available, desired);
    return { server: candidates.serverName(k), replicaIdxs: replicas.slice(0, take) };
  }
  return null;
}

/**
 * Whether the store's `UpdateLoadedModels` would write `server` into a version that has none
 * (it does so only when something changed or the version is in a state that needs an update).
 * The scheduler holds a pointer to that same version, so this decides which server name the
 * scale-up request that follows a successful fallback carries.
 */
function storeAssignsServer(version: ModelVersionState, desired: number, assigned: readonly number[]): boolean {
  const chosen = new Set(assigned);
  let replicaStateUpdated = false;
  for (const idx of chosen) {
    const state = version.replicaStates.get(idx);
    if (state === undefined || !alreadyLoadingOrLoaded(state)) replicaStateUpdated = true;
  }
  for (const [idx, state] of version.replicaStates) {
    if (!chosen.has(idx) && !unloadingOrUnloaded(state) && state !== "Draining") replicaStateUpdated = true;
  }
  const s = version.modelState;
  return (
    replicaStateUpdated ||
    s === "ScheduleFailed" ||
    s === "ModelProgressing" ||
    (s === "ModelAvailable" && assignmentCount(version) < desired)
  );
}

/** `serverScaleUp`: a request for the model's server, none when the model has no server. */
function scaleUpEvents(serverName: string): readonly ServerScaleUpEvent[] {
  return serverName === "" ? [] : [{ serverName, updateContext: "SERVER_SCALE_UP" }];
}

// Candidates are class instances rather than object literals of closures: a decision builds
// one each, and methods cost nothing per instance.
class NoCandidates implements Candidates {
  readonly count = 0;
  serverName(): string {
    return "";
  }
  replicaIdxs(): readonly number[] {
    return [];
  }
}

const NO_CANDIDATES: Candidates = new NoCandidates();

export interface DecideOptions {
  /**
   * Record the explanation while deciding: every filter's verdict on every server and replica,
   * and the orders tried. By default the decision takes Seldon's short cuts (a server's filters
   * stop at the first that rejects it; replicas are only filtered on the servers tried) and the
   * explanation is recorded from the same snapshot the first time it is read. Either way the
   * reason texts are formatted when the explanation is first read, and both give the same
   * decision and the same explanation.
   */
  readonly explain?: boolean;
  /**
   * Server filter verdicts kept from earlier decisions on the same server snapshots (what the
   * scheduler passes). It changes no decision, only what a decision has to evaluate.
   */
  readonly verdicts?: ServerVerdictCache;
  /**
   * Where each server of the snapshot sits in its list, by name, exactly as the list has them
   * (the scheduler keeps it with its list of snapshots). It changes no decision: a sorter that
   * puts one named server first then finds the list in order without reading every server.
   */
  readonly serverPositions?: ReadonlyMap<string, number>;
  /**
   * With `verdicts`: the positions of the snapshot's list whose server snapshot was replaced,
   * noted by whoever keeps the list from one decision to the next (the scheduler). It changes no
   * decision: the cache then compares only those servers with the ones it has verdicts for.
   */
  readonly replacedServers?: ChangesSince<number>;
}

/** Every server and replica with every filter's verdict and reason, and the orders Seldon tries. */
export function explainDecision(snapshot: SchedulingSnapshot, chains: SchedulerChains = DEFAULT_CHAINS): Explanation {
  return formatExplanation(recordExplanation(snapshot, chains));
}

class RecordedCandidates implements Candidates {
  readonly count: number;
  constructor(private readonly record: ExplanationRecord) {
    this.count = record.order.length;
  }
  serverName(k: number): string {
    return this.record.snapshot.servers[this.record.order[k]!]!.name;
  }
  replicaIdxs(k: number): readonly number[] {
    const replicas = this.record.snapshot.servers[this.record.order[k]!]!.replicas;
    return suitableReplicas(this.record, k).map((p) => replicas[p]!.idx);
  }
}

function acceptsServer(model: ModelSnapshot, server: ServerSnapshot, chains: SchedulerChains): boolean {
  for (const f of chains.serverFilters) if (!f.filter(model, server)) return false;
  return true;
}

/**
 * Positions of the servers every server filter accepts, in snapshot order: from the cache's
 * verdicts when it has them, otherwise stopping each server's filters at the first that
 * rejects it, as Seldon does.
 */
function acceptedPositions(
  snapshot: SchedulingSnapshot,
  chains: SchedulerChains,
  cache: ServerVerdictCache | undefined,
  replaced?: ChangesSince<number>,
): readonly number[] {
  const { model, servers } = snapshot;
  const cached = cache?.accepted(model, servers, chains.serverFilters, replaced) ?? null;
  if (cached !== null) return cached;
  const accepted: number[] = [];
  for (let i = 0; i < servers.length; i++) if (acceptsServer(model, servers[i]!, chains)) accepted.push(i);
  return accepted;
}

/**
 * The accepted servers in the order Seldon tries them, each one's suitable replicas filtered
 * and sorted only when a pass first reaches it (Seldon filters replicas server by server and
 * stops at the first that fits).
 */
class LazyCandidates implements Candidates {
  private readonly order: readonly number[];
  private readonly sorted: (readonly number[] | undefined)[] = [];

  constructor(
    private readonly snapshot: SchedulingSnapshot,
    private readonly chains: SchedulerChains,
    options: DecideOptions,
  ) {
    const accepted = acceptedPositions(snapshot, chains, options.verdicts, options.replacedServers);
    this.order = sortedServerPositions(snapshot.model, snapshot.servers, accepted, chains.serverSorters, options.serverPositions);
  }

  get count(): number {
    return this.order.length;
  }

  serverName(k: number): string {
    return this.snapshot.servers[this.order[k]!]!.name;
  }

  replicaIdxs(k: number): readonly number[] {
    let idxs = this.sorted[k];
    if (idxs === undefined) {
      const model = this.snapshot.model;
      const server = this.snapshot.servers[this.order[k]!]!;
      const replicas = server.replicas;
      const positions: number[] = [];
      for (let p = 0; p < replicas.length; p++) if (acceptsReplica(model, replicas[p]!, this.chains)) positions.push(p);
      sortReplicaPositions(model, server, positions, this.chains.replicaSorters);
      idxs = positions.map((p) => replicas[p]!.idx);
      this.sorted[k] = idxs;
    }
    return idxs;
  }
}

function acceptsReplica(model: ModelSnapshot, replica: ServerReplicaSnapshot, chains: SchedulerChains): boolean {
  for (const f of chains.replicaFilters) if (!f.filter(model, replica)) return false;
  return true;
}

/** The explanation of one decision, spelled out the first time it is read. */
class ExplanationSource {
  constructor(
    private readonly snapshot: SchedulingSnapshot,
    private readonly chains: SchedulerChains,
    private record: ExplanationRecord | null,
    private memo: Explanation | null = null,
  ) {}

  read(): Explanation {
    if (this.memo === null) {
      this.memo = formatExplanation(this.record ?? recordExplanation(this.snapshot, this.chains));
      this.record = null;
    }
    return this.memo;
  }
}

/**
 * Decides where Seldon would place the model of `snapshot`, and explains why.
 * Pure and deterministic: the initial orders are those of the snapshot lists (where Seldon
 * iterates Go maps in random order). The snapshot must not change afterwards: the explanation
 * is read from it when first asked for.
 */
export function decide(
  snapshot: SchedulingSnapshot,
  chains: SchedulerChains = DEFAULT_CHAINS,
  options: DecideOptions = {},
): Decision {
  // Seldon does not look at servers for a deleted model.
  if (snapshot.model.deleted) {
    return withExplanation(outcomeOf(snapshot, NO_CANDIDATES), new ExplanationSource(snapshot, chains, null, EMPTY_EXPLANATION));
  }
  if (options.explain === true) {
    const record = recordExplanation(snapshot, chains, options.verdicts);
    return withExplanation(outcomeOf(snapshot, new RecordedCandidates(record)), new ExplanationSource(snapshot, chains, record));
  }
  const candidates = new LazyCandidates(snapshot, chains, options);
  return withExplanation(outcomeOf(snapshot, candidates), new ExplanationSource(snapshot, chains, null));
}

type Outcome = Decision extends infer D ? (D extends Decision ? Omit<D, "explanation"> : never) : never;

const SOURCE = Symbol("explanation source");

/**
 * One getter shared by every decision: V8 then gives decisions of one outcome one hidden
 * class, where a getter of their own would give each decision a class of its own.
 */
function readExplanation(this: { readonly [SOURCE]: ExplanationSource }): Explanation {
  return this[SOURCE].read();
}

const EXPLANATION_PROPERTY: PropertyDescriptor = { get: readExplanation, enumerable: true };

/**
 * The decision object with `explanation` as an enumerable property read on demand (so that
 * spreading or printing a decision shows it), its source a hidden property.
 */
function withExplanation(outcome: Outcome, source: ExplanationSource): Decision {
  Object.defineProperty(outcome, SOURCE, { value: source });
  return Object.defineProperty(outcome, "explanation", EXPLANATION_PROPERTY) as Decision;
}

function outcomeOf(snapshot: SchedulingSnapshot, candidates: Candidates): Outcome {
  const model = snapshot.model;
  const latest = latestVersion(model);
  const desired = model.replicas;
  const min = model.minReplicas;
  const name = model.name;
  const version = latest.version;
  // Each outcome is one object literal with the common fields written out: V8 builds a literal
  // in a few nanoseconds, and a spread followed by more fields a hundred times slower.

  if (model.deleted) {
    return {
      model: name,
      version,
      desiredReplicas: desired,
      minReplicas: min,
      outcome: "deleted",
      scheduled: false,
      server: null,
      replicaIdxs: [],
      minReplicasFallback: "notAttempted",
      serverScaleUpEvents: [],
      error: null,
      warning: null,
      failedScheduling: null,
      deletion: {
        server: hasServer(model) ? currentServer(model) : null,
        unloadVersions: model.existingState.versions.filter((v) => hasLiveReplicas(v)).map((v) => v.version),
      },
    };
  }

  if (candidates.count === 0) {
    return {
      model: name,
      version,
      desiredReplicas: desired,
      minReplicas: min,
      outcome: "noMatchingServers",
      scheduled: false,
      server: null,
      replicaIdxs: [],
      minReplicasFallback: "notAttempted",
      serverScaleUpEvents: [],
      error: NO_MATCHING_SERVERS,
      warning: null,
      failedScheduling: { message: NO_MATCHING_SERVERS, clearServer: !hasLiveReplicas(latest) },
    };
  }

  const placed = findPlacement(candidates, desired, desired);
  if (placed !== null) {
    return {
      model: name,
      version,
      desiredReplicas: desired,
      minReplicas: min,
      outcome: "scheduled",
      scheduled: true,
      server: placed.server,
      replicaIdxs: placed.replicaIdxs,
      minReplicasFallback: "notAttempted",
      serverScaleUpEvents: [],
      error: null,
      warning: null,
      failedScheduling: null,
    };
  }

  const fallback = min > 0 ? findPlacement(candidates, desired, min) : null;
  if (fallback !== null) {
    // The store may already have written the new server into the (shared) version object
    // by the time the scale-up request reads it.
    const server =
      !hasServer(model) && storeAssignsServer(latest, desired, fallback.replicaIdxs)
        ? fallback.server
        : currentServer(model);
    return {
      model: name,
      version,
      desiredReplicas: desired,
      minReplicas: min,
      outcome: "scheduledWithMinReplicas",
      scheduled: true,
      server: fallback.server,
      replicaIdxs: fallback.replicaIdxs,
      minReplicasFallback: "succeeded",
      serverScaleUpEvents: scaleUpEvents(server),
      error: null,
      warning: MIN_REPLICAS_WARNING,
      failedScheduling: null,
    };
  }

  return {
    model: name,
    version,
    desiredReplicas: desired,
    minReplicas: min,
    outcome: "notEnoughReplicas",
    scheduled: false,
    server: null,
    replicaIdxs: [],
    minReplicasFallback: min > 0 ? "failed" : "notAttempted",
    serverScaleUpEvents: scaleUpEvents(currentServer(model)),
    error: NOT_ENOUGH_REPLICAS,
    warning: null,
    failedScheduling: {
      message: NOT_ENOUGH_REPLICAS,
      clearServer: !hasLiveReplicas(latest) && !isLoadingOrLoadedOnServer(latest),
    },
  };
}
