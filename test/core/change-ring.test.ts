import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChangeRing } from "../../src/core/change-ring.ts";

describe("ChangeRing", () => {
  it("gives a reader every change since its count while they are kept, and says when they are not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer(), { maxLength: 30 }), fc.nat(40), (capacity, changes, since) => {
        const ring = new ChangeRing<number>(capacity);
        for (const c of changes) ring.note(c);
        expect(ring.count).toBe(changes.length);
        const kept = since <= changes.length && changes.length - since <= capacity;
        expect(ring.covers(since)).toBe(kept);
        if (kept) {
          const read: number[] = [];
          for (let t = since; t < ring.count; t++) read.push(ring.at(t));
          expect(read).toEqual(changes.slice(since));
        }
      }),
      { numRuns: 500, seed: 61 },
    );
  });

  it("covers no count that is not a whole number, and refuses a capacity below one", () => {
    const ring = new ChangeRing<string>(4);
    ring.note("a");
    expect(ring.covers(0.5)).toBe(false);
    expect(ring.covers(-1)).toBe(false);
    expect(() => new ChangeRing(0)).toThrow(RangeError);
    expect(() => new ChangeRing(1.5)).toThrow(RangeError);
  });
});
