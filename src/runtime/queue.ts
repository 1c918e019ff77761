/** A min-heap of timed events; ties break by insertion order, which keeps runs deterministic. */
export interface Timed {
  at: number;
  seq: number;
  run: () => void;
  cancelled?: boolean;
}

/** Below this many entries the queue never compacts. */
const COMPACT_FLOOR = 1_024;

export class EventQueue {
  private heap: Timed[] = [];
  private seq = 0;
  /** Size at which cancelled entries are swept out: a timer re-armed on every event leaves its
   * old entries behind until they come due, so a busy long-running process would otherwise hold
   * load × horizon of them. Doubling keeps the sweep O(1) amortised per push. */
  private compactAt = COMPACT_FLOOR;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: () => void): Timed {
    if (this.heap.length >= this.compactAt) this.compact();
    const ev: Timed = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
    return ev;
  }

  /** Drop cancelled entries; a sorted array is a valid heap, and the order is unchanged. */
  private compact(): void {
    this.heap = this.heap.filter((t) => !t.cancelled).sort((a, b) => (less(a, b) ? -1 : 1));
    this.compactAt = Math.max(COMPACT_FLOOR, 2 * this.heap.length);
  }

  peek(): Timed | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  pop(): Timed | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
