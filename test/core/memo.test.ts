/** The bounded memo the engine and components keep their repeated answers in. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BoundedMemo } from "../../src/core/memo.ts";

describe("a bounded memo", () => {
  it("answers from what it kept, works out each key once while kept, and never holds more than its limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (limit, keys) => {
        const memo = new BoundedMemo<number, string>(limit);
        const made: number[] = [];
        /** What a memo that forgets its oldest answer past `limit` holds, oldest first. */
        const model: number[] = [];
        for (const k of keys) {
          const before = made.length;
          expect(memo.remember(k, (key) => (made.push(key), `v${key}`))).toBe(`v${k}`);
          if (model.includes(k)) {
            expect(made.length).toBe(before);
          } else {
            expect(made.length).toBe(before + 1);
            expect(made.at(-1)).toBe(k);
            if (model.length === limit) model.shift();
            model.push(k);
          }
          expect(memo.size).toBe(model.length);
          expect(memo.size).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });

  it("keeps nothing for a key whose answer could not be made", () => {
    const memo = new BoundedMemo<string, number>(4);
    expect(() => memo.remember("bad", () => { throw new Error("no"); })).toThrow("no");
    expect(memo.size).toBe(0);
    expect(memo.remember("bad", () => 1)).toBe(1);
  });

  it("keeps null answers (a host that names no pod)", () => {
    const memo = new BoundedMemo<string, number | null>(4);
    let calls = 0;
    expect(memo.remember("x", () => (calls++, null))).toBeNull();
    expect(memo.remember("x", () => (calls++, 1))).toBeNull();
    expect(calls).toBe(1);
  });

  it("refuses a limit below one", () => {
    expect(() => new BoundedMemo(0)).toThrow(RangeError);
  });
});

