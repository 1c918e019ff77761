/**
 * The route table's shortcut for a route rebuilt unchanged: when `unchanged` says so, re-adding
 * the route in place leaves the table exactly as removing it and adding the splits again does,
 * down to the order of its maps.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RouteTable, type ReplicaEndpoints, type RouteSplit } from "../../src/scheduler/routes.ts";

/** Replica 3 is unknown; 4 shares replica 0's endpoints. */
const REPLICAS = new Map<number, ReplicaEndpoints>([
  [0, { inferenceSvc: "s-0", inferenceHttpPort: 9000, inferenceGrpcPort: 9500 }],
  [1, { inferenceSvc: "s-1", inferenceHttpPort: 9000, inferenceGrpcPort: 9500 }],
  [2, { inferenceSvc: "s-2", inferenceHttpPort: 9001, inferenceGrpcPort: 9501 }],
  [4, { inferenceSvc: "s-0", inferenceHttpPort: 9000, inferenceGrpcPort: 9500 }],
]);

const split = fc.record({
  version: fc.integer({ min: 1, max: 3 }),
  weight: fc.constantFrom(100, 50, 30, 70),
  logPayloads: fc.boolean(),
  replicas: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
});
type SplitSpec = { version: number; weight: number; logPayloads: boolean; replicas: number[] };
/** A rebuild of one route: one split, or two of different versions as during a rollout. */
const rebuild = fc.record({
  route: fc.constantFrom("a", "b"),
  splits: fc.uniqueArray(split, { minLength: 1, maxLength: 2, selector: (s) => s.version }),
});

const toSplits = (model: string, specs: readonly SplitSpec[]): RouteSplit[] => specs.map((s) => ({ model, server: "mlserver", ...s, serverReplicas: REPLICAS }));

function rebuildRoute(table: RouteTable, name: string, splits: readonly RouteSplit[]): void {
  table.removeRoute(name);
  for (const s of splits) table.addVersion(name, s);
}

/** Everything the table holds, maps as ordered entry lists. */
const dump = (t: RouteTable) => ({
  routes: [...t.routes].map(([k, r]) => [k, structuredClone(r)]),
  clusters: [...t.clusters].map(([k, c]) => [k, c.name, c.grpc, [...c.endpoints], [...c.routes]]),
});

function copy(t: RouteTable): RouteTable {
  const c = new RouteTable();
  for (const [k, r] of t.routes) c.routes.set(k, structuredClone(r));
  for (const [k, cl] of t.clusters) c.clusters.set(k, { ...cl, endpoints: new Map([...cl.endpoints].map(([e, v]) => [e, { ...v }])), routes: new Set(cl.routes) });
  return c;
}

describe("RouteTable.unchanged and readdUnchanged", () => {
  it("re-adding in place equals removing and adding again whenever unchanged says so", () => {
    let skipped = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(rebuild, fc.boolean()), { minLength: 1, maxLength: 12 }), (steps) => {
        const table = new RouteTable();
        const last = new Map<string, SplitSpec[]>();
        for (const [step, repeat] of steps) {
          // half the time the route is rebuilt as it was last, the case the shortcut serves
          const specs = repeat && last.has(step.route) ? last.get(step.route)! : step.splits;
          const splits = toSplits(step.route, specs);
          if (table.unchanged(step.route, splits)) {
            skipped++;
            const slow = copy(table);
            rebuildRoute(slow, step.route, splits);
            table.readdUnchanged(step.route);
            expect(dump(table)).toEqual(dump(slow));
          } else {
            rebuildRoute(table, step.route, splits);
          }
          last.set(step.route, specs);
        }
      }),
      { numRuns: 500 },
    );
    expect(skipped).toBeGreaterThan(100);
  });

  it("is not fooled by a replica the server lacks or endpoints two replicas share", () => {
    for (const replicas of [[0, 3], [0, 4]]) {
      const table = new RouteTable();
      const splits = toSplits("a", [{ version: 1, weight: 100, logPayloads: false, replicas }]);
      rebuildRoute(table, "a", splits);
      expect(table.unchanged("a", splits)).toBe(false);
    }
    const table = new RouteTable();
    const splits = toSplits("a", [{ version: 1, weight: 100, logPayloads: false, replicas: [0, 1] }]);
    rebuildRoute(table, "a", splits);
    expect(table.unchanged("a", splits)).toBe(true);
    expect(table.unchanged("a", toSplits("a", [{ version: 1, weight: 100, logPayloads: false, replicas: [1, 0] }]))).toBe(false);
    expect(table.unchanged("a", toSplits("a", [{ version: 1, weight: 100, logPayloads: true, replicas: [0, 1] }]))).toBe(false);
    expect(table.unchanged("b", splits)).toBe(false);
  });
});
