/**
 * A first-in first-out list. `shift` advances a front index instead of moving every entry along
 * as `Array.prototype.shift` does (thousands of entries queued at once made that quadratic); a
 * taken slot is let go at once, and the taken part of the array is dropped once it is most of it.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first entry, left in place. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= DROP_TAKEN_FROM && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the entries `keep` accepts, in their order; returns how many are left. */
  retain(keep: (item: T) => boolean): number {
    const live: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (keep(item)) live.push(item);
    }
    this.items = live;
    this.head = 0;
    return live.length;
  }
}

/** Below this many taken entries the array is never copied. */
const DROP_TAKEN_FROM = 1_024;
