/**
 * Answers kept for keys asked again: the engine and the components work out the same few values
 * over and over (a target's host and port, a method's service, a quantity's bytes, a parsed
 * config). Keys can come from outside peers or users, so what is kept is bounded: past `limit`
 * entries the oldest answer goes. Only for pure answers: a key's answer must never change.
 */
export class BoundedMemo<K, V> {
  private readonly kept = new Map<K, V>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a memo keeps at least one answer, not ${limit}`);
  }

  get size(): number {
    return this.kept.size;
  }

  /** The kept answer for `key`; undefined when none is kept (answers are never undefined). */
  get(key: K): V | undefined {
    return this.kept.get(key);
  }

  set(key: K, value: V): void {
    if (this.kept.size >= this.limit && !this.kept.has(key)) this.kept.delete(this.kept.keys().next().value as K);
    this.kept.set(key, value);
  }

  /** The kept answer for `key`, or `make`'s, kept (nothing is kept when `make` throws). */
  remember(key: K, make: (key: K) => V): V {
    let value = this.kept.get(key);
    if (value === undefined) {
      value = make(key);
      this.set(key, value);
    }
    return value;
  }

  clear(): void {
    this.kept.clear();
  }
}
