import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OpenCalls, type Linked } from "../../src/runtime/open-calls.ts";

class Item implements Linked<Item> {
  olderOpen: Item | null = null;
  newerOpen: Item | null = null;
  constructor(readonly n: number) {}
}

describe("OpenCalls", () => {
  it("holds what a Set would, in the Set's order", () => {
    const op = fc.record({ add: fc.boolean(), item: fc.integer({ min: 0, max: 15 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const items = Array.from({ length: 16 }, (_, n) => new Item(n));
        const list = new OpenCalls<Item>();
        const set = new Set<Item>();
        for (const { add, item } of ops) {
          const it = items[item]!;
          if (add) { list.add(it); set.add(it); } else { list.delete(it); set.delete(it); }
          expect(list.size).toBe(set.size);
          for (const x of items) expect(list.has(x)).toBe(set.has(x));
        }
        expect(list.toArray().map((x) => x.n)).toEqual([...set].map((x) => x.n));
      }),
    );
  });
});
