import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fifo } from "../../src/core/fifo.ts";

describe("Fifo", () => {
  it("gives keys back in the order they went in, as an array's push and shift do", () => {
    // long runs of pushes, so the front passes the point where the taken part is dropped
    const op = fc.oneof(fc.constant<"shift">("shift"), fc.integer({ min: 1, max: 2500 }));
    fc.assert(fc.property(fc.array(op, { maxLength: 16 }), (ops) => {
      const fifo = new Fifo<string>();
      const model: string[] = [];
      const got: (string | undefined)[] = [];
      const want: (string | undefined)[] = [];
      const lengths: [number, number][] = [];
      let n = 0;
      for (const o of ops) {
        if (o === "shift") {
          got.push(fifo.shift());
          want.push(model.shift());
        } else {
          for (let i = 0; i < o; i++) {
            fifo.push(`ns/m${n}`);
            model.push(`ns/m${n++}`);
          }
          // take most of what is there, one by one
          for (let i = Math.floor((model.length * 3) / 4); i > 0; i--) {
            got.push(fifo.shift());
            want.push(model.shift());
          }
        }
        lengths.push([fifo.length, model.length]);
      }
      while (model.length > 0) {
        got.push(fifo.shift());
        want.push(model.shift());
      }
      expect(got).toEqual(want);
      expect(lengths.every(([a, b]) => a === b)).toBe(true);
      expect(fifo.shift()).toBeUndefined();
    }), { numRuns: 200 });
  });
});

describe("Fifo peek and retain", () => {
  it("peek shows what shift would give without taking it; retain keeps the accepted entries in order", () => {
    const op = fc.oneof(
      fc.constant<"shift">("shift"),
      fc.constant<"peek">("peek"),
      fc.constantFrom<"retainEven" | "retainAll">("retainEven", "retainAll"),
      fc.integer({ min: 1, max: 2500 }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 16 }), (ops) => {
      const fifo = new Fifo<number>();
      let model: number[] = [];
      let n = 0;
      for (const o of ops) {
        if (o === "shift") expect(fifo.shift()).toBe(model.shift());
        else if (o === "peek") expect(fifo.peek()).toBe(model[0]);
        else if (o === "retainEven" || o === "retainAll") {
          const keep = o === "retainEven" ? (x: number) => x % 2 === 0 : () => true;
          model = model.filter(keep);
          expect(fifo.retain(keep)).toBe(model.length);
        } else {
          for (let i = 0; i < o; i++) {
            fifo.push(n);
            model.push(n++);
          }
          for (let i = Math.floor((model.length * 3) / 4); i > 0; i--) expect(fifo.shift()).toBe(model.shift());
        }
        expect(fifo.length).toBe(model.length);
      }
      const rest: (number | undefined)[] = [];
      while (fifo.length > 0) rest.push(fifo.shift());
      expect(rest).toEqual(model);
      expect(fifo.peek()).toBeUndefined();
    }), { numRuns: 200 });
  });
});
