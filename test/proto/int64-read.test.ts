import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readInt64AsNumber } from "../../src/proto/int64.ts";

/** What the reader promises, spelled out the long way: a BigInt of the trimmed digits. */
function throughBigInt(v: unknown): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? Number(BigInt(Math.trunc(v))) : 0;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(BigInt(v.trim()));
  return 0;
}

describe("a 64-bit field read as a number", () => {
  it("is the value of its digits read through a BigInt, whatever the value (short digits go a faster way)", () => {
    for (const v of ["0", "007", "300000", "999999999999999", "1000000000000000", "18446744073709551615", " 12", "-5", "1e3", "", "12a", 42, 1.9, -0, Infinity, NaN, null, undefined, 5n, {}]) {
      expect(Object.is(readInt64AsNumber(v), throughBigInt(v))).toBe(true);
    }
    const values = fc.oneof(fc.stringMatching(/^\d{1,20}$/), fc.string({ maxLength: 16 }), fc.double(), fc.bigInt());
    fc.assert(fc.property(values, (v) => Object.is(readInt64AsNumber(v), throughBigInt(v))), { seed: 64, numRuns: 3000 });
  });
});
