/**
 * How many distinct models each replica has loaded (a model may have more than one version
 * loaded), kept up to date as the store changes a replica's loaded set.
 *
 * Every server status batch reports the count for every replica of every server with news, and
 * a busy replica's set changes between most batches: counting the names again from the set
 * each time walked every loaded version of every such replica.
 */
import type { ServerReplica } from "./model.ts";

interface Count {
  /** The replica's `loadedChanges` the count is up to date with. */
  changes: number;
  /** Loaded versions in all, which must be the size of the replica's set. */
  total: number;
  /** Loaded versions per model name. */
  readonly versions: Map<string, number>;
}

const counts = new WeakMap<ServerReplica, Count>();

/** The model name of a `name:version` key. */
const modelOf = (key: string): string => key.slice(0, key.lastIndexOf(":"));

/** Whether the count still describes the replica's set (nothing changed it behind the store). */
function current(count: Count, r: ServerReplica): boolean {
  return count.changes === r.loadedChanges && count.total === r.loaded.size;
}

/**
 * The store is about to add `key` (a version of model `name`) to the replica's loaded set or
 * delete it, and to count that as one change (`loadedChanges`). A count not up to date is left
 * to be made afresh when asked. The caller names the model: it holds the stored name, which
 * a map finds faster than one cut from the key.
 */
export function noteLoadedChange(r: ServerReplica, name: string, key: string, added: boolean): void {
  const count = counts.get(r);
  if (count === undefined || !current(count, r)) return;
  count.changes++;
  // adding a key the set holds, or deleting one it does not, leaves it as it is
  if (r.loaded.has(key) === added) return;
  count.total += added ? 1 : -1;
  const n = (count.versions.get(name) ?? 0) + (added ? 1 : -1);
  if (n === 0) count.versions.delete(name);
  else count.versions.set(name, n);
}

/** The distinct models the replica has loaded. */
export function distinctLoadedModels(r: ServerReplica): number {
  let count = counts.get(r);
  if (count === undefined || !current(count, r)) {
    count = { changes: r.loadedChanges, total: r.loaded.size, versions: new Map() };
    for (const key of r.loaded) {
      const name = modelOf(key);
      count.versions.set(name, (count.versions.get(name) ?? 0) + 1);
    }
    counts.set(r, count);
  }
  return count.versions.size;
}

