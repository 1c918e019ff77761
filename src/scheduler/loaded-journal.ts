/**
 * What a replica had loaded at each snapshot, kept as one journal of changes per replica
 * instead of a copy of the whole list per snapshot.
 *
 * `run` keeps every decision's snapshot, and a busy replica's list of loaded models grows with
 * every placement on it: copying it into each snapshot made the kept history grow with
 * replicas × models² (11 million list entries for 10,000 models on 1,000 replicas). A snapshot
 * now holds a position in its replica's journal, and its list is replayed from the journal
 * the first time it is read: the same names in the same order as the store's set held then.
 */

/** One change to the loaded set, in the order the replayed set must see it. */
type Op = typeof ADD | typeof DELETE | typeof CLEAR;
const ADD = 0;
const DELETE = 1;
/** Empty the set: the store's order changed in a way adds and deletes cannot express. */
const CLEAR = 2;

/** The journal of one replica: every change since its first snapshot, and the set they build. */
export class LoadedJournal {
  private readonly ops: Op[] = [];
  private readonly keys: string[] = [];
  /** The set the journal builds, as it stands after its last change. */
  private readonly mirror = new Set<string>();
  /** What a snapshot taken now reads (shared while nothing changes). */
  private current: LoadedList;

  constructor() {
    this.current = new LoadedList(this, 0);
  }

  /** The list the store's `loaded` set holds now, as a position in this journal. */
  at(loaded: ReadonlySet<string>): LoadedList {
    if (this.catchUp(loaded)) this.current = new LoadedList(this, this.ops.length);
    return this.current;
  }

  /** The names the set held after the first `length` changes, in its iteration order. */
  replay(length: number): string[] {
    const set = new Set<string>();
    for (let i = 0; i < length; i++) {
      const key = this.keys[i]!;
      switch (this.ops[i]!) {
        case ADD: set.add(key); break;
        case DELETE: set.delete(key); break;
        case CLEAR: set.clear(); break;
      }
    }
    return [...set];
  }

  /** Appends what changed since the last call; says whether anything did. */
  private catchUp(loaded: ReadonlySet<string>): boolean {
    const mirror = this.mirror;
    // Most snapshots find the set as it was, or with names added at its end (a placement) or
    // gone from its end: one walk over both in step says which, without a lookup.
    const old = mirror.values();
    const now = loaded.values();
    for (;;) {
      const a = old.next();
      const b = now.next();
      if (a.done) {
        if (b.done) return false;
        for (let add: IteratorResult<string> = b; !add.done; add = now.next()) this.push(ADD, add.value);
        return true;
      }
      if (b.done) {
        const gone = [a.value];
        for (let del = old.next(); !del.done; del = old.next()) gone.push(del.value);
        for (const key of gone) this.push(DELETE, key);
        return true;
      }
      if (a.value !== b.value) break;
    }
    if (keepsOrder(mirror, loaded)) {
      const before = this.ops.length;
      for (const key of mirror) if (!loaded.has(key)) this.push(DELETE, key);
      for (const key of loaded) if (!mirror.has(key)) this.push(ADD, key);
      return this.ops.length !== before;
    }
    this.push(CLEAR, "");
    for (const key of loaded) this.push(ADD, key);
    return true;
  }

  private push(op: Op, key: string): void {
    this.ops.push(op);
    this.keys.push(key);
    if (op === ADD) this.mirror.add(key);
    else if (op === DELETE) this.mirror.delete(key);
    else this.mirror.clear();
  }
}

/**
 * Whether deleting what `now` lacks from `before` and then adding what is new gives `now` in
 * its own order: the kept names must come first, in their old order, and the new ones after.
 */
function keepsOrder(before: ReadonlySet<string>, now: ReadonlySet<string>): boolean {
  const old = before.values();
  let seenNew = false;
  for (const key of now) {
    if (!before.has(key)) {
      seenNew = true;
      continue;
    }
    if (seenNew) return false;
    let next = old.next();
    while (!next.done && !now.has(next.value)) next = old.next();
    if (next.done || next.value !== key) return false;
  }
  return true;
}

/** A replica's loaded list at one point of its journal, spelled out when first read. */
export class LoadedList {
  private list: readonly string[] | null = null;
  constructor(
    private readonly journal: LoadedJournal,
    private readonly length: number,
  ) {}

  read(): readonly string[] {
    return (this.list ??= this.journal.replay(this.length));
  }
}
