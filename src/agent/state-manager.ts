/**
 * Loading and unloading one model version on the inference server with memory accounting and
 * least-recently-used eviction, as v2.9.0's `LocalStateManager` does it:
 *
 * load:   already registered → nothing to do. Otherwise register it (its memory counts against the
 *         over-commit allowance at once), evict least-recently-used versions from the inference
 *         server until the free main memory covers it (evicted versions stay registered), take the
 *         memory, RepositoryModelLoad, and put it in the LRU cache. When the cache runs empty
 *         before enough memory is free, the load fails with "empty cache, cannot evict".
 * unload: not registered → nothing to do. If it is on the inference server, RepositoryModelUnload
 *         (NOT_FOUND is fine) and give its memory back; then deregister it.
 *
 * Callers hold the per-version lock; eviction takes the evicted version's lock too.
 */
import { goRpcError, Status } from "../core/protocol.ts";
import type { Kernel, Task } from "./kernel.ts";
import { lock } from "./kernel.ts";
import type { ModelVersionMsg } from "./messages.ts";
import type { OipClient } from "./oip.ts";
import { LruCache, MemoryLedger, ModelState } from "./state.ts";

/** Fields of the real state manager's logger. */
const SM = { Source: "StateManager" } as const;

export class LocalStateManager {
  readonly models = new ModelState();
  readonly cache = new LruCache();
  readonly memory: MemoryLedger;

  constructor(
    private readonly k: Kernel,
    private readonly oip: OipClient,
    totalMainMemoryBytes: number,
    overCommitPercentage: number,
  ) {
    this.memory = new MemoryLedger(totalMainMemoryBytes, overCommitPercentage);
  }

  get availableMemoryBytesWithOverCommit(): number {
    return this.memory.availableWithOverCommit(this.models.totalMemoryBytes);
  }

  private observeMemory(reason: string, model: string): void {
    this.k.observe({
      type: "agent.memory",
      reason,
      model,
      availableMainMemoryBytes: this.memory.availableMainMemoryBytes,
      availableMemoryBytes: this.availableMemoryBytesWithOverCommit,
      registeredMemoryBytes: this.models.totalMemoryBytes,
    });
  }

  /** Undefined on success, else the error text (what the scheduler gets as `message`). */
  *loadModelVersion(mv: ModelVersionMsg): Task<string | undefined> {
    const id = mv.model?.meta?.name ?? "";
    const version = mv.version ?? 0;
    if (this.k.logs("debug")) this.k.log("debug", `Loading model ${id}`, SM);

    // `add` finds a registered version itself: false is the same version already there.
    const added = this.models.add(mv);
    if (added === false) {
      this.k.log("info", `Model version already exists for ${id}:${version}`, SM);
      return undefined;
    }
    if (typeof added === "string") return added;
    const bytes = this.models.memoryOf(id) ?? 0;
    this.observeMemory("registered", id);

    const room = this.makeRoomIfNeeded(id, bytes);
    const roomErr = room === undefined ? undefined : yield* room;
    if (roomErr !== undefined) {
      this.deregister(mv, id);
      return roomErr;
    }
    const memErr = this.memory.reserve(bytes);
    if (memErr !== undefined) {
      this.deregister(mv, id);
      return memErr;
    }
    this.observeMemory("reserved", id);

    const loadErr = yield* this.oip.loadModel(id);
    if (loadErr !== undefined) {
      this.deregister(mv, id);
      this.memory.release(bytes);
      this.observeMemory("released", id);
      return goRpcError(loadErr);
    }

    const cacheErr = this.cache.addDefault(id, this.k.now);
    if (cacheErr !== undefined) {
      this.k.log("info", `Cannot load model ${id}, aborting`, { ...SM, error: cacheErr });
      const unloadErr = yield* this.oip.unloadModel(id);
      if (unloadErr !== undefined) this.k.log("warning", `Model unload failed ${id}`, { ...SM, error: goRpcError(unloadErr) });
      this.memory.release(bytes);
      this.deregister(mv, id);
      return cacheErr;
    }
    this.k.observe({ type: "agent.modelLoaded", model: id, memoryBytes: bytes, availableMainMemoryBytes: this.memory.availableMainMemoryBytes });
    if (this.k.logs("debug")) this.k.log("debug", `Load model ${id} success, available memory is ${this.memory.availableMainMemoryBytes}`, SM);
    return undefined;
  }

  /** Takes back the registration of a load that failed. */
  private deregister(mv: ModelVersionMsg, id: string): void {
    const err = this.models.remove(mv);
    if (err !== undefined) this.k.log("warning", `Model removing failed ${id}`, { ...SM, error: err });
    this.observeMemory("deregistered", id);
  }

  /** Undefined on success, else the error text. */
  *unloadModelVersion(mv: ModelVersionMsg): Task<string | undefined> {
    const id = mv.model?.meta?.name ?? "";
    const version = mv.version ?? 0;
    if (this.k.logs("debug")) this.k.log("debug", `Unloading model ${id}, version ${version}`, SM);

    if (!this.models.versionExists(id, version)) {
      this.k.log("warning", `Model ${id} version ${version} does not exist locally`, SM);
      return undefined;
    }
    if (this.cache.exists(id)) {
      const status = yield* this.oip.unloadModel(id);
      if (status !== undefined) {
        if (status.code === Status.NOT_FOUND) {
          this.k.log("warning", `Model is not found on server ${id}`, SM);
        } else {
          const err = goRpcError(status);
          this.k.log("error", `Cannot unload model ${id} from server`, { ...SM, error: err });
          return err;
        }
      }
      const delErr = this.cache.delete(id);
      if (delErr !== undefined) {
        this.k.log("error", `Delete model ${id} from cache failed`, { ...SM, error: delErr });
        return delErr;
      }
      let bytes = this.models.memoryOf(id);
      if (bytes === undefined) {
        this.k.log("error", `Failed to get memory details for model ${id}`, { ...SM, error: `No details for model ${id}` });
        bytes = 0;
      }
      this.memory.release(bytes);
      this.k.log("info", `Removed model from cache ${id}`, SM);
    }
    const rmErr = this.models.remove(mv);
    if (rmErr !== undefined) {
      this.k.log("error", `Model removing failed for ${id}`, { ...SM, error: rmErr });
      return rmErr;
    }
    this.k.observe({ type: "agent.modelUnloaded", model: id, availableMainMemoryBytes: this.memory.availableMainMemoryBytes });
    this.observeMemory("unloaded", id);
    if (this.k.logs("debug")) this.k.log("debug", `Unload model ${id} success, available memory is ${this.memory.availableMainMemoryBytes}`, SM);
    return undefined;
  }

  /**
   * EnsureLoadModel, for an inference through a reverse proxy: a version on the inference server
   * moves to the back of the eviction order; a registered version that was evicted is loaded
   * again (making room as a load does). Undefined on success, else the error text.
   */
  *ensureLoadModel(id: string): Task<string | undefined> {
    if (this.k.logs("debug")) this.k.log("debug", `Ensure that model ${id} is loaded in memory`, SM);
    // Seldon takes the version's lock for a reload and its read lock otherwise; the read side
    // holds it for no I/O, so one exclusive lock orders the same.
    yield* lock(id);
    try {
      if (this.cache.exists(id)) {
        const err = this.cache.updateDefault(id, this.k.now);
        if (err !== undefined) {
          this.k.log("error", `Model ${id} has been unloaded by a concurrent request`, { ...SM, error: err });
          return err;
        }
        if (this.k.logs("debug")) this.k.log("debug", `Model exists in cache ${id}`, SM);
        return undefined;
      }
      if (this.k.logs("debug")) this.k.log("debug", `Making room for ${id}`, SM);
      const bytes = this.models.memoryOf(id);
      if (bytes === undefined) {
        const err = `No details for model ${id}`;
        this.k.log("error", `Error getting memory for model ${id}, model unloaded?`, { ...SM, error: err });
        return err;
      }
      const room = this.makeRoomIfNeeded(id, bytes);
      const roomErr = room === undefined ? undefined : yield* room;
      if (roomErr !== undefined) {
        this.k.log("error", `No room ${roomErr} - ${id}`, SM);
        return roomErr;
      }
      const memErr = this.memory.reserve(bytes);
      if (memErr !== undefined) {
        this.k.log("error", `Cannot update memory for model ${id}`, { ...SM, error: memErr });
        return memErr;
      }
      const loadErr = yield* this.oip.loadModel(id);
      if (loadErr !== undefined) {
        const err = goRpcError(loadErr);
        this.k.log("error", `Cannot reload ${id}`, { ...SM, error: err });
        this.memory.release(bytes);
        return err;
      }
      const cacheErr = this.cache.addDefault(id, this.k.now);
      if (cacheErr !== undefined) {
        this.k.log("warning", `Cannot re-add to cache ${id}`, { ...SM, error: cacheErr });
        this.memory.release(bytes);
      }
      this.k.observe({ type: "agent.modelReloaded", model: id, memoryBytes: bytes, availableMainMemoryBytes: this.memory.availableMainMemoryBytes });
      this.observeMemory("reloaded", id);
      this.k.log("info", `Reload model ${id} success, available memory is ${this.memory.availableMainMemoryBytes}`, SM);
      return undefined;
    } finally {
      this.k.unlock(id);
    }
  }

  /**
   * Evict least-recently-used versions until `bytes` of main memory are free: the debug line, then
   * the eviction's task, only when there is something to evict (most loads fit, and make none).
   */
  private makeRoomIfNeeded(id: string, bytes: number): Task<string | undefined> | undefined {
    if (this.k.logs("debug")) this.k.log("debug", `model: ${id}, avail: ${this.memory.availableMainMemoryBytes}, required ${bytes}`, SM);
    return this.memory.availableMainMemoryBytes < bytes ? this.evictUntilRoom(id, bytes) : undefined;
  }

  private *evictUntilRoom(id: string, bytes: number): Task<string | undefined> {
    while (this.memory.availableMainMemoryBytes < bytes) {
      const top = this.cache.peek();
      if (typeof top === "string") {
        this.k.log("error", `Cannot peek cache for model ${id}`, { ...SM, error: top });
        return top;
      }
      const victim = top.id;
      yield* lock(victim);
      const delErr = this.cache.delete(victim);
      if (delErr !== undefined) {
        // Someone else unloaded or evicted it while we waited for its lock.
        this.k.unlock(victim);
        if (this.memory.availableMainMemoryBytes >= bytes) {
          this.k.log("warning", `Model ${id} has room now`, { ...SM, error: delErr });
          return undefined;
        }
        continue;
      }
      const victimBytes = this.models.memoryOf(victim);
      if (victimBytes === undefined) {
        this.k.log("warning", `Could not get memory details for model ${victim} (for reload model ${id})`, {
          ...SM,
          error: `No details for model ${victim}`,
        });
        this.k.unlock(victim);
        continue;
      }
      const status = yield* this.oip.unloadModel(victim);
      if (status !== undefined) {
        if (status.code !== Status.NOT_FOUND) {
          const err = goRpcError(status);
          this.k.log("error", `Cannot unload model ${victim} (for reload model ${id})`, { ...SM, error: err });
          this.k.unlock(victim);
          const addErr = this.cache.add(victim, top.priority);
          if (addErr !== undefined) this.k.log("warning", addErr, SM);
          return err;
        }
        this.k.log("warning", `Server does not have model ${victim}`, SM);
      }
      this.memory.release(victimBytes);
      this.k.unlock(victim);
      this.k.observe({
        type: "agent.modelEvicted",
        model: victim,
        forModel: id,
        memoryBytes: victimBytes,
        availableMainMemoryBytes: this.memory.availableMainMemoryBytes,
      });
      this.observeMemory("evicted", victim);
      this.k.log(
        "info",
        `model ${victim} ${victimBytes} evicted (for model ${id} ${bytes}), available memory bytes: ${this.memory.availableMainMemoryBytes}`,
        SM,
      );
    }
    return undefined;
  }
}
