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

/**
 * A run of changes: a list taken at position `n` of it replays its first `n`. A journal starts
 * a new segment (from the set as it stands) once its changes far outnumber the set, so a
 * replica that loads and unloads for ever in a long-running `serve` keeps a journal in
 * proportion to what it holds; older segments go with the last list that reads them.
 */
interface Segment {
  readonly ops: Op[];
  readonly keys: string[];
}

/** What the owner of a loaded set did to it last. */
export interface LoadedChange {
  readonly added: boolean;
  readonly key: string;
}

/** A segment may hold this many changes beyond a few times the set's size. */
const SEGMENT_SLACK = 256;

/** The journal of one replica: its changes, and the set they build. */
export class LoadedJournal {
  private segment: Segment = { ops: [], keys: [] };
  /**
   * The set the journal builds, as it stands after the segment's first `applied` changes: it
   * is brought up to date only when a walk or a new segment needs it, so that the common
   * snapshot (one change, taken as the owner says) costs two appends and no set operation.
   */
  private readonly mirror = new Set<string>();
  private applied = 0;
  /** What a snapshot taken now reads (shared while nothing changes). */
  private current: LoadedList;
  /** The `changes` count of the set the journal last caught up with, if it was given one. */
  private seen: number | null = null;

  constructor() {
    this.current = new LoadedList(this.segment, 0);
  }

  /**
   * The list the store's `loaded` set holds now, as a position in this journal. `changes`, when
   * given, counts every change the owner made to the set: while it stands, the set is not walked;
   * when it moved by one and `last` says what that change was, the change is taken as it is
   * (a `Set` appends what it adds and keeps the order of the rest when it deletes, as the
   * journal's replay does).
   */
  at(loaded: ReadonlySet<string>, changes?: number, last?: LoadedChange | null): LoadedList {
    if (changes !== undefined && changes === this.seen) return this.current;
    const one = changes !== undefined && this.seen !== null && changes === this.seen + 1 && last;
    this.seen = changes ?? null;
    if (one) this.push(last.added ? ADD : DELETE, last.key);
    if (one || this.catchUp(loaded)) {
      if (this.outgrown()) this.startSegment();
      this.current = new LoadedList(this.segment, this.segment.ops.length);
    }
    return this.current;
  }

  /** Changes held by the segment new lists are taken on (for tests of the bound). */
  get heldChanges(): number {
    return this.segment.ops.length;
  }

  /**
   * Whether the segment holds more than `4 × size + SEGMENT_SLACK` changes, the set's size as
   * its changes leave it. Changes not yet applied to the mirror move the size by at most one
   * each, so the mirror is brought up to date only when that bound cannot decide.
   */
  private outgrown(): boolean {
    const held = this.segment.ops.length;
    if (held <= 4 * (this.mirror.size - (held - this.applied)) + SEGMENT_SLACK) return false;
    return held > 4 * this.syncedMirror().size + SEGMENT_SLACK;
  }

  private startSegment(): void {
    const mirror = this.syncedMirror();
    this.segment = { ops: [], keys: [] };
    for (const key of mirror) {
      this.segment.ops.push(ADD);
      this.segment.keys.push(key);
    }
    this.applied = this.segment.ops.length;
  }

  /** The mirror with every change of the segment applied. */
  private syncedMirror(): Set<string> {
    const { ops, keys } = this.segment;
    const mirror = this.mirror;
    for (let i = this.applied; i < ops.length; i++) {
      const key = keys[i]!;
      switch (ops[i]!) {
        case ADD: mirror.add(key); break;
        case DELETE: mirror.delete(key); break;
        case CLEAR: mirror.clear(); break;
      }
    }
    this.applied = ops.length;
    return mirror;
  }

  /** Appends what changed since the last call; says whether anything did. */
  private catchUp(loaded: ReadonlySet<string>): boolean {
    // The changes appended below reach the mirror at its next use; none of the walks needs
    // them (each name is met once), so they see the set as it stood before them.
    const mirror = this.syncedMirror();
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
      const before = this.segment.ops.length;
      for (const key of mirror) if (!loaded.has(key)) this.push(DELETE, key);
      for (const key of loaded) if (!mirror.has(key)) this.push(ADD, key);
      return this.segment.ops.length !== before;
    }
    this.push(CLEAR, "");
    for (const key of loaded) this.push(ADD, key);
    return true;
  }

  private push(op: Op, key: string): void {
    this.segment.ops.push(op);
    this.segment.keys.push(key);
  }
}

/** The names a segment's first `length` changes leave in the set, in its iteration order. */
function replay(segment: Segment, length: number): string[] {
  const set = new Set<string>();
  for (let i = 0; i < length; i++) {
    const key = segment.keys[i]!;
    switch (segment.ops[i]!) {
      case ADD: set.add(key); break;
      case DELETE: set.delete(key); break;
      case CLEAR: set.clear(); break;
    }
  }
  return [...set];
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
    private readonly segment: Segment,
    private readonly length: number,
  ) {}

  read(): readonly string[] {
    return (this.list ??= replay(this.segment, this.length));
  }
}
