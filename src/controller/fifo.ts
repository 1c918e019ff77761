/**
 * A work queue's keys in order. Applying thousands of Models at once queues thousands of keys,
 * and `Array.prototype.shift` on that many moves them all for every key taken; here the front
 * advances instead, and the taken part is dropped once it is most of the array.
 */
export class KeyFifo {
  private items: string[] = [];
  private head = 0;

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head === this.items.length) return undefined;
    const key = this.items[this.head++]!;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  get length(): number {
    return this.items.length - this.head;
  }
}
