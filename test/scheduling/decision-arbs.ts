/** What the decision tests share: plugin chains drawn from the registry, and decisions as plain data. */
import fc from "fast-check";
import { PLUGIN_REGISTRY, type Decision, type SchedulerChains } from "../../src/scheduling/index.ts";

/** A plain copy with the explanation read, so that equality sees every field. */
export const plain = (d: Decision): Record<string, unknown> => ({ ...d });

/** Plugin chains drawn from the registry: subsets in any order, so short cuts meet every plugin first. */
export const chainsArb: fc.Arbitrary<SchedulerChains> = fc.record({
  serverFilters: fc.shuffledSubarray([...PLUGIN_REGISTRY.serverFilters.values()]),
  replicaFilters: fc.shuffledSubarray([...PLUGIN_REGISTRY.replicaFilters.values()]),
  serverSorters: fc.shuffledSubarray([...PLUGIN_REGISTRY.serverSorters.values()]),
  replicaSorters: fc.shuffledSubarray([...PLUGIN_REGISTRY.replicaSorters.values()]),
});
