/**
 * The last changes made to something, for readers that keep a copy of it and catch up later:
 * each change is noted with a running count, and a reader that remembers the count it caught
 * up at reads the changes since, or learns that they are no longer all kept (it then copies the
 * whole thing again). Bounded: the last `capacity` changes are kept, whatever the readers do.
 */
export class ChangeRing<T> {
  /** Changes noted so far. */
  count = 0;
  private readonly items: T[] = [];

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`ChangeRing capacity must be a positive integer, got ${capacity}`);
  }

  note(item: T): void {
    this.items[this.count % this.capacity] = item;
    this.count++;
  }

  /** Whether every change since the count was `since` is still kept (none since is kept too). */
  covers(since: number): boolean {
    return Number.isInteger(since) && since >= 0 && since <= this.count && this.count - since <= this.capacity;
  }

  /** The change noted when the count was `t`; only for `t` from a `since` that `covers`, up to `count`. */
  at(t: number): T {
    return this.items[t % this.capacity]!;
  }
}

/** What a reader of a `ChangeRing` sees of it. */
export type ChangesSince<T> = Pick<ChangeRing<T>, "count" | "covers" | "at">;
