/**
 * The scheduler's in-memory store: what Seldon's MemoryStore does to models, versions and server
 * replicas, and the events it publishes. Events are queued in `events` and drained by the
 * scheduler component in order, which keeps the cascade of handlers deterministic (Seldon runs
 * them on goroutines; the order we pick is one of the orders Seldon can produce).
 */
import { goTrimSpace } from "../core/goparse.ts";
import { Model, ModelVersion, Server, type ServerReplica, versionKey } from "./model.ts";
import {
  ALREADY_LOADING_OR_LOADED,
  UNLOADING_OR_UNLOADED,
  checkReplicaTransition,
  deriveModelStatus,
  type ReplicaCause,
  type ReplicaState,
} from "./states.ts";
import type { PbAgentSubscribeRequest, PbLoadModelRequest, PbModel, PbModelEventMessage, PbServerNotify, PbUnloadModelRequest } from "../proto/messages.ts";
import type { Fields, LogLevel } from "../core/protocol.ts";
import { canonicalJson } from "../core/canonical.ts";
import { noteLoadedChange } from "./loaded-models.ts";
import { ServerTable } from "./server-table.ts";

export type StoreEvent =
  | { type: "model"; name: string; version: number; source: string }
  | { type: "server"; name: string; idx?: number; context: "replicaConnected" | "scaleUp" | "scaleDown" };

const VALID_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class StoreError extends Error {}

/** What an agent reports about the runtime a model loaded on (MLServer workers, Triton instances). */
export type RuntimeInfo = NonNullable<PbModelEventMessage["runtimeInfo"]>;

export interface StoreLog {
  level: LogLevel;
  msg: string;
  fields: Fields;
}

export class MemoryStore {
  readonly models = new Map<string, Model>();
  readonly servers = new ServerTable();
  readonly events: StoreEvent[] = [];
  /** Log lines of the store (Seldon's MemoryStore logger), taken by the scheduler in order. */
  readonly logs: StoreLog[] = [];

  constructor(private readonly clock: () => number) {}

  private publishModel(mv: ModelVersion, source: string): void {
    this.events.push({ type: "model", name: mv.name, version: mv.version, source });
  }

  private setReplicaState(mv: ModelVersion, idx: number, state: ReplicaState, reason: string, cause: ReplicaCause): void {
    checkReplicaTransition(mv.replicaState(idx), state, cause);
    mv.replicas.set(idx, { state, reason, at: this.clock() });
  }

  /** Recompute a version's state from its replicas. */
  refreshStatus(model: Model, mv: ModelVersion): void {
    const lastAvailable = model.lastAvailable();
    mv.status = deriveModelStatus({
      replicas: mv.replicas.values(),
      deleted: model.deleted,
      isLatest: model.latest() === mv,
      desiredReplicas: mv.desiredReplicas(),
      minReplicas: mv.minReplicas(),
      replacingAvailableVersion: lastAvailable !== undefined && lastAvailable !== mv,
    });
  }

  /** `defn` becomes the version's own: callers pass a copy nothing else holds. */
  private addNextVersion(model: Model, defn: PbModel): ModelVersion {
    const latest = model.latest();
    const generation = defn.meta?.kubernetesMeta?.generation ?? 0;
    const version = latest ? latest.version + 1 : Math.max(1, generation >>> 0);
    const mv = new ModelVersion(defn, version);
    model.versions.push(mv);
    model.versions.sort((a, b) => a.version - b.version);
    return mv;
  }

  /**
   * LoadModel: a new model, a new version when the model spec changed, or an in-place update.
   * `handover` says whether the store may keep the request's definition as it is ("adopt": the
   * caller built it for this call and keeps no hold on it) or must copy it.
   */
  updateModel(req: PbLoadModelRequest, handover: Handover = "copy"): void {
    const defn = req.model;
    const name = defn?.meta?.name ?? "";
    if (!VALID_NAME.test(name)) {
      throw new StoreError(`Model ${name} does not have a valid name - it must be alphanumeric and not contains dots (.)`);
    }
    let model = this.models.get(name);
    if (!model || (model.deleted && model.inactive())) {
      model = new Model(name);
      this.models.set(name, model);
      this.addNextVersion(model, owned(defn!, handover));
      return;
    }
    if (model.deleted) throw new StoreError(`Model ${name} is in process of deletion - new model can not be created`);
    const latest = model.latest()!;
    const eq = compareModels(latest.defn, defn!);
    if (eq.equal) return;
    if (eq.modelSpecDiffers) {
      this.addNextVersion(model, owned(defn!, handover));
      return;
    }
    if (eq.deploymentSpecDiffers) latest.defn.deploymentSpec = structuredClone(defn!.deploymentSpec);
    if (eq.metaDiffers && latest.defn.meta) latest.defn.meta.kubernetesMeta = structuredClone(defn!.meta?.kubernetesMeta ?? null);
  }

  /** UnloadModel: mark deleted; the scheduler then unloads every version. */
  removeModel(req: PbUnloadModelRequest): void {
    const name = req.model?.name ?? "";
    const model = this.models.get(name);
    if (!model) throw new StoreError(`Model ${name} not found`);
    const latest = model.latest()!;
    if (req.kubernetesMeta && latest.defn.meta) latest.defn.meta.kubernetesMeta = structuredClone(req.kubernetesMeta);
    model.deleted = true;
    this.refreshStatus(model, latest);
  }

  serverNotify(req: PbServerNotify): void {
    let server = this.servers.get(req.name);
    if (!server) {
      server = new Server(req.name, req.shared);
      this.servers.set(req.name, server);
    }
    server.expectedReplicas = req.expectedReplicas;
    this.servers.touch(server);
    server.minReplicas = req.minReplicas;
    server.maxReplicas = req.maxReplicas;
    server.kubernetesMeta = req.kubernetesMeta ?? null;
  }

  addServerReplica(req: PbAgentSubscribeRequest): void {
    let server = this.servers.get(req.serverName);
    if (!server) {
      server = new Server(req.serverName, req.shared);
      this.servers.set(req.serverName, server);
    }
    server.shared = req.shared;
    this.servers.touch(server);
    const cfg = req.replicaConfig;
    const loaded = new Set(req.loadedModels.map((m) => versionKey(m.model?.meta?.name ?? "", m.version)));
    server.replicas.set(req.replicaIdx, {
      serverName: server.name,
      idx: req.replicaIdx,
      inferenceSvc: cfg?.inferenceSvc ?? "",
      inferenceHttpPort: cfg?.inferenceHttpPort ?? 0,
      inferenceGrpcPort: cfg?.inferenceGrpcPort ?? 0,
      capabilities: (cfg?.capabilities ?? []).map((c) => goTrimSpace(c)),
      memory: BigInt(cfg?.memoryBytes ?? 0),
      availableMemory: BigInt(req.availableMemoryBytes),
      reservedMemory: 0n,
      overCommitPercentage: cfg?.overCommitPercentage ?? 0,
      loaded,
      loading: new Set(),
      draining: false,
      revision: 0,
      loadedChanges: 0,
      lastLoadedChange: null,
    });
    for (const mvReq of req.loadedModels) {
      const name = mvReq.model?.meta?.name ?? "";
      let model = this.models.get(name);
      if (!model) {
        model = new Model(name);
        this.models.set(name, model);
      }
      let mv = model.version(mvReq.version);
      if (!mv) {
        mv = new ModelVersion(structuredClone(mvReq.model!), mvReq.version);
        model.versions.push(mv);
        model.versions.sort((a, b) => a.version - b.version);
      }
      this.setReplicaState(mv, req.replicaIdx, "Loaded", "", "agentReportsLoaded");
      mv.server = req.serverName;
      // Seldon derives it as for the latest version of a model not being deleted, whichever it is
      const lastAvailable = model.lastAvailable();
      mv.status = deriveModelStatus({
        replicas: mv.replicas.values(),
        deleted: false,
        isLatest: true,
        desiredReplicas: mv.desiredReplicas(),
        minReplicas: mv.minReplicas(),
        replacingAvailableVersion: lastAvailable !== undefined && lastAvailable !== mv,
      });
      this.publishModel(mv, "memory.status.model.update");
    }
    this.events.push({ type: "server", name: req.serverName, idx: req.replicaIdx, context: "replicaConnected" });
  }

  /** The agent's stream ended. Returns the models to reschedule. */
  removeServerReplica(serverName: string, idx: number): string[] {
    const server = this.servers.get(serverName);
    if (!server) throw new StoreError(`Failed to find server ${serverName}`);
    const replica = server.replicas.get(idx);
    if (!replica) throw new StoreError(`Failed to find replica ${idx} for server ${serverName}`);
    server.replicas.delete(idx);
    this.servers.touch(server);
    if (server.replicas.size === 0) this.servers.delete(serverName);
    const toReschedule: string[] = [];
    for (const key of [...replica.loaded, ...replica.loading]) {
      const { name, version } = splitKey(key);
      const model = this.models.get(name);
      const mv = model?.version(version);
      if (!model || !mv) continue;
      mv.replicas.delete(idx);
      if (model.deleted || model.latest() !== mv) {
        this.setReplicaState(mv, idx, "Unloaded", "model is removed when server replica was removed", "replicaRemoved");
        this.refreshStatus(model, mv);
        this.publishModel(mv, "memory.status.model.update");
      } else {
        toReschedule.push(name);
      }
    }
    return toReschedule;
  }

  drainServerReplica(serverName: string, idx: number): string[] {
    const server = this.servers.get(serverName);
    if (!server) throw new StoreError(`Failed to find server ${serverName}`);
    const replica = server.replicas.get(idx);
    if (!replica) throw new StoreError(`Failed to find replica ${idx} for server ${serverName}`);
    replica.draining = true;
    changed(this.servers, server, replica);
    const names: string[] = [];
    for (const key of replica.loaded) {
      const { name, version } = splitKey(key);
      const mv = this.models.get(name)?.version(version);
      if (!mv) continue;
      this.setReplicaState(mv, idx, "Draining", "trigger to drain", "drain");
      names.push(name);
    }
    return names;
  }

  /**
   * Point a version at `serverName` and exactly `replicaIdxs` of it: new replicas are asked to load,
   * replicas no longer chosen are asked to unload (after routing stops). A different server than
   * the version's current one means a new version.
   */
  updateLoadedModels(name: string, version: number, serverName: string, replicaIdxs: number[]): void {
    const model = this.models.get(name);
    if (!model) throw new StoreError(`failed to find model ${name}`);
    let mv = model.latest()!;
    if (version !== mv.version) {
      throw new StoreError(`Model version mismatch for ${name} got ${version} but latest version is now ${mv.version}`);
    }
    if (serverName === "") {
      this.publishModel(mv, "memory.status.model.update");
      return;
    }
    const server = this.servers.get(serverName);
    if (!server) throw new StoreError(`failed to find server ${serverName}`);
    for (const idx of replicaIdxs) {
      if (!server.replicas.has(idx)) {
        throw new StoreError(`failed to reserve replica ${idx} as it does not exist on server ${serverName}`);
      }
    }
    while (mv.server !== "" && mv.server !== serverName) {
      mv = this.addNextVersion(model, structuredClone(model.latest()!.defn));
    }
    const chosen = new Set(replicaIdxs);
    let updated = false;
    for (const idx of chosen) {
      if (!ALREADY_LOADING_OR_LOADED.has(mv.replicaState(idx))) {
        this.setReplicaState(mv, idx, "LoadRequested", "", "schedule");
        this.reserve(serverName, idx, mv.requiredMemory(), "LoadRequested");
        updated = true;
      }
    }
    for (const [idx, r] of mv.replicas) {
      if (!chosen.has(idx) && !UNLOADING_OR_UNLOADED.has(r.state) && r.state !== "Draining") {
        this.setReplicaState(mv, idx, "UnloadEnvoyRequested", "", "deschedule");
        updated = true;
      }
    }
    const st = mv.status.state;
    if (
      updated || st === "ScheduleFailed" || model.deleted || st === "ModelProgressing" ||
      (st === "ModelAvailable" && mv.assignment().length < mv.desiredReplicas())
    ) {
      mv.server = serverName;
      this.refreshStatus(model, mv);
      this.publishModel(mv, "memory.status.model.update");
    }
  }

  /** Ask every replica of a version to unload. Returns whether anything changed. */
  unloadVersionModels(name: string, version: number): boolean {
    const model = this.models.get(name);
    if (!model) throw new StoreError(`failed to find model ${name}`);
    const mv = model.version(version);
    if (!mv) throw new StoreError(`version not found for model ${name}, version ${version}`);
    let updated = false;
    for (const [idx, r] of mv.replicas) {
      if (!UNLOADING_OR_UNLOADED.has(r.state)) {
        this.setReplicaState(mv, idx, "UnloadRequested", "", "unloadVersion");
        updated = true;
      }
    }
    if (updated) {
      // Seldon passes isLatest=false here even for the latest version of a deleted model.
      const lastAvailable = model.lastAvailable();
      mv.status = deriveModelStatus({
        replicas: mv.replicas.values(),
        deleted: model.deleted,
        isLatest: false,
        desiredReplicas: mv.desiredReplicas(),
        minReplicas: mv.minReplicas(),
        replacingAvailableVersion: lastAvailable !== undefined && lastAvailable !== mv,
      });
      this.publishModel(mv, "memory.status.model.update");
    }
    return updated;
  }

  /**
   * Move one replica of one version from `expected` to `desired`, as agent events and the routing
   * update do. A replica not in `expected` is an error (the caller answers INTERNAL).
   */
  updateModelState(args: {
    name: string;
    version: number;
    serverName: string;
    idx: number;
    availableMemory: bigint | null;
    expected: ReplicaState;
    desired: ReplicaState;
    reason: string;
    cause: ReplicaCause;
    /** Stored on the version if it has none yet (never overwritten), before the state check. */
    runtimeInfo?: RuntimeInfo | null;
    /** How `runtimeInfo` is handed over (see `Handover`); copied unless told. */
    runtimeInfoHandover?: Handover;
  }): void {
    const { name, version, serverName, idx, expected, desired } = args;
    const model = this.models.get(name);
    if (!model) throw new StoreError(`failed to find model ${name}`);
    const mv = model.version(version);
    if (!mv) throw new StoreError(`Version not found for model ${name}, version ${version}`);
    const server = this.servers.get(serverName);
    if (!server) throw new StoreError(`failed to find server ${serverName}`);
    if (args.runtimeInfo && mv.defn.modelSpec && !mv.defn.modelSpec.modelRuntimeInfo) {
      mv.defn.modelSpec.modelRuntimeInfo = owned(args.runtimeInfo, args.runtimeInfoHandover ?? "copy");
    }
    const existing = mv.replicaState(idx);
    if (existing !== expected) {
      throw new StoreError(
        `State mismatch for ${name}:${version} expected state ${expected} but was ${existing} when trying to move to state ${desired}`,
      );
    }
    const bytes = mv.requiredMemory();
    const replica = server.replicas.get(idx);
    if (replica) reserveOn(this.servers, server, replica, bytes, desired);
    if (existing === desired) return;
    this.setReplicaState(mv, idx, desired, args.reason, args.cause);
    let removed = false;
    if (replica) {
      changed(this.servers, server, replica);
      const loading = desired === "Loading";
      const loaded = desired === "Loaded";
      const unloaded = desired === "Unloaded" || desired === "LoadFailed";
      // only a move into or out of the replica's lists names the version or logs
      if (loading || loaded || unloaded) {
        const key = versionKey(name, version);
        const fields = { source: "MemoryStore", func: "updateModelStateImpl" };
        if (loading || loaded) {
          this.logs.push({ level: "info", msg: `Adding model ${name}(${version}) to server ${serverName} replica ${idx} list of loaded / loading models`, fields });
        } else {
          this.logs.push({ level: "info", msg: `Removing model ${name}(${version}) from server ${serverName} replica ${idx} list of loaded / loading models`, fields });
        }
        if (loading) replica.loading.add(key);
        else if (loaded) {
          replica.loading.delete(key);
          changeLoaded(replica, name, key, true);
        } else {
          replica.loading.delete(key);
          changeLoaded(replica, name, key, false);
          removed = true;
        }
      }
      if (args.availableMemory !== null) replica.availableMemory = args.availableMemory;
    }
    this.refreshStatus(model, mv);
    this.publishModel(mv, "memory.status.model.update");
    if (removed) this.events.push({ type: "server", name: serverName, context: "scaleDown" });
  }

  /** A placement failed: the version is ScheduleFailed; `clearServer` forgets its server. */
  failedScheduling(mv: ModelVersion, reason: string, clearServer: boolean): void {
    const available = mv.assignment().length;
    mv.status = {
      state: "ScheduleFailed",
      reason,
      availableReplicas: available,
      unavailableReplicas: (mv.desiredReplicas() - available) >>> 0,
      drainingReplicas: 0,
      at: this.clock(),
    };
    if (clearServer) mv.server = "";
    this.publishModel(mv, "memory.status.scheduling.failed");
  }

  private reserve(serverName: string, idx: number, bytes: bigint, state: ReplicaState): void {
    const server = this.servers.get(serverName);
    const replica: ServerReplica | undefined = server?.replicas.get(idx);
    if (server && replica) reserveOn(this.servers, server, replica, bytes, state);
  }
}

/**
 * How a caller hands a value to the store: "adopt" when it built the value for the call and
 * keeps no hold on it, so the store may keep it as it is; "copy" otherwise.
 */
export type Handover = "copy" | "adopt";

/** A value handed over, as the store may keep it. */
function owned<T>(value: T, handover: Handover): T {
  return handover === "adopt" ? value : structuredClone(value);
}

/** Memory held for loads in flight on `replica`, as a move of one version to `state` changes it. */
function reserveOn(servers: ServerTable, server: Server, replica: ServerReplica, bytes: bigint, state: ReplicaState): void {
  if (state === "LoadRequested") {
    changed(servers, server, replica);
    replica.reservedMemory = (replica.reservedMemory + bytes) & 0xffff_ffff_ffff_ffffn;
  } else if (state === "LoadFailed" || state === "Loaded") {
    changed(servers, server, replica);
    replica.reservedMemory = bytes > replica.reservedMemory ? 0n : replica.reservedMemory - bytes;
  }
  // A move to any other state leaves the replica as a snapshot reads it (a move that changes
  // the replica's lists says so itself): its snapshot stays valid, notably through the routing
  // batch's repeated Available -> Available moves.
}

/** `replica` of `server` is about to change what a placement snapshot reads of it. */
function changed(servers: ServerTable, server: Server, replica: ServerReplica): void {
  replica.revision++;
  servers.touch(server);
}

/**
 * Adds `key` (a version of model `name`) to the replica's loaded set or deletes it, counted for
 * the snapshots' journal and the replica's count of loaded models.
 */
function changeLoaded(replica: ServerReplica, name: string, key: string, added: boolean): void {
  noteLoadedChange(replica, name, key, added);
  if (added) replica.loaded.add(key);
  else replica.loaded.delete(key);
  replica.loadedChanges++;
  replica.lastLoadedChange = { added, key };
}

/** proto-loader's synthetic oneof for `optional ModelRuntimeInfo modelRuntimeInfo`. */
const RUNTIME_INFO_MARKER = "_modelRuntimeInfo";

function splitKey(key: string): { name: string; version: number } {
  const i = key.lastIndexOf(":");
  return { name: key.slice(0, i), version: Number(key.slice(i + 1)) };
}

/**
 * Which parts of two model definitions differ. Runtime info is ignored, as Seldon does; on a
 * decoded message that includes proto-loader's marker naming the optional field as set.
 */
export function compareModels(a: PbModel, b: PbModel): { equal: boolean; metaDiffers: boolean; modelSpecDiffers: boolean; deploymentSpecDiffers: boolean } {
  const strip = (m: PbModel): PbModel => {
    const c = structuredClone(m);
    if (c.modelSpec) {
      c.modelSpec.modelRuntimeInfo = null;
      delete (c.modelSpec as Record<string, unknown>)[RUNTIME_INFO_MARKER];
    }
    return c;
  };
  const x = strip(a);
  const y = strip(b);
  const meta = canonicalJson(x.meta) !== canonicalJson(y.meta);
  const spec = canonicalJson(x.modelSpec) !== canonicalJson(y.modelSpec);
  const dep = canonicalJson(x.deploymentSpec) !== canonicalJson(y.deploymentSpec);
  const rest = canonicalJson(x.streamSpec) !== canonicalJson(y.streamSpec);
  return { equal: !meta && !spec && !dep && !rest, metaDiffers: meta, modelSpecDiffers: spec, deploymentSpecDiffers: dep };
}
