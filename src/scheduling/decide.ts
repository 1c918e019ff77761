/**
 * One placement decision, as Seldon v2.9.0's `SimpleScheduler.scheduleToServer` makes it for
 * one model, computed without touching any store: the caller applies the outcome.
 */
import { goStableSortUnlessOrdered } from "./gosort.ts";
import {
  assignmentCount,
  currentServer,
  hasLiveReplicas,
  hasServer,
  isLoadingOrLoadedOnServer,
  latestVersion,
} from "./model.ts";
import type { CandidateReplica, CandidateServer } from "./plugins.ts";
import { DEFAULT_CHAINS, type SchedulerChains } from "./registry.ts";
import { alreadyLoadingOrLoaded, unloadingOrUnloaded } from "./states.ts";
import type { ModelSnapshot, ModelVersionState, SchedulingSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";

export const NO_MATCHING_SERVERS = "Failed to schedule model as no matching servers are available";
export const NOT_ENOUGH_REPLICAS = "Failed to schedule model as no matching server had enough suitable replicas";
export const MIN_REPLICAS_WARNING =
  "Failed to schedule model as no matching server had enough suitable replicas, managed to schedule with min replicas";

/** The outcome of one plugin check. `reason` is Seldon's description text, pass or fail. */
export interface FilterResult {
  readonly name: string;
  readonly pass: boolean;
  readonly reason: string;
}

export interface ReplicaExplanation {
  readonly idx: number;
  /** All replica filters pass. Only meaningful when the server is accepted. */
  readonly accepted: boolean;
  readonly filters: readonly FilterResult[];
}

export interface ServerExplanation {
  readonly name: string;
  /** All server filters pass. */
  readonly accepted: boolean;
  readonly filters: readonly FilterResult[];
  readonly replicas: readonly ReplicaExplanation[];
}

export interface Explanation {
  /** Every server in snapshot order, every filter evaluated (even after one rejected). */
  readonly servers: readonly ServerExplanation[];
  /** Accepted servers after the server sorters, in the order Seldon tries them. */
  readonly serverOrder: readonly string[];
  /** For each accepted server: its suitable replica indexes after the replica sorters. */
  readonly replicaOrder: Readonly<Record<string, readonly number[]>>;
}

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
  readonly servers: readonly ServerSnapshot[];
  /** Suitable replicas of `servers[i]` after the replica sorters. */
  sortedReplicas(i: number): readonly ServerReplicaSnapshot[];
}

function explainServer(model: ModelSnapshot, server: ServerSnapshot, chains: SchedulerChains): ServerExplanation {
  const filters = chains.serverFilters.map((f) => ({
    name: f.name,
    pass: f.filter(model, server),
    reason: f.reason(model, server),
  }));
  const replicas = server.replicas.map((replica) => {
    const rf = chains.replicaFilters.map((f) => ({
      name: f.name,
      pass: f.filter(model, replica),
      reason: f.reason(model, replica),
    }));
    return { idx: replica.idx, accepted: rf.every((r) => r.pass), filters: rf };
  });
  return { name: server.name, accepted: filters.every((r) => r.pass), filters, replicas };
}

function sortServers(model: ModelSnapshot, servers: ServerSnapshot[], chains: SchedulerChains): void {
  if (chains.serverSorters.length === 0 || servers.length < 2) return;
  // One candidate object per server for the whole sort, as Seldon's comparator gets.
  const candidates: CandidateServer[] = servers.map((server) => ({ model, server }));
  for (const sorter of chains.serverSorters) {
    goStableSortUnlessOrdered(candidates, (a, b) => sorter.isLess(a, b));
  }
  for (let i = 0; i < candidates.length; i++) servers[i] = candidates[i]!.server;
}

function sortReplicas(
  model: ModelSnapshot,
  server: ServerSnapshot,
  replicas: ServerReplicaSnapshot[],
  chains: SchedulerChains,
): void {
  if (chains.replicaSorters.length === 0 || replicas.length < 2) return;
  const candidates: CandidateReplica[] = replicas.map((replica) => ({ model, server, replica }));
  for (const sorter of chains.replicaSorters) {
    goStableSortUnlessOrdered(candidates, (a, b) => sorter.isLess(a, b));
  }
  for (let i = 0; i < candidates.length; i++) replicas[i] = candidates[i]!.replica;
}

/**
 * `findAndUpdateToServers`: the first candidate with at least `needed` suitable replicas gets
 * the first `needed` of them, or, on the fallback pass (needed ≠ desired), as many as it has
 * up to the desired count.
 */
function findPlacement(candidates: Candidates, desired: number, needed: number): Placement | null {
  for (let i = 0; i < candidates.servers.length; i++) {
    const replicas = candidates.sortedReplicas(i);
    const available = replicas.length;
    if (available < needed) continue;
    const take = needed === desired ? needed : Math.min(available, desired);
    return { server: candidates.servers[i]!.name, replicaIdxs: replicas.slice(0, take).map((r) => r.idx) };
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

const NO_CANDIDATES: Candidates = { servers: [], sortedReplicas: () => [] };
const EMPTY_EXPLANATION: Explanation = { servers: [], serverOrder: [], replicaOrder: {} };

export interface DecideOptions {
  /**
   * Compute the explanation while deciding (every filter of every server and replica, with
   * its reason text). By default the decision takes Seldon's short cuts (a server's filters stop
   * at the first that rejects it; replicas are only filtered on the servers tried) and the
   * explanation is computed from the same snapshot the first time it is read. Both give the
   * same decision and the same explanation.
   */
  readonly explain?: boolean;
}

/** Every server and replica with every filter's verdict and reason, and the orders Seldon tries. */
export function explainDecision(snapshot: SchedulingSnapshot, chains: SchedulerChains = DEFAULT_CHAINS): Explanation {
  return explainCandidates(snapshot, chains).explanation;
}

function explainCandidates(
  snapshot: SchedulingSnapshot,
  chains: SchedulerChains,
): { explanation: Explanation; candidates: Candidates } {
  const model = snapshot.model;
  const servers = snapshot.servers.map((s) => explainServer(model, s, chains));
  const accepted = snapshot.servers.filter((_, i) => servers[i]!.accepted);
  const explainedOf = new Map(snapshot.servers.map((s, i) => [s, servers[i]!]));
  sortServers(model, accepted, chains);
  const sorted = accepted.map((server) => {
    const expl = explainedOf.get(server);
    const suitable = server.replicas.filter((_, i) => expl?.replicas[i]?.accepted === true);
    sortReplicas(model, server, suitable, chains);
    return suitable;
  });
  const replicaOrder: Record<string, readonly number[]> = {};
  accepted.forEach((server, i) => {
    replicaOrder[server.name] = sorted[i]!.map((r) => r.idx);
  });
  return {
    explanation: { servers, serverOrder: accepted.map((s) => s.name), replicaOrder },
    candidates: { servers: accepted, sortedReplicas: (i) => sorted[i]! },
  };
}

function acceptsServer(model: ModelSnapshot, server: ServerSnapshot, chains: SchedulerChains): boolean {
  for (const f of chains.serverFilters) if (!f.filter(model, server)) return false;
  return true;
}

function acceptsReplica(model: ModelSnapshot, replica: ServerReplicaSnapshot, chains: SchedulerChains): boolean {
  for (const f of chains.replicaFilters) if (!f.filter(model, replica)) return false;
  return true;
}

/**
 * The accepted servers in the order Seldon tries them, each one's suitable replicas filtered
 * and sorted only when a pass first reaches it (Seldon filters replicas server by server and
 * stops at the first that fits).
 */
function lazyCandidates(snapshot: SchedulingSnapshot, chains: SchedulerChains): Candidates {
  const model = snapshot.model;
  const accepted: ServerSnapshot[] = [];
  for (const s of snapshot.servers) if (acceptsServer(model, s, chains)) accepted.push(s);
  sortServers(model, accepted, chains);
  const sorted: (ServerReplicaSnapshot[] | undefined)[] = [];
  return {
    servers: accepted,
    sortedReplicas: (i) => {
      let replicas = sorted[i];
      if (replicas === undefined) {
        const server = accepted[i]!;
        replicas = server.replicas.filter((r) => acceptsReplica(model, r, chains));
        sortReplicas(model, server, replicas, chains);
        sorted[i] = replicas;
      }
      return replicas;
    },
  };
}

/**
 * Decides where Seldon would place the model of `snapshot`, and explains why.
 * Pure and deterministic: the initial orders are those of the snapshot lists (where Seldon
 * iterates Go maps in random order). The snapshot must not change afterwards: the explanation
 * is read from it when first asked for (unless `options.explain`).
 */
export function decide(
  snapshot: SchedulingSnapshot,
  chains: SchedulerChains = DEFAULT_CHAINS,
  options: DecideOptions = {},
): Decision {
  // Seldon does not look at servers for a deleted model.
  if (snapshot.model.deleted) return withExplanation(outcomeOf(snapshot, NO_CANDIDATES), () => EMPTY_EXPLANATION);
  if (options.explain === true) {
    const { explanation, candidates } = explainCandidates(snapshot, chains);
    return withExplanation(outcomeOf(snapshot, candidates), () => explanation);
  }
  let memo: Explanation | null = null;
  return withExplanation(outcomeOf(snapshot, lazyCandidates(snapshot, chains)), () => {
    memo ??= explainDecision(snapshot, chains);
    return memo;
  });
}

type Outcome = Decision extends infer D ? (D extends Decision ? Omit<D, "explanation"> : never) : never;

/** The decision object with `explanation` as an enumerable property read on demand. */
function withExplanation(outcome: Outcome, explanation: () => Explanation): Decision {
  return Object.defineProperty(outcome, "explanation", { get: explanation, enumerable: true }) as Decision;
}

function outcomeOf(snapshot: SchedulingSnapshot, candidates: Candidates): Outcome {
  const model = snapshot.model;
  const latest = latestVersion(model);
  const desired = model.replicas;
  const min = model.minReplicas;
  const common = { model: model.name, version: latest.version, desiredReplicas: desired, minReplicas: min };

  if (model.deleted) {
    return {
      ...common,
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

  if (candidates.servers.length === 0) {
    return {
      ...common,
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
      ...common,
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
      ...common,
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
    ...common,
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
