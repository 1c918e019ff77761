import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloneMessage } from "../../src/agent/messages.ts";

describe("cloneMessage", () => {
  it("gives what structuredClone gives for decoded-message data, sharing nothing with the original", () => {
    const data = fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withSparseArray: true, withDate: true, withMap: true, withTypedArray: true, withBigInt: true }));
    fc.assert(fc.property(data, (v) => {
      const copy = cloneMessage(v);
      expect(copy).toStrictEqual(structuredClone(v));
      if (v !== null && typeof v === "object") expect(copy).not.toBe(v);
    }), { numRuns: 1_000 });
  });

  it("copies deeply: changing the copy leaves the message as it was", () => {
    const m = { model: { meta: { name: "m" }, modelSpec: { requirements: ["sklearn"], memoryBytes: "100" } }, version: 1 };
    const copy = cloneMessage(m);
    copy.model.meta.name = "x";
    copy.model.modelSpec.requirements.push("xgboost");
    expect(m).toEqual({ model: { meta: { name: "m" }, modelSpec: { requirements: ["sklearn"], memoryBytes: "100" } }, version: 1 });
  });

  it("keeps an own __proto__ key as data", () => {
    const m = JSON.parse('{"labels":{"__proto__":{"a":1}}}') as { labels: Record<string, unknown> };
    const copy = cloneMessage(m);
    expect(Object.keys(copy.labels)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(copy.labels)).toBe(Object.prototype);
  });

  it("rejects what structuredClone rejects", () => {
    expect(() => cloneMessage({ f: () => 1 })).toThrow();
    expect(() => cloneMessage([Symbol("s")])).toThrow();
  });
});
