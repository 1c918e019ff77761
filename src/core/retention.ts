/**
 * Bounded retention for long-running processes: a log or trace that keeps only its newest
 * entries. Trimming happens in batches (once the array holds half as much again as it may keep),
 * so keeping the bound costs O(1) amortised per entry and readers still see a plain array.
 */
export interface Retention {
  /** Log records to keep (newest); Infinity keeps all. */
  logs: number;
  /** Trace events to keep (newest); Infinity keeps all. */
  trace: number;
  /** Placement decisions with their explanations a scheduler keeps; Infinity keeps all. */
  decisions: number;
}

export const KEEP_EVERYTHING: Retention = { logs: Infinity, trace: Infinity, decisions: Infinity };

/** What a long-running `serve` keeps of each by default: enough to look back, bounded whatever the load. */
export const SERVE_RETAIN = 10_000;

/** Drop the oldest entries of `list` once it is well over `max`; returns how many were dropped. */
export function trimOldest<T>(list: T[], max: number): number {
  if (!Number.isFinite(max) || list.length <= max + Math.max(1, Math.floor(max / 2))) return 0;
  const drop = list.length - max;
  list.splice(0, drop);
  return drop;
}
