/**
 * The engine's timed events; ties break by insertion order, which keeps runs deterministic.
 *
 * Events are kept in one FIFO bucket per distinct time, and the times in a min-heap. In a run
 * most events share a time (everything sent in one step arrives one latency later), so a push
 * or a pop is usually an array append or an index step, and the heap holds only the times.
 */
import { Fifo } from "../core/fifo.ts";

export interface Timed {
  at: number;
  seq: number;
  run: () => void;
  cancelled?: boolean;
}

/**
 * An entry that is its own event, its `run` a method: a delivery, a timer or a deadline is then
 * one object in the queue instead of a closure wrapped in an entry.
 */
export abstract class QueueEntry implements Timed {
  seq = 0;
  cancelled = false;
  constructor(readonly at: number) {}
  abstract run(): void;
}

const isLive = (t: Timed): boolean => !t.cancelled;

/** Below this many entries the queue never compacts. */
const COMPACT_FLOOR = 1_024;

export class EventQueue {
  /** The events due at each time, in insertion order. */
  private readonly buckets = new Map<number, Fifo<Timed>>();
  /** Min-heap of the times that have a bucket. */
  private times: number[] = [];
  private seq = 0;
  private count = 0;
  /** Size at which cancelled entries are swept out: a timer re-armed on every event leaves its
   * old entries behind until they come due, so a busy long-running process would otherwise hold
   * load × horizon of them. Doubling keeps the sweep O(1) amortised per push. */
  private compactAt = COMPACT_FLOOR;
  /**
   * The bucket pushed to last and the bucket popped from last, with their times: pushes come in
   * runs at one time (everything a step sends is due one latency later) and pops drain one time
   * after another, so most of them find their bucket here without a map lookup. A bucket leaves
   * both when it leaves `buckets`.
   */
  private pushAt = NaN;
  private pushBucket: Fifo<Timed> | undefined = undefined;
  private popAt = NaN;
  private popBucket: Fifo<Timed> | undefined = undefined;

  /** Entries held, cancelled ones included until they are swept or come due. */
  get size(): number {
    return this.count;
  }

  push(at: number, run: () => void): Timed {
    return this.schedule({ at, seq: 0, run });
  }

  /**
   * Queues an entry the caller built, due at its `at`, and gives it its place in the order: a
   * transport's delivery can then be its own queue entry (with `run` a method) instead of a
   * closure wrapped in an entry.
   */
  schedule<T extends Timed>(ev: T): T {
    if (this.count >= this.compactAt) this.compact();
    ev.seq = this.seq++;
    const at = ev.at;
    let bucket = at === this.pushAt ? this.pushBucket : this.buckets.get(at);
    if (bucket === undefined) {
      bucket = new Fifo();
      this.buckets.set(at, bucket);
      heapPush(this.times, at);
    }
    this.pushAt = at;
    this.pushBucket = bucket;
    bucket.push(ev);
    this.count++;
    return ev;
  }

  /** Drop cancelled entries; the order of the others is unchanged. */
  private compact(): void {
    this.forgetBuckets();
    const times: number[] = [];
    this.count = 0;
    for (const [at, bucket] of this.buckets) {
      const live = bucket.retain(isLive);
      if (live === 0) {
        this.buckets.delete(at);
        continue;
      }
      times.push(at);
      this.count += live;
    }
    // a sorted array is a valid heap
    this.times = times.sort((a, b) => a - b);
    this.compactAt = Math.max(COMPACT_FLOOR, 2 * this.count);
  }

  /** The first live event, cancelled ones before it dropped. */
  peek(): Timed | undefined {
    for (;;) {
      const bucket = this.firstBucket();
      if (bucket === undefined) return undefined;
      const top = bucket.peek()!;
      if (!top.cancelled) return top;
      this.take(bucket);
    }
  }

  /** Takes the first live event due at or before `until`; cancelled ones before it are dropped.
   * `peek` then `pop` in one walk, for the engine's run loop. */
  popDue(until: number): Timed | undefined {
    for (;;) {
      const bucket = this.firstBucket();
      if (bucket === undefined) return undefined;
      const top = bucket.peek()!;
      if (top.cancelled) {
        this.take(bucket);
        continue;
      }
      return top.at > until ? undefined : this.take(bucket);
    }
  }

  pop(): Timed | undefined {
    const bucket = this.firstBucket();
    return bucket === undefined ? undefined : this.take(bucket);
  }

  /** The earliest time's bucket, emptied buckets before it removed. */
  private firstBucket(): Fifo<Timed> | undefined {
    for (;;) {
      const at = this.times[0];
      if (at === undefined) return undefined;
      const bucket = at === this.popAt ? this.popBucket! : this.buckets.get(at)!;
      if (bucket.length > 0) {
        this.popAt = at;
        this.popBucket = bucket;
        return bucket;
      }
      this.buckets.delete(at);
      if (at === this.pushAt || at === this.popAt) this.forgetBuckets();
      heapPop(this.times);
    }
  }

  private forgetBuckets(): void {
    this.pushAt = this.popAt = NaN;
    this.pushBucket = this.popBucket = undefined;
  }

  private take(bucket: Fifo<Timed>): Timed {
    this.count--;
    return bucket.shift()!;
  }
}

function heapPush(h: number[], x: number): void {
  let i = h.length;
  h.push(x);
  while (i > 0) {
    const p = (i - 1) >> 1;
    const y = h[p]!;
    if (y <= x) break;
    h[i] = y;
    i = p;
  }
  h[i] = x;
}

function heapPop(h: number[]): void {
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r]! < h[l]! ? r : l;
    if (h[c]! >= last) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
}
