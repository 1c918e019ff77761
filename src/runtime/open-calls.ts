/**
 * The open client calls in the order they were opened, as a list threaded through the calls
 * themselves. A rollout opens and closes a hundred thousand calls; a `Set` of them hashed every
 * call on the way in and out and regrew its table as it churned, where two links per call do.
 */

/** What the list needs of a call: its neighbours, set only while it is in the list. */
export interface Linked<T> {
  olderOpen: T | null;
  newerOpen: T | null;
}

export class OpenCalls<T extends Linked<T>> {
  private oldest: T | null = null;
  private newest: T | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(call: T): boolean {
    return call.olderOpen !== null || this.oldest === call;
  }

  /** Adds a call not in the list as the newest. */
  add(call: T): void {
    if (this.has(call)) return;
    call.olderOpen = this.newest;
    call.newerOpen = null;
    if (this.newest !== null) this.newest.newerOpen = call;
    else this.oldest = call;
    this.newest = call;
    this.count++;
  }

  /** Takes a call out; one not in the list is left alone. */
  delete(call: T): void {
    if (!this.has(call)) return;
    const older = call.olderOpen;
    const newer = call.newerOpen;
    if (older !== null) older.newerOpen = newer;
    else this.oldest = newer;
    if (newer !== null) newer.olderOpen = older;
    else this.newest = older;
    call.olderOpen = call.newerOpen = null;
    this.count--;
  }

  /** The calls, oldest first, as an array of their own (the list may change while it is walked). */
  toArray(): T[] {
    const out: T[] = [];
    for (let c = this.oldest; c !== null; c = c.newerOpen) out.push(c);
    return out;
  }
}
