/**
 * The bridge between the scheduler's store and the pure placement decision in `src/scheduling`:
 * a store view becomes a `SchedulingSnapshot` (the same shape `seldon-sim schedule` reads from a
 * file), and the decision comes back with its explanation.
 */
import { decide, type Decision } from "../scheduling/decide.ts";
import { DEFAULT_CHAINS, type SchedulerChains } from "../scheduling/registry.ts";
import { ServerVerdictCache } from "../scheduling/server-verdicts.ts";
import type { SchedulingSnapshot, ServerSnapshot, ModelVersionState } from "../scheduling/types.ts";
import type { ModelReplicaState } from "../scheduling/states.ts";
import type { Model, ModelVersion, Server, ServerReplica } from "./model.ts";
import type { MemoryStore } from "./store.ts";
import { LoadedJournal, type LoadedList } from "./loaded-journal.ts";
import { ChangeRing } from "../core/change-ring.ts";

export type PlacementChains = SchedulerChains;

export interface PlacementView {
  decision: {
    server: string | null;
    replicaIdxs: number[];
    error: string | null;
    minReplicasFallback: boolean;
    failedScheduling: { message: string; clearServer: boolean } | null;
    serverScaleUpEvents: { serverName: string }[];
    scaleUpSuppressed: boolean;
  };
  full: Decision;
  snapshot: SchedulingSnapshot;
}

/**
 * The last snapshot taken of each server, with the store revision it was taken at. Snapshots
 * are immutable, so decisions that kept one still read the server as it was when they decided.
 * The entry is updated in place: one map lookup per server snapshot, none to store it.
 */
const serverSnapshots = new WeakMap<Server, { revision: number; snapshot: ServerSnapshot }>();

/** A new snapshot of the server as the store holds it now, sharing nothing with earlier ones. */
export function takeServerSnapshot(s: Server): ServerSnapshot {
  return serverSnapshotWith(s, [...s.replicas.values()].map(replicaSnapshot));
}

type ReplicaSnapshot = ServerSnapshot["replicas"][number];

/**
 * What is kept of each replica between snapshots: the last snapshot taken, with the replica's
 * revision at the time, and the journal of what it had loaded (see `LoadedJournal`). A server's
 * revision bump is usually one replica's doing, and decisions kept by `run` hold every snapshot
 * they saw: sharing the unchanged replicas (and a replica's capability list, which never changes
 * and is long on a busy cluster) keeps that history linear in the changes rather than in
 * replicas × models, and makes a new server snapshot cost one copy of the replica that moved.
 * One entry, updated in place, so that a new snapshot costs one map lookup.
 */
interface ReplicaHistory {
  revision: number;
  snapshot: ReplicaSnapshot;
  readonly journal: LoadedJournal;
}

const replicaHistories = new WeakMap<ServerReplica, ReplicaHistory>();

/** The one place a server's fields become a snapshot's: a literal, which V8 builds far faster
 * than a spread of the same fields followed by one more. */
function serverSnapshotWith(s: Server, replicas: ReplicaSnapshot[]): ServerSnapshot {
  return { name: s.name, shared: s.shared, expectedReplicas: s.expectedReplicas, replicas };
}

function replicaSnapshot(r: ServerReplica): ReplicaSnapshot {
  return { ...new ReplicaFields(r, [...r.capabilities]), loadedModels: [...r.loaded] };
}

/**
 * The replica's fields but its loaded list, with `capabilities` (a copy of the replica's list):
 * the one place a replica's fields become a snapshot's, for fresh and kept snapshots alike.
 */
class ReplicaFields implements Omit<ReplicaSnapshot, "loadedModels"> {
  readonly idx: number;
  readonly serverName: string;
  readonly memoryBytes: bigint;
  readonly availableMemoryBytes: bigint;
  readonly reservedMemoryBytes: bigint;
  readonly capabilities: readonly string[];
  readonly overCommitPercentage: number;
  readonly draining: boolean;

  constructor(r: ServerReplica, capabilities: readonly string[]) {
    this.idx = r.idx;
    this.serverName = r.serverName;
    this.memoryBytes = r.memory;
    this.availableMemoryBytes = r.availableMemory;
    this.reservedMemoryBytes = r.reservedMemory;
    this.capabilities = capabilities;
    this.overCommitPercentage = r.overCommitPercentage;
    this.draining = r.draining;
  }
}

/**
 * A replica snapshot that reads its loaded list from the replica's journal the first time it
 * is asked for. Its own properties are those of a plain snapshot, in the same order (the list
 * an enumerable getter, so that spreading or printing it shows the list); the journal position
 * is a private field, which nothing that copies or compares objects sees. A class, so that only
 * the getter needs `defineProperty`: a hidden property for the position made every snapshot
 * cost two.
 */
class KeptReplicaSnapshot extends ReplicaFields implements ReplicaSnapshot {
  declare readonly loadedModels: readonly string[];
  readonly #loaded: LoadedList;

  /** One getter shared by every kept snapshot, so that they share one hidden class. */
  static readonly #LOADED_PROPERTY: PropertyDescriptor = {
    get(this: KeptReplicaSnapshot): readonly string[] {
      return this.#loaded.read();
    },
    enumerable: true,
  };

  constructor(r: ServerReplica, capabilities: readonly string[], loaded: LoadedList) {
    super(r, capabilities);
    this.#loaded = loaded;
    Object.defineProperty(this, "loadedModels", KeptReplicaSnapshot.#LOADED_PROPERTY);
  }
}

/** The replica's snapshot: the last one taken while its revision has not moved. */
function sharedReplicaSnapshot(r: ServerReplica): ReplicaSnapshot {
  const history = replicaHistories.get(r);
  if (history !== undefined && history.revision === r.revision) return history.snapshot;
  const journal = history?.journal ?? new LoadedJournal();
  // a replica's capabilities never change: its snapshots share one copy of them
  const capabilities = history?.snapshot.capabilities ?? [...r.capabilities];
  const snapshot = new KeptReplicaSnapshot(r, capabilities, journal.at(r.loaded, r.loadedChanges, r.lastLoadedChange));
  if (history === undefined) replicaHistories.set(r, { revision: r.revision, snapshot, journal });
  else {
    history.revision = r.revision;
    history.snapshot = snapshot;
  }
  return snapshot;
}

/** The server's snapshot: the last one taken while its revision has not moved. */
function serverSnapshotOf(s: Server): ServerSnapshot {
  const cached = serverSnapshots.get(s);
  if (cached !== undefined && cached.revision === s.revision) return cached.snapshot;
  const replicas: ReplicaSnapshot[] = [];
  for (const r of s.replicas.values()) replicas.push(sharedReplicaSnapshot(r));
  const snapshot = serverSnapshotWith(s, replicas);
  if (cached === undefined) serverSnapshots.set(s, { revision: s.revision, snapshot });
  else {
    cached.revision = s.revision;
    cached.snapshot = snapshot;
  }
  return snapshot;
}

/**
 * The store's servers as the last placement saw them, by position: each server, the revision
 * its snapshot was taken at, and the snapshot. A placement catches up with the servers the
 * store touched since (`ServerTable#touched`), and looks up (or takes) a snapshot only for
 * those that changed: most placements change one server of many. It goes through the whole
 * table when servers came or went since, or when it is too far behind.
 */
interface ServerList {
  readonly servers: Server[];
  readonly revisions: number[];
  readonly snapshots: ServerSnapshot[];
  /** Where each server is in the lists, by name (the store's servers are keyed by name). */
  readonly positions: Map<string, number>;
  /** The positions whose snapshot was replaced, for the verdict cache to catch up with. */
  readonly replaced: ChangeRing<number>;
  /** The table's layout and touch count the lists were last brought up to date at (-1: never). */
  layout: number;
  touches: number;
}

/** Replaced positions kept: a verdict row further behind than this looks at every server. */
const REPLACED_KEPT = 1024;

const serverLists = new WeakMap<MemoryStore, ServerList>();

/** The store's servers as the last placement saw them, brought up to date. */
function serverListOf(store: MemoryStore): ServerList {
  let list = serverLists.get(store);
  if (list === undefined) {
    list = { servers: [], revisions: [], snapshots: [], positions: new Map(), replaced: new ChangeRing(REPLACED_KEPT), layout: -1, touches: 0 };
    serverLists.set(store, list);
  }
  const table = store.servers;
  const touched = table.touched;
  if (list.layout === table.layout && touched.covers(list.touches)) {
    for (let t = list.touches; t < touched.count; t++) {
      const s = touched.at(t);
      const i = list.positions.get(s.name);
      if (i !== undefined && list.servers[i] === s && list.revisions[i] !== s.revision) replace(list, i, s);
    }
  } else {
    rebuild(list, table.values());
    list.layout = table.layout;
  }
  list.touches = touched.count;
  return list;
}

/** Compares every server with its place in the lists. */
function rebuild(list: ServerList, table: Iterable<Server>): void {
  const { servers, positions } = list;
  let i = 0;
  for (const s of table) {
    const was = servers[i];
    if (was !== s) {
      if (was !== undefined && positions.get(was.name) === i) positions.delete(was.name);
      positions.set(s.name, i);
    }
    if (was !== s || list.revisions[i] !== s.revision) replace(list, i, s);
    i++;
  }
  if (servers.length !== i) {
    for (let j = i; j < servers.length; j++) if (positions.get(servers[j]!.name) === j) positions.delete(servers[j]!.name);
    servers.length = list.revisions.length = list.snapshots.length = i;
  }
}

function replace(list: ServerList, i: number, s: Server): void {
  list.servers[i] = s;
  list.revisions[i] = s.revision;
  list.snapshots[i] = serverSnapshotOf(s);
  list.replaced.note(i);
}

/** The store as a placement sees it: every server in the store's order (a new array each time) and the model. */
export function snapshotOf(store: MemoryStore, model: Model): SchedulingSnapshot {
  return snapshotWith(serverListOf(store), model);
}

function snapshotWith(list: ServerList, model: Model): SchedulingSnapshot {
  const servers = list.snapshots.slice();
  const latest = model.latest()!;
  const versions = model.versions.map(versionState) as [ModelVersionState, ...ModelVersionState[]];
  return {
    servers,
    model: {
      name: model.name,
      requirements: [...latest.requirements()],
      memoryBytes: latest.requiredMemory(),
      replicas: latest.desiredReplicas(),
      minReplicas: latest.minReplicas(),
      maxReplicas: latest.defn.deploymentSpec?.maxReplicas ?? 0,
      server: latest.requestedServer(),
      explainer: latest.isExplainer(),
      deleted: model.deleted,
      existingState: { versions },
    },
  };
}

function versionState(mv: ModelVersion): ModelVersionState {
  // filled in a loop: every placement makes one per version, and copying the entries into
  // arrays first to hand the constructor cost more than the map
  const replicaStates = new Map<number, ModelReplicaState>();
  for (const [i, r] of mv.replicas) replicaStates.set(i, r.state);
  return { version: mv.version, scheduledServer: mv.server, modelState: mv.status.state, replicaStates };
}

/**
 * Each store's server filter verdicts from its earlier decisions. They stay exact because a
 * server's snapshot object is replaced whenever its revision moves (`serverSnapshotOf`).
 */
const verdictCaches = new WeakMap<MemoryStore, ServerVerdictCache>();

function verdictCacheOf(store: MemoryStore): ServerVerdictCache {
  let cache = verdictCaches.get(store);
  if (cache === undefined) {
    cache = new ServerVerdictCache();
    verdictCaches.set(store, cache);
  }
  return cache;
}

/** Decide where `model`'s latest version goes, from the store as it is now. */
export function placeModel(store: MemoryStore, model: Model, chains: Partial<SchedulerChains> = {}): PlacementView {
  const list = serverListOf(store);
  const snapshot = snapshotWith(list, model);
  const full = decide(snapshot, { ...DEFAULT_CHAINS, ...chains }, {
    verdicts: verdictCacheOf(store), serverPositions: list.positions, replacedServers: list.replaced,
  });
  const hasServer = model.latest()!.server !== "";
  const askedScaleUp = full.outcome === "notEnoughReplicas";
  return {
    full,
    snapshot,
    decision: {
      server: full.scheduled ? full.server : null,
      replicaIdxs: full.scheduled ? [...full.replicaIdxs] : [],
      error: full.error,
      minReplicasFallback: full.outcome === "scheduledWithMinReplicas",
      failedScheduling: full.failedScheduling ? { ...full.failedScheduling } : null,
      serverScaleUpEvents: full.serverScaleUpEvents.map((e) => ({ serverName: e.serverName })),
      scaleUpSuppressed: askedScaleUp && full.serverScaleUpEvents.length === 0 && !hasServer,
    },
  };
}
