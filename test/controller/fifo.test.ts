import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyFifo } from "../../src/controller/fifo.ts";

describe("KeyFifo", () => {
  it("gives keys back in the order they went in, as an array's push and shift do", () => {
    // long runs of pushes, so the front passes the point where the taken part is dropped
    const op = fc.oneof(fc.constant<"shift">("shift"), fc.integer({ min: 1, max: 2500 }));
    fc.assert(fc.property(fc.array(op, { maxLength: 16 }), (ops) => {
      const fifo = new KeyFifo();
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
