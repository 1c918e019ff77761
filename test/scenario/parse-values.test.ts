import { describe, expect, test } from "vitest";
import { editDistance } from "../../src/core/suggest.ts";
import { formatDuration, parseBytes, parseDuration, parseEpoch, parseQuantity, suggest } from "../../src/scenario/parse-values.ts";

const ok = <T>(value: T) => ({ ok: true, value });

describe("durations", () => {
  test.each([
    ["0", 0],
    [0, 0],
    ["200ms", 200],
    ["10s", 10_000],
    ["1.5s", 1500],
    ["2m", 120_000],
    ["1h30m", 5_400_000],
    ["1m30s250ms", 90_250],
    [".5s", 500],
    ["1000us", 1],
    ["3000000ns", 3],
  ] as const)("%s → %d ms", (input, ms) => {
    expect(parseDuration(input)).toStrictEqual(ok(ms));
  });

  test.each([
    ["10", "without a unit"],
    [10, "bare number 10"],
    ["10 s", "units: ms, s, m, h"],
    ["10sec", "units: ms, s, m, h"],
    ["-1s", "cannot be negative"],
    ["1.5ms", "not a whole number of milliseconds"],
    ["", "units"],
    [true, "expected a duration"],
  ] as const)("%j is refused (%s)", (input, message) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  test("formatDuration is the inverse for whole units", () => {
    for (const s of ["0s", "200ms", "10s", "2m", "1h30m", "1m30s250ms"]) {
      const r = parseDuration(s);
      expect(r.ok && formatDuration(r.value)).toBe(s);
    }
  });
});

describe("quantities", () => {
  test.each([
    ["1Gi", 1073741824n],
    ["1G", 1000000000n],
    ["500Mi", 524288000n],
    ["1.5Ki", 1536n],
    ["1k", 1000n],
    ["1e3", 1000n],
    ["2E", 2000000000000000000n],
    ["100m", 1n],
    ["12", 12n],
    [12, 12n],
    ["+5", 5n],
  ] as const)("%s → %d bytes", (input, bytes) => {
    expect(parseBytes(input)).toStrictEqual(ok(bytes));
  });

  test("negative quantities parse, but are not memory", () => {
    expect(parseQuantity("-1Gi")).toStrictEqual(ok({ num: -1073741824n, den: 1n }));
    const r = parseBytes("-1Gi");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("memory cannot be negative");
  });

  test.each([
    ["1GB", "did you mean `G`?"],
    ["1gi", "did you mean `Gi`?"],
    ["lots", "expected a Kubernetes quantity"],
    ["1 Gi", "unknown suffix"],
  ])("%s is refused (%s)", (input, message) => {
    const r = parseQuantity(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe("epoch", () => {
  test("RFC 3339 with a zone, or milliseconds", () => {
    expect(parseEpoch("2025-07-06T14:00:00Z")).toStrictEqual(ok(Date.UTC(2025, 6, 6, 14)));
    expect(parseEpoch("2025-07-06T14:00:00.250+01:00")).toStrictEqual(ok(Date.UTC(2025, 6, 6, 13, 0, 0, 250)));
    expect(parseEpoch(0)).toStrictEqual(ok(0));
    expect(parseEpoch("2025-07-06").ok).toBe(false);
    expect(parseEpoch("2025-07-06T14:00:00").ok).toBe(false);
  });
});

describe("suggestions", () => {
  test("edit distance is case-insensitive Levenshtein", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("Model", "model")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });

  test("within distance 2, by prefix, or contained", () => {
    expect(suggest("requirement", ["requirements", "replicas"])).toBe("requirements");
    expect(suggest("agnet", ["scheduler", "agent"])).toBe("agent");
    expect(suggest("desc", ["name", "description"])).toBe("description");
    expect(suggest("warn", ["warning", "error"])).toBe("warning");
    expect(suggest("Available", ["ModelAvailable", "ModelFailed"])).toBe("ModelAvailable");
  });

  test("nothing when nothing is close", () => {
    expect(suggest("zzzzzz", ["controller", "namespaces", "servers"])).toBeUndefined();
    expect(suggest("x", ["at"])).toBeUndefined();
  });
});
