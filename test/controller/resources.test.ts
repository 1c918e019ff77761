import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseResource } from "../../src/controller/resources.ts";

// The spec as it was stored before: a structuredClone of the manifest's, with JSON nulls dropped.
function clonedWithoutNulls(v: unknown): unknown {
  const copy = structuredClone(v);
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x !== null && typeof x === "object") {
      return Object.fromEntries(Object.entries(x).filter(([, y]) => y !== null && y !== undefined).map(([k, y]) => [k, strip(y)]));
    }
    return x;
  };
  return strip(copy);
}

/** Every object and array reachable from `v`. */
function containers(v: unknown, out = new Set<object>()): Set<object> {
  if (v !== null && typeof v === "object") {
    out.add(v);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

// What YAML and JSON manifests hold, nulls and empty containers included, in an opaque field
// (a Server's podSpec) that the schema check leaves alone.
const manifestValue = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, fc.constantFrom(null, true, false, 0, -0, 1.5, "", "x"), fc.integer(), fc.string({ maxLength: 4 }),
    fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("a", "b", "containers", "name"), tie("v"), { maxKeys: 3 })),
})).v;

describe("parseResource", () => {
  it("stores a copy of the spec without nulls, sharing nothing with the manifest", () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom("a", "b", "c"), manifestValue, { maxKeys: 3 }), fc.option(fc.integer({ min: 1, max: 5 })), (podSpec, replicas) => {
      const spec = { serverConfig: "mlserver", podSpec, replicas, minReplicas: null };
      const input = { apiVersion: "mlops.seldon.io/v1alpha1", kind: "Server", metadata: { name: "s", namespace: "ns" }, spec };
      const parsed = parseResource(input);
      expect(parsed.spec).toStrictEqual(clonedWithoutNulls(spec));
      const given = containers(spec);
      for (const c of containers(parsed.spec)) expect(given.has(c)).toBe(false);
    }), { numRuns: 2_000 });
  });
});
