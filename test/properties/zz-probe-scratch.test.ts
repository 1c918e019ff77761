import fc from "fast-check";
import { it } from "vitest";
import { diffWithReference, referencePlace } from "/work/main/src/properties/reference.ts";
import { schedulingSnapshotArb } from "/work/main/src/properties/snapshot-arb.ts";
import { decide } from "/work/main/src/scheduling/decide.ts";
import { DEFAULT_CHAINS, resolveChains, type ChainNames } from "/work/main/src/scheduling/registry.ts";
import { availableMemoryReplicaFilter, modelLoadedOnReplica } from "/work/main/src/scheduling/filters.ts";

it("probe", () => {
  // distribution
  const samples = fc.sample(schedulingSnapshotArb(), { numRuns: 5000, seed: 1 });
  const hist: Record<string, number> = {};
  for (const s of samples) {
    const o = referencePlace(s);
    const k = o.scheduled ? (o.minReplicasFallback ? "fallback" : "scheduled") : s.model.deleted ? "deleted" : o.error!.slice(40, 60);
    hist[k] = (hist[k] ?? 0) + 1;
  }
  console.log(hist);
  // long agreement run
  const r = fc.check(fc.property(schedulingSnapshotArb(), (s) => diffWithReference(s, decide(s)) === null), { numRuns: 100000, seed: 9 });
  console.log("agree 200k failed:", r.failed, r.counterexample ? JSON.stringify(r.counterexample, (_k, v) => typeof v === "bigint" ? v.toString() : v instanceof Map ? [...v] : v) : "");
  // runs to catch each omission over several seeds
  const d = {
    serverFilters: DEFAULT_CHAINS.serverFilters.map((p) => p.name),
    replicaFilters: DEFAULT_CHAINS.replicaFilters.map((p) => p.name),
    serverSorters: DEFAULT_CHAINS.serverSorters.map((p) => p.name),
    replicaSorters: DEFAULT_CHAINS.replicaSorters.map((p) => p.name),
  };
  const variants: [string, any][] = [];
  for (const k of Object.keys(d) as (keyof typeof d)[]) for (const n of d[k]) variants.push([n, resolveChains({ [k]: d[k].filter((x) => x !== n) } as ChainNames)]);
  variants.push(["ignoresReserved", { ...DEFAULT_CHAINS, replicaFilters: [{ ...availableMemoryReplicaFilter, filter: (m: any, r: any) => m.memoryBytes <= r.availableMemoryBytes || modelLoadedOnReplica(m, r) }, ...DEFAULT_CHAINS.replicaFilters.slice(1)] }]);
  for (const [n, chains] of variants) {
    const found: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      let i = 0; let hit = -1;
      for (const s of fc.sample(schedulingSnapshotArb(), { numRuns: 20000, seed })) { i++; if (diffWithReference(s, decide(s, chains)) !== null) { hit = i; break; } }
      found.push(hit);
    }
    console.log(n, "first hit per seed:", found.join(","), "max", Math.max(...found));
  }
}, 600000);
