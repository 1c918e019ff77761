/**
 * The scheduler's records of models, versions, servers and server replicas. Plain data with the
 * small queries Seldon's store answers about them; the operations that change them live in
 * `store.ts`.
 */
import {
  ALREADY_LOADING_OR_LOADED,
  ASSIGNED,
  CAN_RECEIVE_TRAFFIC,
  INACTIVE,
  LOADING_OR_LOADED,
  type ModelStatus,
  type ReplicaState,
  type ReplicaStatus,
} from "./states.ts";
import type { PbModel } from "../proto/messages.ts";
import type { LoadedChange } from "./loaded-journal.ts";

export class ModelVersion {
  /** The server the version is placed on; "" when none. */
  server = "";
  readonly replicas = new Map<number, ReplicaStatus>();
  status: ModelStatus = {
    state: "ModelStateUnknown", reason: "", availableReplicas: 0, unavailableReplicas: 0, drainingReplicas: 0, at: 0,
  };

  constructor(
    public defn: PbModel,
    readonly version: number,
  ) {}

  get name(): string {
    return this.defn.meta?.name ?? "";
  }
  get key(): string {
    return `${this.name}:${this.version}`;
  }
  replicaState(idx: number): ReplicaState {
    return this.replicas.get(idx)?.state ?? "ModelReplicaStateUnknown";
  }
  desiredReplicas(): number {
    return this.defn.deploymentSpec?.replicas ?? 0;
  }
  minReplicas(): number {
    return this.defn.deploymentSpec?.minReplicas ?? 0;
  }
  /** Memory per replica: the declared memory times the runtime's instance count. */
  requiredMemory(): bigint {
    const spec = this.defn.modelSpec;
    const declared = spec?.memoryBytes ?? 0;
    const info = spec?.modelRuntimeInfo;
    const count = info?.mlserver ? info.mlserver.parallelWorkers ?? 0 : info?.triton ? info.triton.cpu?.[0]?.instanceCount ?? 0 : 1;
    // Asked on every replica move; the definition's two inputs rarely change, parsing is not free.
    const last = this.#lastRequiredMemory;
    if (last && last.declared === declared && last.count === count) return last.bytes;
    const bytes = (BigInt(declared) * BigInt(count)) & 0xffff_ffff_ffff_ffffn;
    if (typeof declared !== "object") this.#lastRequiredMemory = { declared, count, bytes };
    return bytes;
  }
  /** A private field: not part of the record as comparisons and copies see it. */
  #lastRequiredMemory: { declared: unknown; count: unknown; bytes: bigint } | null = null;
  /**
   * `definitionForMessage(defn)`, copied again only once the store has changed one of the parts
   * it changes in place (or replaced the definition): every status message of the version
   * carries the definition, and nearly every event leaves it as it was. Messages never change
   * what they carry, so they may share a copy.
   */
  definitionForMessage(): PbModel {
    const defn = this.defn;
    const last = this.#messageDefn;
    if (
      last !== null && last.defn === defn && last.deploymentSpec === defn.deploymentSpec &&
      last.meta === defn.meta && last.kubernetesMeta === defn.meta?.kubernetesMeta &&
      last.modelSpec === defn.modelSpec && last.runtimeInfo === defn.modelSpec?.modelRuntimeInfo
    ) {
      return last.copy;
    }
    const copy = definitionForMessage(defn);
    this.#messageDefn = {
      defn, deploymentSpec: defn.deploymentSpec, meta: defn.meta, kubernetesMeta: defn.meta?.kubernetesMeta,
      modelSpec: defn.modelSpec, runtimeInfo: defn.modelSpec?.modelRuntimeInfo, copy,
    };
    return copy;
  }
  /** The last copy made for a message, with what it was made from. */
  #messageDefn: {
    defn: PbModel;
    deploymentSpec: unknown;
    meta: unknown;
    kubernetesMeta: unknown;
    modelSpec: unknown;
    runtimeInfo: unknown;
    copy: PbModel;
  } | null = null;
  requirements(): string[] {
    return this.defn.modelSpec?.requirements ?? [];
  }
  /** `null` when the model does not name a server (any shared server will do). */
  requestedServer(): string | null {
    const spec = this.defn.modelSpec;
    return spec && typeof spec.server === "string" ? spec.server : null;
  }
  isExplainer(): boolean {
    return !!this.defn.modelSpec?.explainer;
  }
  // Plain loops: these run several times per status event on every version.
  replicasIn(states: ReadonlySet<ReplicaState>): number[] {
    const out: number[] = [];
    for (const [i, r] of this.replicas) if (states.has(r.state)) out.push(i);
    return out;
  }
  replicasInState(state: ReplicaState): number[] {
    const out: number[] = [];
    for (const [i, r] of this.replicas) if (r.state === state) out.push(i);
    return out;
  }
  hasReplicaInState(state: ReplicaState): boolean {
    for (const r of this.replicas.values()) if (r.state === state) return true;
    return false;
  }
  hasLiveReplicas(): boolean {
    for (const r of this.replicas.values()) if (CAN_RECEIVE_TRAFFIC.has(r.state)) return true;
    return false;
  }
  isLoadingOrLoadedOnServer(): boolean {
    for (const r of this.replicas.values()) if (ALREADY_LOADING_OR_LOADED.has(r.state)) return true;
    return false;
  }
  isLoadingOrLoaded(server: string, idx: number): boolean {
    return server === this.server && LOADING_OR_LOADED.has(this.replicaState(idx));
  }
  inactive(): boolean {
    for (const r of this.replicas.values()) if (!INACTIVE.has(r.state)) return false;
    return true;
  }
  /** Replicas envoy routes to; draining ones only when nothing else is left. */
  assignment(): number[] {
    const assigned = this.replicasIn(ASSIGNED);
    if (assigned.length > 0) return assigned;
    return this.replicasInState("Draining");
  }
}

export class Model {
  readonly versions: ModelVersion[] = [];
  deleted = false;
  constructor(readonly name: string) {}

  latest(): ModelVersion | undefined {
    return this.versions[this.versions.length - 1];
  }
  version(v: number): ModelVersion | undefined {
    // a plain loop: asked on every replica move, where `find` makes a closure each time
    for (const mv of this.versions) if (mv.version === v) return mv;
    return undefined;
  }
  lastAvailable(): ModelVersion | undefined {
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const mv = this.versions[i];
      if (mv && mv.status.state === "ModelAvailable") return mv;
    }
    return undefined;
  }
  versionsBeforeLastAvailable(): ModelVersion[] {
    const last = this.lastAvailable();
    return last ? this.versions.slice(0, this.versions.indexOf(last)) : [];
  }
  canReceiveTraffic(): boolean {
    return this.lastAvailable() !== undefined || (this.latest()?.hasLiveReplicas() ?? false);
  }
  inactive(): boolean {
    return this.latest()?.inactive() ?? true;
  }
}

export interface ServerReplica {
  serverName: string;
  idx: number;
  inferenceSvc: string;
  inferenceHttpPort: number;
  inferenceGrpcPort: number;
  capabilities: string[];
  memory: bigint;
  availableMemory: bigint;
  reservedMemory: bigint;
  overCommitPercentage: number;
  /** `name:version` of versions loaded, and of versions loading. */
  loaded: Set<string>;
  loading: Set<string>;
  draining: boolean;
  /**
   * Bumped by the store (with its server's `revision`) on every change to what a placement
   * snapshot reads of this replica, so that an unchanged replica's snapshot is reused.
   */
  revision: number;
  /** Bumped by the store on every change to `loaded`, so that an unchanged set is not walked. */
  loadedChanges: number;
  /** The store's last change to `loaded` (the journal takes a single change without a walk). */
  lastLoadedChange: LoadedChange | null;
}

export class Server {
  readonly replicas = new Map<number, ServerReplica>();
  /** -1 until the controller says how many replicas to expect; 0 when the server is being deleted. */
  expectedReplicas = -1;
  minReplicas = 0;
  maxReplicas = 0;
  kubernetesMeta: { namespace: string; generation: number } | null = null;
  /**
   * Bumped on every change to what a placement snapshot reads of this server or its replicas,
   * so that the snapshot of an unchanged server can be reused; only by the store's
   * `ServerTable#touch`, which also records the change for the placement's list of servers.
   */
  revision = 0;
  constructor(
    readonly name: string,
    public shared: boolean,
  ) {}
}

/**
 * A copy of a stored definition to put in a message, which the trace may keep. The store changes
 * a definition in place at three points only (`deploymentSpec` and `meta.kubernetesMeta` are
 * replaced, `modelSpec.modelRuntimeInfo` is set once) and never changes what those hold, so
 * copying the definition, `meta` and `modelSpec` keeps the message as it was sent, as a deep
 * copy would, at a fraction of its cost.
 */
export function definitionForMessage(defn: PbModel): PbModel {
  const copy: PbModel = { ...defn };
  if (defn.meta) copy.meta = { ...defn.meta };
  if (defn.modelSpec) copy.modelSpec = { ...defn.modelSpec };
  return copy;
}

export const versionKey = (name: string, version: number): string => `${name}:${version}`;

export function parseVersionKey(key: string): { name: string; version: number } {
  const i = key.lastIndexOf(":");
  return { name: key.slice(0, i), version: Number(key.slice(i + 1)) };
}
