/**
 * Server filter verdicts, as bit masks (bit j set: the chain's filter j accepts the server),
 * and a cache that keeps them from one decision to the next.
 *
 * A server filter's verdict depends only on the server snapshot and on the filter's model key
 * (`ServerFilter.modelKey`). Snapshots never change, so a verdict stays exact for as long as
 * the same snapshot object sits at the same place in the server list; the scheduler hands out a
 * new snapshot object whenever its store changes a server (src/scheduler/placement.ts). A
 * decision evaluates filters only on the servers that changed since the last model with the
 * same key. To find them it compares every place of the list with the snapshot it last judged
 * there, or, when the list's keeper notes the places it replaced (as the scheduler does), only
 * those places.
 */
import type { ChangesSince } from "../core/change-ring.ts";
import type { ServerFilter } from "./plugins.ts";
import type { ModelSnapshot, ServerSnapshot } from "./types.ts";

/** Chains longer than this are evaluated without masks (the masks are 32-bit integers). */
export const MAX_MASKED_FILTERS = 31;

/** The mask of a server every filter of a chain of `count` filters accepts. */
export function allPass(count: number): number {
  return count === 0 ? 0 : (2 ** count - 1) >>> 0;
}

/** Every filter's verdict on one server, none skipped. */
export function serverMask(model: ModelSnapshot, server: ServerSnapshot, filters: readonly ServerFilter[]): number {
  let mask = 0;
  for (let j = 0; j < filters.length; j++) if (filters[j]!.filter(model, server)) mask |= 1 << j;
  return mask >>> 0;
}

/** Every filter's verdict on every server, computed afresh. */
export function serverMasks(model: ModelSnapshot, servers: readonly ServerSnapshot[], filters: readonly ServerFilter[]): Uint32Array {
  const masks = new Uint32Array(servers.length);
  for (let i = 0; i < servers.length; i++) masks[i] = serverMask(model, servers[i]!, filters);
  return masks;
}

/** The verdicts of one model key: the snapshot each mask was computed on, by position. */
interface VerdictRow {
  servers: ServerSnapshot[];
  masks: Uint32Array;
  /** Positions every filter accepts, while no mask has changed; null once one has. */
  accepted: number[] | null;
  /** The count of the list's replaced positions `servers` was last compared at; -1 if none. */
  synced: number;
}

/**
 * Server filter verdicts of recent model keys, for one filter chain at a time. Bounded: it
 * keeps the `capacity` keys used last, and starts over when asked about another chain.
 */
export class ServerVerdictCache {
  private filters: readonly ServerFilter[] = [];
  private readonly rows = new Map<string, VerdictRow>();
  /** The model keys of the most recently used row (the last entry of `rows`), and the row. */
  private lastKeys: readonly string[] = [];
  private lastRow: VerdictRow | null = null;

  constructor(private readonly capacity = 64) {
    if (!(capacity >= 1)) throw new RangeError(`ServerVerdictCache capacity must be at least 1, got ${capacity}`);
  }

  /** How many model keys are kept now. */
  get size(): number {
    return this.rows.size;
  }

  /**
   * Every filter's verdict on every server of `servers`, by position; null when some filter
   * has no model key (or the chain is too long for a mask). The array is the cache's own and
   * holds these verdicts until the next call: copy it to keep it.
   */
  masks(model: ModelSnapshot, servers: readonly ServerSnapshot[], filters: readonly ServerFilter[]): Uint32Array | null {
    return this.rowOf(model, servers, filters, undefined)?.masks ?? null;
  }

  /**
   * Positions of the servers every filter accepts, in list order; null when some filter has
   * no model key. The array is shared with later calls until a verdict changes: do not modify it.
   * `replaced`, when given, notes every position of `servers` whose snapshot object was
   * replaced, by whoever keeps the list (always the same list for one cache): a row then
   * compares only those, where it otherwise compares every position.
   */
  accepted(
    model: ModelSnapshot,
    servers: readonly ServerSnapshot[],
    filters: readonly ServerFilter[],
    replaced?: ChangesSince<number>,
  ): readonly number[] | null {
    const row = this.rowOf(model, servers, filters, replaced);
    if (row === null) return null;
    if (row.accepted === null) {
      const all = allPass(filters.length);
      const masks = row.masks;
      const accepted: number[] = [];
      for (let i = 0; i < masks.length; i++) if (masks[i] === all) accepted.push(i);
      row.accepted = accepted;
    }
    return row.accepted;
  }

  private rowOf(
    model: ModelSnapshot,
    servers: readonly ServerSnapshot[],
    filters: readonly ServerFilter[],
    replaced: ChangesSince<number> | undefined,
  ): VerdictRow | null {
    const keys = this.keysOf(model, filters);
    if (keys === null) return null;
    let row: VerdictRow | undefined;
    // Most decisions ask for the keys of the one before, whose row is already the most recent.
    if (this.lastRow !== null && sameItems(keys, this.lastKeys)) row = this.lastRow;
    else {
      const key = JSON.stringify(keys);
      row = this.rows.get(key);
      if (row === undefined) {
        row = { servers: [], masks: new Uint32Array(servers.length), accepted: null, synced: -1 };
        if (this.rows.size >= this.capacity) this.rows.delete(this.rows.keys().next().value!);
      } else {
        this.rows.delete(key);
      }
      // Most recently used last, so that the first key is the one to evict.
      this.rows.set(key, row);
      this.lastKeys = keys;
      this.lastRow = row;
    }
    const n = servers.length;
    if (row.masks.length !== n) {
      const masks = new Uint32Array(n);
      masks.set(n < row.masks.length ? row.masks.subarray(0, n) : row.masks);
      row.masks = masks;
      row.accepted = null;
    }
    const seen = row.servers;
    if (seen.length > n) seen.length = n;
    // A row compared at a count the list's notes still cover looks at what was replaced since;
    // positions past what it has seen are among those (a new position is a replaced one).
    if (replaced !== undefined && row.synced >= 0 && seen.length === n && replaced.covers(row.synced)) {
      for (let t = row.synced; t < replaced.count; t++) {
        const i = replaced.at(t);
        if (i < n) this.refresh(row, i, model, servers[i]!, filters);
      }
    } else {
      for (let i = 0; i < n; i++) this.refresh(row, i, model, servers[i]!, filters);
    }
    row.synced = replaced === undefined ? -1 : replaced.count;
    return row;
  }

  private refresh(row: VerdictRow, i: number, model: ModelSnapshot, server: ServerSnapshot, filters: readonly ServerFilter[]): void {
    const seen = row.servers;
    if (seen[i] === server) return;
    const mask = serverMask(model, server, filters);
    // A new snapshot of a server usually keeps its verdicts (a load changed its memory).
    if (mask !== row.masks[i] || i >= seen.length) row.accepted = null;
    row.masks[i] = mask;
    seen[i] = server;
  }

  /** Each filter's model key, or null when the chain cannot be cached. */
  private keysOf(model: ModelSnapshot, filters: readonly ServerFilter[]): string[] | null {
    if (filters.length > MAX_MASKED_FILTERS) return null;
    if (!sameItems(filters, this.filters)) {
      this.rows.clear();
      this.lastKeys = [];
      this.lastRow = null;
      this.filters = [...filters];
    }
    const keys: string[] = [];
    for (const f of filters) {
      if (f.modelKey === undefined) return null;
      keys.push(f.modelKey(model));
    }
    return keys;
  }
}

/** The same items in the same order, compared by identity (filters) or value (model keys). */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
