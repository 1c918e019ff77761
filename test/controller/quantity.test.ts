import { describe, expect, it } from "vitest";
import {
  CRD_QUANTITY_PATTERN,
  QuantityError,
  parseQuantity,
  quantityAsInt64,
  quantityString,
} from "../../src/controller/quantity.ts";
import { modelMemoryBytes, ConversionError } from "../../src/controller/convert.ts";

// [input, AsInt64() (null = "not ok"), String()] — values as k8s.io/apimachinery computes them
const TABLE: [string | number, bigint | null, string][] = [
  ["1Gi", 1073741824n, "1Gi"],
  ["512Ki", 524288n, "512Ki"],
  ["2Mi", 2097152n, "2Mi"],
  ["1Ti", 1099511627776n, "1Ti"],
  ["100M", 100_000_000n, "100M"],
  ["1k", 1000n, "1k"],
  ["1G", 1_000_000_000n, "1G"],
  ["1.5G", 1_500_000_000n, "1500M"],
  ["1e3", 1000n, "1e3"],
  ["1E3", 1000n, "1E3"],
  ["1e+3", 1000n, "1e+3"],
  ["2.5e-3", null, "2500e-6"],
  ["1000000", 1_000_000n, "1M"],
  ["1500000", 1_500_000n, "1500k"],
  ["123", 123n, "123"],
  ["007", 7n, "007"],
  ["+1Ki", 1024n, "+1Ki"],
  ["-1", -1n, "-1"],
  ["0", 0n, "0"],
  ["1.", 1n, "1."],
  [" 1Gi ", 1073741824n, "1Gi"],
  // kept as scaled int64 with a negative scale: AsInt64 says no
  ["0.5", null, "500m"],
  ["1.5", null, "1500m"],
  ["100m", null, "100m"],
  ["1000m", null, "1"],
  ["0.0", null, "0"],
  // arbitrary-precision path: AsInt64 says no
  ["1.5Gi", null, "1536Mi"],
  ["1Pi", null, "1Pi"], // binary precision rule: exponents of 50 and more leave the int64 path
  ["1Ei", null, "1Ei"],
  ["0.5Ki", null, "512"],
  ["12345678901234567890", null, "9223372036854775807"],
  ["0.0000000001", null, "1n"],
  ["8Ei", null, "9223372036854775807"],
  ["1e100", null, "10e99"],
  // numbers, as JSON carries them
  [1073741824, 1073741824n, "1073741824"],
  [1.5e6, 1_500_000n, "1500k"],
  [0.5, null, "500m"],
];

describe("Kubernetes quantities", () => {
  it.each(TABLE)("%j → AsInt64 %s, String %s", (input, int64, text) => {
    const q = parseQuantity(input);
    expect(quantityAsInt64(q)).toBe(int64);
    expect(quantityString(q)).toBe(text);
  });

  it("keeps exact values in nano units", () => {
    expect(parseQuantity("1.5Gi").nanos).toBe(1610612736n * 1_000_000_000n);
    expect(parseQuantity("100m").nanos).toBe(100_000_000n);
    expect(parseQuantity("0.0000000001").nanos).toBe(1n); // rounded up to 1n
    expect(parseQuantity("-0.0000000001").nanos).toBe(-1n); // away from zero
  });

  it.each([
    ["", "format"],
    ["abc", "format"],
    ["1 Gi", "format"],
    ["1e1.5", "format"],
    ["1ki", "suffix"],
    ["1kk", "suffix"],
    ["1e", "suffix"],
    ["1Gib", "format"],
    ["1e99999999999999999999", "suffix"],
  ] as const)("rejects %j (%s)", (input, kind) => {
    let err: unknown;
    try {
      parseQuantity(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantityError);
    expect((err as QuantityError).kind).toBe(kind);
  });

  it("uses Kubernetes' error texts", () => {
    expect(() => parseQuantity("1ki")).toThrow("unable to parse quantity's suffix");
    expect(() => parseQuantity("x")).toThrow("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });

  it("accepts oddities Kubernetes accepts", () => {
    // the scanner stops at the sign, so a lone sign or dot is zero
    for (const s of ["-", "+", "."]) expect(parseQuantity(s).nanos).toBe(0n);
  });

  it("the CRD pattern is what the API server checks first", () => {
    expect(CRD_QUANTITY_PATTERN.test("1Gi")).toBe(true);
    expect(CRD_QUANTITY_PATTERN.test("1e1.5")).toBe(true); // the parser then refuses it
    expect(CRD_QUANTITY_PATTERN.test("1ki")).toBe(false);
    expect(CRD_QUANTITY_PATTERN.test(".")).toBe(false);
  });

  it("model memory in bytes, as AsSchedulerModel computes it", () => {
    expect(modelMemoryBytes("1Gi")).toBe(1073741824n);
    expect(modelMemoryBytes(undefined)).toBeUndefined();
    expect(modelMemoryBytes("-1")).toBe(2n ** 64n - 1n); // uint64(int64)
    expect(() => modelMemoryBytes("1.5Gi")).toThrow(new ConversionError("Can't convert model memory quantity to bytes. 1536Mi"));
    expect(() => modelMemoryBytes("100m")).toThrow("Can't convert model memory quantity to bytes. 100m");
  });

  it("model memory in bytes is the same however often and in whatever order it is asked (conversions are remembered)", () => {
    const direct = (m: string | number): bigint | null => {
      const v = quantityAsInt64(parseQuantity(typeof m === "number" ? String(m) : m));
      return v === null ? null : BigInt.asUintN(64, v);
    };
    const inputs = [...TABLE.map(([m]) => m), ...Array.from({ length: 600 }, (_, i) => `${i}Mi`), ...Array.from({ length: 300 }, (_, i) => i * 1024)];
    // twice through, so the second round meets remembered values and values forgotten to stay bounded
    for (const m of [...inputs, ...inputs.slice().reverse()]) {
      const want = direct(m);
      if (want === null) expect(() => modelMemoryBytes(m)).toThrow(ConversionError);
      else expect(modelMemoryBytes(m)).toBe(want);
    }
  });
});
