/**
 * The server and replica sorters applied as Seldon applies them (each with Go's stable sort,
 * one after the other), on lists of positions into the snapshot's lists so that a decision and
 * its explanation can keep the outcome as small integers.
 */
import { goStableSort } from "./gosort.ts";
import type { CandidateReplica, CandidateServer, ReplicaSorter, ServerSorter } from "./plugins.ts";
import type { ModelSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "./types.ts";

/**
 * Whether Go's stable sort would leave the list as it is: no element is less than the one
 * before it (see `goStableSortUnlessOrdered`, which holds for every sorter Seldon ships). The
 * check reuses one pair of candidates instead of building one per element: sorters are
 * comparators and keep nothing they are given.
 */
function serversInOrder(
  model: ModelSnapshot,
  servers: readonly ServerSnapshot[],
  positions: readonly number[],
  sorter: ServerSorter,
): boolean {
  if (sorter.firstArgumentOnly !== undefined) {
    const less = sorter.firstArgumentOnly(model);
    for (let i = 1; i < positions.length; i++) if (less(servers[positions[i]!]!)) return false;
    return true;
  }
  const a: { model: ModelSnapshot; server: ServerSnapshot } = { model, server: servers[positions[0]!]! };
  const b: { model: ModelSnapshot; server: ServerSnapshot } = { model, server: a.server };
  for (let i = 1; i < positions.length; i++) {
    b.server = a.server;
    a.server = servers[positions[i]!]!;
    if (sorter.isLess(a, b)) return false;
  }
  return true;
}

/**
 * `serversInOrder` for a sorter that puts one named server first (`firstNamed`), from where
 * each server sits: the list is in order unless that server is in it after the first place.
 * `positions` are ascending (the accepted servers in snapshot order), so a binary search finds it.
 */
function namedServerInOrder(name: string, positions: readonly number[], serverPositions: ReadonlyMap<string, number>): boolean {
  const at = serverPositions.get(name);
  if (at === undefined) return true;
  let lo = 1;
  let hi = positions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = positions[mid]!;
    if (p === at) return false;
    if (p < at) lo = mid + 1;
    else hi = mid - 1;
  }
  return true;
}

interface PositionedServer extends CandidateServer {
  readonly pos: number;
}

/**
 * Positions into `servers` sorted by the sorters: `positions` itself when no sorter moves
 * anything (the common case, which then allocates nothing), otherwise a sorted copy.
 * `positions` are ascending. `serverPositions`, when given, is where each server of `servers`
 * sits, by name (names unique), exactly as `servers` has them.
 */
export function sortedServerPositions(
  model: ModelSnapshot,
  servers: readonly ServerSnapshot[],
  positions: readonly number[],
  sorters: readonly ServerSorter[],
  serverPositions?: ReadonlyMap<string, number>,
): readonly number[] {
  if (sorters.length === 0 || positions.length < 2) return positions;
  let candidates: PositionedServer[] | null = null;
  for (const sorter of sorters) {
    if (candidates === null) {
      const ordered = sorter.firstNamed !== undefined && serverPositions !== undefined
        ? namedServerInOrder(sorter.firstNamed(model), positions, serverPositions)
        : serversInOrder(model, servers, positions, sorter);
      if (ordered) continue;
      // One candidate object per server for the rest of the sort, as Seldon's comparator gets.
      candidates = positions.map((pos) => ({ model, server: servers[pos]!, pos }));
    }
    if (!inOrder(candidates, (x, y) => sorter.isLess(x, y))) goStableSort(candidates, (x, y) => sorter.isLess(x, y));
  }
  return candidates === null ? positions : candidates.map((c) => c.pos);
}

function replicasInOrder(
  model: ModelSnapshot,
  server: ServerSnapshot,
  positions: readonly number[],
  sorter: ReplicaSorter,
): boolean {
  const replicas = server.replicas;
  const a: { model: ModelSnapshot; server: ServerSnapshot; replica: ServerReplicaSnapshot } = {
    model,
    server,
    replica: replicas[positions[0]!]!,
  };
  const b: { model: ModelSnapshot; server: ServerSnapshot; replica: ServerReplicaSnapshot } = { model, server, replica: a.replica };
  for (let i = 1; i < positions.length; i++) {
    b.replica = a.replica;
    a.replica = replicas[positions[i]!]!;
    if (sorter.isLess(a, b)) return false;
  }
  return true;
}

/**
 * Sorts positions into `server.replicas` by the sorters, in place. Go's stable sort moves
 * elements only by the comparator's answers, so sorting positions with a comparator that
 * looks their replicas up gives the order sorting the replicas themselves would.
 */
export function sortReplicaPositions(
  model: ModelSnapshot,
  server: ServerSnapshot,
  positions: number[],
  sorters: readonly ReplicaSorter[],
): void {
  if (sorters.length === 0 || positions.length < 2) return;
  const replicas = server.replicas;
  // One candidate object per replica for the whole sort, as Seldon's comparator gets; only
  // built for a sorter without a key that finds the list out of order.
  let candidates: CandidateReplica[] | null = null;
  for (const sorter of sorters) {
    if (sorter.key !== undefined) {
      // `isLess` restated on keys, worked out once per replica: the same answers.
      const keys: number[] = [];
      for (let p = 0; p < replicas.length; p++) keys.push(sorter.key(model, server, replicas[p]!));
      if (!inOrder(positions, (x, y) => keys[x]! < keys[y]!)) goStableSort(positions, (x, y) => keys[x]! < keys[y]!);
      continue;
    }
    if (replicasInOrder(model, server, positions, sorter)) continue;
    const cands = (candidates ??= replicas.map((replica) => ({ model, server, replica })));
    goStableSort(positions, (x, y) => sorter.isLess(cands[x]!, cands[y]!));
  }
}

function inOrder<T>(items: readonly T[], less: (x: T, y: T) => boolean): boolean {
  for (let i = 1; i < items.length; i++) if (less(items[i]!, items[i - 1]!)) return false;
  return true;
}
