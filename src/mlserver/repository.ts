/**
 * The fake MLServer's model registry: which models are registered, and whether each is ready.
 *
 * It follows MLServer's registry: a model is registered (not ready) when its load starts, becomes
 * ready when the load finishes, and is dropped again when a first load fails. A reload of a ready
 * model keeps the old copy serving, and if the reload fails the old copy stays ready. Unload
 * drops the model at once; a load still in flight then finishes without registering it again.
 */

/** Model states in `RepositoryIndex`, spelled as MLServer spells them. MLServer reports a
 * registered model that is not ready yet (loading) as UNKNOWN; LOADING and UNLOADING exist in its
 * enum but are never reported. */
export const ModelState = {
  UNKNOWN: "UNKNOWN",
  READY: "READY",
  UNAVAILABLE: "UNAVAILABLE",
  LOADING: "LOADING",
  UNLOADING: "UNLOADING",
} as const;
export type ModelState = (typeof ModelState)[keyof typeof ModelState];

export interface ModelEntry {
  readonly name: string;
  readonly version: string;
  ready: boolean;
  /** Loads started and not yet finished. */
  loadsInFlight: number;
}

export interface ModelInfo {
  name: string;
  version: string;
  state: ModelState;
  reason: string;
}

/** A load in progress; `finishLoad` takes it back. */
export interface LoadTicket {
  readonly entry: ModelEntry;
  /** Whether the model was ready when this load started (a reload). */
  readonly reload: boolean;
}

export type LoadResult = "ready" | "kept" | "dropped" | "orphaned";

export class ModelRepository {
  private readonly entries = new Map<string, ModelEntry>();

  startLoad(name: string, version: string): LoadTicket {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { name, version, ready: false, loadsInFlight: 0 };
      this.entries.set(name, entry);
    }
    entry.loadsInFlight++;
    return { entry, reload: entry.ready };
  }

  /**
   * Ends a load. `ready`: the model now serves. `kept`: the load failed but a ready copy stays.
   * `dropped`: the load failed and the model left the registry. `orphaned`: the model was
   * unloaded while this load ran, so nothing changes.
   */
  finishLoad(ticket: LoadTicket, ok: boolean): LoadResult {
    const entry = ticket.entry;
    entry.loadsInFlight = Math.max(0, entry.loadsInFlight - 1);
    if (this.entries.get(entry.name) !== entry) return "orphaned";
    if (ok) {
      entry.ready = true;
      return "ready";
    }
    if (entry.ready) return "kept";
    if (entry.loadsInFlight > 0) return "kept";
    this.entries.delete(entry.name);
    return "dropped";
  }

  /** Removes a model; false if it was not registered. */
  unload(name: string): boolean {
    return this.entries.delete(name);
  }

  get(name: string): Readonly<ModelEntry> | undefined {
    return this.entries.get(name);
  }

  stateOf(name: string): ModelState | undefined {
    const e = this.entries.get(name);
    return e ? stateOf(e) : undefined;
  }

  /** Every registered model, by name. */
  list(): ModelInfo[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => ({ name: e.name, version: e.version, state: stateOf(e), reason: "" }));
  }

  allReady(): boolean {
    for (const e of this.entries.values()) if (!e.ready) return false;
    return true;
  }
}

function stateOf(e: ModelEntry): ModelState {
  return e.ready ? ModelState.READY : ModelState.UNKNOWN;
}
