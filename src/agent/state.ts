/**
 * The agent's bookkeeping, synchronous and free of I/O:
 * - `ModelState`: the model versions assigned to this replica (including those evicted from the
 *   inference server) and the sum of their memory;
 * - `LruCache`: the versions actually loaded on the inference server, oldest use first;
 * - `MemoryLedger`: free main memory and what the agent reports to the scheduler, with Go's
 *   uint64/int64 integers and float32 over-commit arithmetic.
 * Error texts are the ones the real agent's errors carry, since they end up in `message` fields.
 */
import { readInt64AsNumber } from "../proto/int64.ts";
import { VERSIONED_MODEL_SEPARATOR } from "./constants.ts";
import { atoi, f32, toUint32 } from "../core/goparse.ts";
import { cloneMessage, type ModelMsg, type ModelRuntimeInfoMsg, type ModelSpecMsg, type ModelVersionMsg } from "./messages.ts";

export function versionedModelName(model: string, version: number): string {
  return `${model}${VERSIONED_MODEL_SEPARATOR}${version}`;
}

/** Splits `<model>_<version>` at the last separator; undefined when the suffix is not a number. */
export function originalModelNameAndVersion(versioned: string): { name: string; version: number } | undefined {
  const i = versioned.lastIndexOf(VERSIONED_MODEL_SEPARATOR);
  const v = atoi(versioned.slice(i + 1));
  if (v === undefined) return undefined;
  return { name: i === -1 ? "" : versioned.slice(0, i), version: toUint32(v) };
}

/** How many copies of the model the server runs: MLServer parallel workers, Triton CPU instances. */
export function instanceCount(info: ModelRuntimeInfoMsg | null | undefined): number {
  if (info?.mlserver) return info.mlserver.parallelWorkers ?? 0;
  if (info?.triton) return info.triton.cpu?.[0]?.instanceCount ?? 1;
  return 1;
}

/**
 * `mv` renamed to `id` with `version`, carrying `runtimeInfo` when given (the request the agent's
 * state manager works with). Only what changes is new — the message, its model, the model's meta
 * and, with runtime info, its spec; everything below is shared with `mv`. That is safe because
 * nothing in the agent writes into a model version after this: the state manager and ModelState
 * read names, versions and memory, and what leaves the agent is a full copy
 * (`ModelState.versionsForAllModels`). A delivered message belongs to its receiver: the runtimes
 * decode a fresh one for every delivery. `runtimeInfo` is taken as it is: the caller hands over
 * an object nobody else holds.
 */
export function modifiedModelVersion(
  id: string,
  version: number,
  mv: ModelVersionMsg,
  runtimeInfo: ModelRuntimeInfoMsg | undefined,
): ModelVersionMsg {
  // Object.assign into a fresh object, then the changed fields set: what the spreads
  // `{ ...x, key: value }` build (the same keys in the same order), several times cheaper in V8,
  // which defines an overriding key of a spread on a slow path, and slower still when the key is
  // new (a decoded spec has no `modelRuntimeInfo` key: the field is optional).
  const original = mv.model ?? {};
  const meta = Object.assign({}, original.meta ?? {});
  meta.name = id;
  const model: ModelMsg = Object.assign({}, original);
  model.meta = meta;
  if (runtimeInfo) {
    const spec: ModelSpecMsg = Object.assign({}, original.modelSpec ?? {});
    spec.modelRuntimeInfo = runtimeInfo;
    model.modelSpec = spec;
  }
  const out: ModelVersionMsg = Object.assign({}, mv);
  out.model = model;
  out.version = version;
  return out;
}

interface Registered {
  versionInfo: ModelVersionMsg;
  memoryBytes: number;
}

export class ModelState {
  private readonly models = new Map<string, Registered>();
  private total = 0;

  private static key(mv: ModelVersionMsg): { id: string; version: number } {
    return { id: mv.model?.meta?.name ?? "", version: mv.version ?? 0 };
  }

  /** True when newly added; an error text when another version of the same id is registered. */
  add(mv: ModelVersionMsg): boolean | string {
    const { id, version } = ModelState.key(mv);
    const existing = this.models.get(id);
    if (existing === undefined) {
      const spec = mv.model?.modelSpec;
      const memoryBytes = readInt64AsNumber(spec?.memoryBytes) * instanceCount(spec?.modelRuntimeInfo);
      this.models.set(id, { versionInfo: mv, memoryBytes });
      this.total += memoryBytes;
      return true;
    }
    if ((existing.versionInfo.version ?? 0) === version) return false;
    return `Version number mismatch for model ${id} (${version} vs ${existing.versionInfo.version ?? 0})`;
  }

  /** Removes the version; an error text when a different version is registered under the id. */
  remove(mv: ModelVersionMsg): string | undefined {
    const { id, version } = ModelState.key(mv);
    const existing = this.models.get(id);
    if (existing === undefined) return undefined;
    if ((existing.versionInfo.version ?? 0) !== version) {
      return `Version number mismatch for model ${id} (${version} vs ${existing.versionInfo.version ?? 0})`;
    }
    this.total -= existing.memoryBytes;
    this.models.delete(id);
    return undefined;
  }

  memoryOf(id: string): number | undefined {
    return this.models.get(id)?.memoryBytes;
  }

  versionExists(id: string, version: number): boolean {
    const e = this.models.get(id);
    return e !== undefined && (e.versionInfo.version ?? 0) === version;
  }

  /** Includes evicted versions, as the real agent does. */
  get totalMemoryBytes(): number {
    return this.total;
  }

  ids(): string[] {
    return [...this.models.keys()].sort();
  }

  /**
   * What the agent reports as `loadedModels`: each version under its original name and version,
   * with its runtime info. Sorted by versioned name (Go iterates a map here, in random order).
   */
  versionsForAllModels(): ModelVersionMsg[] {
    return this.ids().map((id) => {
      const mv = this.models.get(id)!.versionInfo;
      const orig = originalModelNameAndVersion(id) ?? { name: "", version: 0 };
      // A deep copy (runtime info included): the Subscribe request leaves the agent, the registered version stays.
      return cloneMessage(modifiedModelVersion(orig.name, orig.version, mv, mv.model?.modelSpec?.modelRuntimeInfo ?? undefined));
    });
  }
}

/** Priority of a cache entry: when it was last used, ties broken by order of use. */
export interface LruPriority {
  at: number;
  seq: number;
}

/** Whether `a` is evicted before `b`. */
function evictedBefore(a: LruPriority, b: LruPriority): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Entries are kept in eviction order (the map's insertion order), so the next victim is the first
 * entry. A use appends with a priority no earlier than any other, which keeps the order; an entry
 * added with an earlier priority (a victim put back, explicit priorities in tests) marks the order
 * stale, and the next read re-sorts once. Equal priorities go in the order they were added.
 */
export class LruCache {
  private items = new Map<string, LruPriority>();
  private seq = 0;
  /** No entry is evicted after this priority (the last one appended; may outlive its entry). */
  private latest: LruPriority | undefined;
  private ordered = true;

  addDefault(id: string, now: number): string | undefined {
    return this.add(id, { at: now, seq: ++this.seq });
  }

  add(id: string, priority: LruPriority): string | undefined {
    if (id === "") return "cannot use empty string";
    if (this.items.has(id)) return `item already exists in cache ${id}`;
    this.append(id, priority);
    return undefined;
  }

  updateDefault(id: string, now: number): string | undefined {
    if (!this.items.delete(id)) return `could not find item ${id}`;
    this.append(id, { at: now, seq: ++this.seq });
    return undefined;
  }

  delete(id: string): string | undefined {
    if (!this.items.delete(id)) return `could not find item ${id}`;
    return undefined;
  }

  exists(id: string): boolean {
    return this.items.has(id);
  }

  /** The least recently used entry, or the Go error text when the cache is empty. */
  peek(): { id: string; priority: LruPriority } | string {
    this.sort();
    for (const [id, priority] of this.items) return { id, priority };
    return "empty cache, cannot evict";
  }

  /** Oldest first. */
  ids(): string[] {
    this.sort();
    return [...this.items.keys()];
  }

  private append(id: string, priority: LruPriority): void {
    if (this.latest !== undefined && evictedBefore(priority, this.latest)) this.ordered = false;
    else this.latest = priority;
    this.items.set(id, priority);
  }

  private sort(): void {
    if (this.ordered) return;
    // Array sort is stable: equal priorities keep the order they were added in.
    const entries = [...this.items].sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq);
    this.items = new Map(entries);
    this.latest = entries.length > 0 ? entries[entries.length - 1]![1] : undefined;
    this.ordered = true;
  }
}

export class MemoryLedger {
  /** Signed, like the real agent's int64 (its comment allows for races taking it below zero). */
  private availableMain: number;
  /** The whole bytes of the over-commit allowance: fixed with the two settings, asked for per load. */
  private readonly overCommitMax: number;

  constructor(
    readonly totalMainMemoryBytes: number,
    readonly overCommitPercentage: number,
  ) {
    this.availableMain = totalMainMemoryBytes;
    this.overCommitMax = Math.trunc(this.overCommitMemoryBytes);
  }

  /** Free main memory, clamped at 0. */
  get availableMainMemoryBytes(): number {
    return this.availableMain < 0 ? 0 : this.availableMain;
  }

  /** float32(overCommit%)/100 × float32(total), in float32 as Go computes it. */
  get overCommitMemoryBytes(): number {
    return f32(f32(f32(this.overCommitPercentage) / 100) * f32(this.totalMainMemoryBytes));
  }

  /**
   * What goes into `availableMemoryBytes`: while the registered models fit in main memory, the free
   * main memory plus the over-commit allowance; beyond that, whatever is left of the allowance.
   */
  availableWithOverCommit(registeredBytes: number): number {
    const overCommitMax = this.overCommitMax;
    if (registeredBytes > this.totalMainMemoryBytes) {
      const used = registeredBytes - this.totalMainMemoryBytes;
      return used > overCommitMax ? 0 : overCommitMax - used;
    }
    return this.availableMain + overCommitMax;
  }

  /** Take memory for a model about to be loaded; the Go error text if it would go below zero. */
  reserve(bytes: number): string | undefined {
    if (this.availableMain - bytes < 0) return `Memory will go below zero ${this.availableMain}`;
    this.availableMain -= bytes;
    return undefined;
  }

  release(bytes: number): void {
    this.availableMain += bytes;
  }
}
