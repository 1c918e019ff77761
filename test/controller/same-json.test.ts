import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sameJson, stableJson } from "../../src/controller/controller.ts";

// Values as statuses hold them, with the awkward cases stableJson has an opinion on: undefined
// members (dropped), NaN and infinities (written as null), key order (ignored), -0 (written 0).
const leaf = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -0, 1, NaN, Infinity, "", "0", "null", "a"),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 3 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "state"), tie("v"), { maxKeys: 3 })),
})).v;

describe("sameJson", () => {
  it("agrees with comparing stableJson texts", () => {
    fc.assert(fc.property(value, value, (a, b) => {
      expect(sameJson(a, b)).toBe(stableJson(a) === stableJson(b));
    }), { numRuns: 5_000 });
  });

  it("agrees on values that differ only a little", () => {
    fc.assert(fc.property(value, fc.constantFrom("a", "b", "state"), leaf, (a, key, v) => {
      const b = a !== null && typeof a === "object" && !Array.isArray(a) ? { ...a, [key]: v } : [a, v];
      expect(sameJson(a, b)).toBe(stableJson(a) === stableJson(b));
      expect(sameJson(b, b)).toBe(true);
    }), { numRuns: 2_000 });
  });
});
