/**
 * v2.9.0's least-recently-used cache of the models on the inference server, decided by our
 * `LruCache`. Seldon keys entries by an int64 priority, evicting the highest first, and gives a
 * use the priority minus its time; ours keeps the time (and the order of use), evicting the
 * earliest, so an explicit Seldon priority p is our time -p here.
 *
 * Not covered: the cases hammering the cache from many goroutines at once (the agent's core is
 * single-threaded; their end states, checked sequentially below, are what remains of them).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LruCache } from "../../src/agent/state.ts";

const withPriority = (p: number) => ({ at: -p, seq: 0 });

/** Evict everything, oldest first (Seldon's Evict: Peek then Delete). */
function drain(cache: LruCache): string[] {
  const out: string[] = [];
  for (;;) {
    const top = cache.peek();
    if (typeof top === "string") return out;
    expect(cache.delete(top.id)).toBeUndefined();
    out.push(top.id);
  }
}

describe("eviction order", () => {
  it("entries with explicit priorities are evicted highest priority first", () => {
    const cache = new LruCache();
    const n = 200;
    for (let i = 0; i < n; i++) expect(cache.add(`model_${i}`, withPriority(i))).toBeUndefined();
    expect(cache.ids()).toHaveLength(n);
    expect(drain(cache)).toEqual(Array.from({ length: n }, (_, i) => `model_${n - 1 - i}`));
  });

  it("re-prioritised entries are evicted by their new priority", () => {
    const cache = new LruCache();
    const n = 200;
    for (let i = 0; i < n; i++) cache.add(`model_${i}`, withPriority(0));
    for (let i = 0; i < n; i++) {
      cache.delete(`model_${i}`);
      cache.add(`model_${i}`, withPriority(i));
    }
    expect(drain(cache)).toEqual(Array.from({ length: n }, (_, i) => `model_${n - 1 - i}`));
  });

  it("a use makes an entry the last to go, at the same instant too", () => {
    const cache = new LruCache();
    cache.addDefault("model_1", 0);
    cache.addDefault("model_2", 0);
    cache.updateDefault("model_1", 0);
    expect((cache.peek() as { id: string }).id).toBe("model_2");
    cache.delete("model_2");
    cache.addDefault("model_3", 0);
    expect(drain(cache)).toEqual(["model_1", "model_3"]);
  });

  it("add, exists, delete, and the priority an entry carries", () => {
    const cache = new LruCache();
    for (const i of [1, 2, 3]) cache.add(`model_${i}`, withPriority(i));
    cache.add("model_6", withPriority(6));
    expect(cache.ids()).toHaveLength(4);
    expect(cache.exists("model_6")).toBe(true);
    expect(cache.delete("model_6")).toBeUndefined();
    expect(cache.exists("model_6")).toBe(false);
    expect(cache.exists("model_dummy")).toBe(false);
    cache.delete("model_1");
    cache.add("model_1", withPriority(7));
    expect(cache.peek()).toEqual({ id: "model_1", priority: withPriority(7) });
  });
});

describe("errors", () => {
  it.each([
    { what: "evicting from an empty cache", run: (c: LruCache) => c.peek(), error: "empty cache, cannot evict" },
    { what: "deleting an unknown entry", run: (c: LruCache) => c.delete("model_1"), error: "could not find item model_1" },
    { what: "using an unknown entry", run: (c: LruCache) => c.updateDefault("model_1", 0), error: "could not find item model_1" },
    { what: "an empty name", run: (c: LruCache) => c.addDefault("", 0), error: "cannot use empty string" },
  ])("$what", ({ run, error }) => {
    expect(run(new LruCache())).toBe(error);
  });

  it("adding an entry twice is refused; after a delete it can be added again", () => {
    const cache = new LruCache();
    expect(cache.addDefault("model_1", 0)).toBeUndefined();
    expect(cache.addDefault("model_1", 0)).toBe("item already exists in cache model_1");
    expect(cache.delete("model_1")).toBeUndefined();
    expect(cache.addDefault("model_1", 0)).toBeUndefined();
  });
});

/** What the cache must answer, worked out the slow way: every entry scanned for the earliest. */
class ReferenceCache {
  private readonly items = new Map<string, { at: number; seq: number }>();
  private seq = 0;
  add(id: string, p: { at: number; seq: number }): void {
    if (id !== "" && !this.items.has(id)) this.items.set(id, p);
  }
  addDefault(id: string, now: number): void {
    // A refused add uses up its sequence number too.
    const p = { at: now, seq: ++this.seq };
    if (id !== "" && !this.items.has(id)) this.items.set(id, p);
  }
  updateDefault(id: string, now: number): void {
    if (this.items.has(id)) this.items.set(id, { at: now, seq: ++this.seq });
  }
  delete(id: string): void {
    this.items.delete(id);
  }
  peek(): { id: string; priority: { at: number; seq: number } } | string {
    let best: { id: string; priority: { at: number; seq: number } } | undefined;
    for (const [id, p] of this.items) {
      if (best === undefined || p.at < best.priority.at || (p.at === best.priority.at && p.seq < best.priority.seq)) best = { id, priority: p };
    }
    return best ?? "empty cache, cannot evict";
  }
}

describe("eviction order under any sequence of uses", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("addDefault" as const), id: fc.integer({ min: 0, max: 7 }), dt: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant("updateDefault" as const), id: fc.integer({ min: 0, max: 7 }), dt: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant("delete" as const), id: fc.integer({ min: 0, max: 7 }), dt: fc.constant(0) }),
    fc.record({ kind: fc.constant("evictAndPutBack" as const), id: fc.constant(0), dt: fc.constant(0) }),
    fc.record({ kind: fc.constant("addAt" as const), id: fc.integer({ min: 0, max: 7 }), dt: fc.integer({ min: -5, max: 5 }) }),
  );

  it("the next victim and the order are the earliest-priority ones, as a full scan finds them", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = new LruCache();
        const ref = new ReferenceCache();
        let now = 0;
        for (const o of ops) {
          now += Math.max(0, o.dt);
          const id = `model_${o.id}`;
          if (o.kind === "addDefault") {
            cache.addDefault(id, now);
            ref.addDefault(id, now);
          } else if (o.kind === "updateDefault") {
            cache.updateDefault(id, now);
            ref.updateDefault(id, now);
          } else if (o.kind === "delete") {
            cache.delete(id);
            ref.delete(id);
          } else if (o.kind === "addAt") {
            // An explicit priority, possibly earlier than every entry (seq 0 as in the vectors above).
            cache.add(id, { at: now + o.dt, seq: 0 });
            ref.add(id, { at: now + o.dt, seq: 0 });
          } else {
            // What a failed eviction does: take the victim out, then put it back with its priority.
            const top = cache.peek();
            expect(top).toEqual(ref.peek());
            if (typeof top !== "string") {
              cache.delete(top.id);
              ref.delete(top.id);
              cache.add(top.id, top.priority);
              ref.add(top.id, top.priority);
            }
          }
          expect(cache.peek()).toEqual(ref.peek());
        }
        const order: string[] = [];
        for (let top = ref.peek(); typeof top !== "string"; top = ref.peek()) {
          order.push(top.id);
          ref.delete(top.id);
        }
        expect(cache.ids()).toEqual(order);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
