/**
 * The replica's count of distinct loaded models, kept up to date as the store changes the set:
 * it must always be the count made afresh from the set.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { distinctLoadedModels, noteLoadedChange } from "../../src/scheduler/loaded-models.ts";
import type { ServerReplica } from "../../src/scheduler/model.ts";

const replica = (): ServerReplica => ({
  serverName: "s", idx: 0, inferenceSvc: "", inferenceHttpPort: 0, inferenceGrpcPort: 0, capabilities: [],
  memory: 0n, availableMemory: 0n, reservedMemory: 0n, overCommitPercentage: 0,
  loaded: new Set(), loading: new Set(), draining: false, revision: 0, loadedChanges: 0, lastLoadedChange: null,
});

const afresh = (r: ServerReplica): number => new Set([...r.loaded].map((k) => k.slice(0, k.lastIndexOf(":")))).size;

/** A change as the store makes it (counted in `loadedChanges`), or a look at the count. */
const step = fc.record({
  kind: fc.constantFrom("store", "store", "store", "ask"),
  added: fc.boolean(),
  key: fc.tuple(fc.constantFrom("a", "b", "c:x", "d"), fc.integer({ min: 1, max: 3 })).map(([m, v]) => `${m}:${v}`),
});

describe("distinctLoadedModels", () => {
  it("is the count made afresh from the set, after any changes the store makes", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const r = replica();
        // a set the store was handed (an agent's loaded models at subscribe) is counted afresh
        r.loaded.add("a:1");
        for (const s of steps) {
          if (s.kind === "ask") {
            expect(distinctLoadedModels(r)).toBe(afresh(r));
            continue;
          }
          noteLoadedChange(r, s.key.slice(0, s.key.lastIndexOf(":")), s.key, s.added);
          r.loadedChanges++;
          if (s.added) r.loaded.add(s.key);
          else r.loaded.delete(s.key);
        }
        expect(distinctLoadedModels(r)).toBe(afresh(r));
      }),
      { numRuns: 2000 },
    );
  });
});
