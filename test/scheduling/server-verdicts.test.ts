import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { schedulingSnapshotArb } from "../../src/properties/snapshot-arb.ts";
import { chainsArb, plain } from "./decision-arbs.ts";
import {
  DEFAULT_CHAINS,
  PLUGIN_REGISTRY,
  decide,
  type ModelSnapshot,
  type SchedulingSnapshot,
  type ServerFilter,
  type ServerSnapshot,
} from "../../src/scheduling/index.ts";
import { ServerVerdictCache, serverMasks } from "../../src/scheduling/server-verdicts.ts";
import { ChangeRing } from "../../src/core/change-ring.ts";

/**
 * One step of a cluster's life as a scheduler sees it: a new server list in which some places
 * keep the previous step's snapshot object (the server did not change) and the others hold a
 * new one (changed, added or removed), and a model that is often the previous step's again.
 */
const stepArb = fc.record({
  snapshot: schedulingSnapshotArb({ maxServers: 6, maxReplicas: 4 }),
  keep: fc.array(fc.boolean(), { maxLength: 6 }),
  sameModel: fc.boolean(),
  // A changed server that is a copy of the old one: same verdicts, new object.
  copy: fc.array(fc.boolean(), { maxLength: 6 }),
});

function applySteps(steps: readonly StepValue[]): SchedulingSnapshot[] {
  const out: SchedulingSnapshot[] = [];
  let previous: SchedulingSnapshot | null = null;
  for (const step of steps) {
    const servers: ServerSnapshot[] = step.snapshot.servers.map((server, i) => {
      const old = previous?.servers[i];
      if (old === undefined) return server;
      if (step.keep[i] === true) return old;
      if (step.copy[i] === true) return { ...old, replicas: old.replicas.map((r) => ({ ...r })) };
      return server;
    });
    const model: ModelSnapshot = step.sameModel && previous !== null ? previous.model : step.snapshot.model;
    previous = { servers, model };
    out.push(previous);
  }
  return out;
}

interface StepValue {
  snapshot: SchedulingSnapshot;
  keep: boolean[];
  sameModel: boolean;
  copy: boolean[];
}

describe("ServerVerdictCache: reused verdicts give the decision a fresh evaluation gives", () => {
  it("over generated sequences of server lists with Seldon's chains", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 12 }), (steps) => {
        const cache = new ServerVerdictCache(3);
        for (const snapshot of applySteps(steps)) {
          const fresh = plain(decide(snapshot));
          expect(plain(decide(snapshot, DEFAULT_CHAINS, { verdicts: cache }))).toEqual(fresh);
          expect(plain(decide(snapshot, DEFAULT_CHAINS, { verdicts: cache, explain: true }))).toEqual(fresh);
          expect(cache.size).toBeLessThanOrEqual(3);
        }
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it("told which places of the list were replaced, over generated sequences, with a short memory of them too", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 8 }), (steps, kept) => {
        const cache = new ServerVerdictCache(3);
        const replaced = new ChangeRing<number>(kept);
        let previous: readonly ServerSnapshot[] = [];
        for (const snapshot of applySteps(steps)) {
          snapshot.servers.forEach((server, i) => {
            if (previous[i] !== server) replaced.note(i);
          });
          previous = snapshot.servers;
          expect(plain(decide(snapshot, DEFAULT_CHAINS, { verdicts: cache, replacedServers: replaced }))).toEqual(plain(decide(snapshot)));
        }
      }),
      { numRuns: 300, seed: 37 },
    );
  });

  it("told which places were replaced, evaluates the filters on those alone", () => {
    const calls: string[] = [];
    const chains = {
      ...DEFAULT_CHAINS,
      serverFilters: DEFAULT_CHAINS.serverFilters.map((f): ServerFilter => ({ ...f, filter: (m, s) => (calls.push(s.name), f.filter(m, s)) })),
    };
    const [base] = fc.sample(schedulingSnapshotArb({ maxServers: 1, maxReplicas: 2 }), { numRuns: 1, seed: 5 });
    const server = base!.servers[0]!;
    const servers = ["a", "b", "c"].map((name) => ({ ...server, name, replicas: server.replicas.map((r) => ({ ...r, serverName: name })) }));
    const cache = new ServerVerdictCache();
    const replaced = new ChangeRing<number>(16);
    for (let i = 0; i < servers.length; i++) replaced.note(i);
    decide({ servers, model: base!.model }, chains, { verdicts: cache, replacedServers: replaced });
    calls.length = 0;
    // b is replaced and noted; a and c are not even compared, so a new a that is not noted is
    // not looked at either (the note is the caller's promise)
    const next = [{ ...servers[0]! }, { ...servers[1]! }, servers[2]!];
    replaced.note(1);
    decide({ servers: next, model: base!.model }, chains, { verdicts: cache, replacedServers: replaced });
    expect(new Set(calls)).toEqual(new Set(["b"]));
  });

  it("over generated sequences with any chains, switching chains mid-way", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 10 }), chainsArb, chainsArb, (steps, first, second) => {
        const cache = new ServerVerdictCache();
        applySteps(steps).forEach((snapshot, i) => {
          const chains = i % 4 < 2 ? first : second;
          expect(plain(decide(snapshot, chains, { verdicts: cache }))).toEqual(plain(decide(snapshot, chains)));
        });
      }),
      { numRuns: 200, seed: 32 },
    );
  });

  it("evaluates the filters again only on servers whose snapshot object changed", () => {
    const calls: string[] = [];
    const counted: ServerFilter[] = DEFAULT_CHAINS.serverFilters.map((f) => ({
      ...f,
      filter: (m, s) => {
        calls.push(s.name);
        return f.filter(m, s);
      },
    }));
    const chains = { ...DEFAULT_CHAINS, serverFilters: counted };
    const [base] = fc.sample(schedulingSnapshotArb({ maxServers: 1, maxReplicas: 2 }), { numRuns: 1, seed: 5 });
    const server = base!.servers[0]!;
    const servers = ["a", "b", "c"].map((name) => ({ ...server, name, replicas: server.replicas.map((r) => ({ ...r, serverName: name })) }));
    const cache = new ServerVerdictCache();
    decide({ servers, model: base!.model }, chains, { verdicts: cache });
    expect(new Set(calls)).toEqual(new Set(["a", "b", "c"]));
    calls.length = 0;
    const changed = [servers[0]!, { ...servers[1]! }, servers[2]!];
    decide({ servers: changed, model: base!.model }, chains, { verdicts: cache });
    expect(new Set(calls)).toEqual(new Set(["b"]));
    calls.length = 0;
    // Another model key has verdicts of its own.
    decide({ servers: changed, model: { ...base!.model, requirements: [...base!.model.requirements, "other"] } }, chains, { verdicts: cache });
    expect(new Set(calls)).toEqual(new Set(["a", "b", "c"]));
  });

  it("is not used for a chain with a filter that declares no model key", () => {
    const keyless: ServerFilter = { ...PLUGIN_REGISTRY.serverFilters.get("SharingServerFilter")!, modelKey: undefined };
    const cache = new ServerVerdictCache();
    const [snapshot] = fc.sample(schedulingSnapshotArb(), { numRuns: 1, seed: 6 });
    expect(cache.masks(snapshot!.model, snapshot!.servers, [keyless])).toBeNull();
    expect(cache.masks(snapshot!.model, snapshot!.servers, DEFAULT_CHAINS.serverFilters)).toEqual(
      serverMasks(snapshot!.model, snapshot!.servers, DEFAULT_CHAINS.serverFilters),
    );
  });

  it("keeps at most its capacity of model keys", () => {
    const cache = new ServerVerdictCache(4);
    const [snapshot] = fc.sample(schedulingSnapshotArb(), { numRuns: 1, seed: 7 });
    for (let i = 0; i < 50; i++) {
      cache.masks({ ...snapshot!.model, requirements: [`r${i}`] }, snapshot!.servers, DEFAULT_CHAINS.serverFilters);
      expect(cache.size).toBe(Math.min(i + 1, 4));
    }
    expect(() => new ServerVerdictCache(0)).toThrow(/capacity/);
  });

  it("evicts the key used least recently, a key asked for twice in a row included", () => {
    let calls = 0;
    const counted: ServerFilter[] = DEFAULT_CHAINS.serverFilters.map((f) => ({ ...f, filter: (m, s) => (calls++, f.filter(m, s)) }));
    const snapshot = fc.sample(schedulingSnapshotArb(), { numRuns: 20, seed: 8 }).find((x) => x.servers.length > 0);
    const cache = new ServerVerdictCache(2);
    const ask = (key: string): boolean => {
      const before = calls;
      cache.masks({ ...snapshot!.model, requirements: [key] }, snapshot!.servers, counted);
      return calls !== before;
    };
    expect(ask("a")).toBe(true);
    expect(ask("a")).toBe(false);
    expect(ask("b")).toBe(true);
    expect(ask("a")).toBe(false);
    // b is now the least recently used, and goes for c
    expect(ask("c")).toBe(true);
    expect(ask("a")).toBe(false);
    expect(ask("b")).toBe(true);
    // c went for b; a, used last before b, stays
    expect(ask("a")).toBe(false);
  });
});

describe("plugin declarations the short cuts rely on", () => {
  it("models with the same model key get the same verdict from every server filter", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb(), schedulingSnapshotArb(), (a, b) => {
        for (const f of PLUGIN_REGISTRY.serverFilters.values()) {
          expect(f.modelKey).toBeTypeOf("function");
          for (const server of [...a.servers, ...b.servers]) {
            // b's model with a's key where they match, so that equal keys are met often.
            const other = f.modelKey!(a.model) === f.modelKey!(b.model) ? b.model : { ...b.model, requirements: a.model.requirements, server: a.model.server };
            expect(f.modelKey!(other)).toBe(f.modelKey!(a.model));
            expect(f.filter(other, server)).toBe(f.filter(a.model, server));
          }
        }
      }),
      { numRuns: 500, seed: 33 },
    );
  });

  it("a server sorter's firstArgumentOnly predicate is its isLess", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 6 }), (snapshot) => {
        const model = snapshot.model;
        for (const sorter of PLUGIN_REGISTRY.serverSorters.values()) {
          if (sorter.firstArgumentOnly === undefined) continue;
          const less = sorter.firstArgumentOnly(model);
          for (const a of snapshot.servers) {
            for (const b of snapshot.servers) expect(less(a)).toBe(sorter.isLess({ model, server: a }, { model, server: b }));
          }
        }
      }),
      { numRuns: 300, seed: 34 },
    );
  });

  it("a server sorter's firstNamed names the one server its isLess puts first", () => {
    let declared = 0;
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 6 }), (snapshot) => {
        const model = snapshot.model;
        for (const sorter of PLUGIN_REGISTRY.serverSorters.values()) {
          if (sorter.firstNamed === undefined) continue;
          declared++;
          const name = sorter.firstNamed(model);
          for (const a of snapshot.servers) {
            for (const b of snapshot.servers) expect(a.name === name).toBe(sorter.isLess({ model, server: a }, { model, server: b }));
          }
        }
      }),
      { numRuns: 300, seed: 36 },
    );
    expect(declared).toBeGreaterThan(0);
  });

  it("a replica sorter's key restates its isLess", () => {
    fc.assert(
      fc.property(schedulingSnapshotArb({ maxServers: 4, maxReplicas: 6 }), (snapshot) => {
        const model = snapshot.model;
        for (const sorter of PLUGIN_REGISTRY.replicaSorters.values()) {
          expect(sorter.key).toBeTypeOf("function");
          for (const server of snapshot.servers) {
            for (const a of server.replicas) {
              for (const b of server.replicas) {
                const ka = sorter.key!(model, server, a);
                expect(Number.isNaN(ka)).toBe(false);
                expect(ka < sorter.key!(model, server, b)).toBe(sorter.isLess({ model, server, replica: a }, { model, server, replica: b }));
              }
            }
          }
        }
      }),
      { numRuns: 300, seed: 35 },
    );
  });
});
