import fc from "fast-check";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { M, fastDigits, roundTripRequest } from "../../src/proto/index.ts";

const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 54n }), fc.constantFrom(0n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 64n) - 1n));
const int64 = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: -(1n << 54n), max: 1n << 54n }), fc.constantFrom(-(1n << 53n), -(1n << 53n) - 1n, -(1n << 63n), (1n << 63n) - 1n));

function decoded(memoryBytes: bigint, generation: bigint): { memory: unknown; generation: unknown } {
  const out = roundTripRequest(M.scheduler.LoadModel, {
    model: { meta: { name: "m", kubernetesMeta: { namespace: "ns", generation: generation.toString() } }, modelSpec: { uri: "gs://m", memoryBytes: memoryBytes.toString() } },
  }) as { model: { meta: { kubernetesMeta: { generation: unknown } }; modelSpec: { memoryBytes: unknown } } };
  return { memory: out.model.modelSpec.memoryBytes, generation: out.model.meta.kubernetesMeta.generation };
}

describe("64-bit fields decode to their exact decimal digits", () => {
  it("at every size, signed and unsigned", () => {
    fc.assert(fc.property(uint64, int64, (u, s) => {
      expect(decoded(u, s)).toEqual({ memory: u.toString(), generation: s.toString() });
    }), { numRuns: 2_000 });
  });

  it("takes the short cut exactly within ±2^53 and never outside", () => {
    fc.assert(fc.property(int64, fc.boolean(), (v, unsigned) => {
      const l = (protobuf.util.Long as unknown as { fromString(s: string, u: boolean): { toSigned(): unknown } }).fromString(BigInt.asUintN(64, v).toString(), true);
      const value = unsigned ? l : l.toSigned();
      const digits = fastDigits(value as never);
      const exact = unsigned ? BigInt.asUintN(64, v) : v;
      if (digits !== null) expect(digits).toBe(exact.toString());
      const within = exact >= -(1n << 53n) && exact < (1n << 53n);
      expect(digits !== null).toBe(within);
      expect(fastDigits(value as never, 16)).toBeNull();
    }), { numRuns: 2_000 });
  });
});
