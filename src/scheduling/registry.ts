/** Plugins by name, Seldon's default chains, and chain configuration from plugin names. */
import { UserError } from "../core/errors.ts";
import {
  availableMemoryReplicaFilter,
  deletedServerFilter,
  explainerFilter,
  replicaDrainingFilter,
  serverReplicaFilter,
  serverRequirementsFilter,
  sharingServerFilter,
} from "./filters.ts";
import type { ReplicaFilter, ReplicaSorter, ServerFilter, ServerSorter } from "./plugins.ts";
import {
  availableMemorySorter,
  modelAlreadyLoadedOnServerSorter,
  modelAlreadyLoadedSorter,
  replicaIndexSorter,
} from "./sorters.ts";
import { didYouMean } from "../core/suggest.ts";

/** The plugins a scheduler runs, in order. */
export interface SchedulerChains {
  readonly serverFilters: readonly ServerFilter[];
  readonly replicaFilters: readonly ReplicaFilter[];
  readonly serverSorters: readonly ServerSorter[];
  readonly replicaSorters: readonly ReplicaSorter[];
}

/** Plugin names per chain; a missing chain keeps Seldon's default. */
export interface ChainNames {
  readonly serverFilters?: readonly string[];
  readonly replicaFilters?: readonly string[];
  readonly serverSorters?: readonly string[];
  readonly replicaSorters?: readonly string[];
}

function byName<T extends { name: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  return new Map(items.map((p) => [p.name, p]));
}

/** Every known plugin, by kind and name. */
export const PLUGIN_REGISTRY = {
  serverFilters: byName<ServerFilter>([
    serverReplicaFilter,
    sharingServerFilter,
    deletedServerFilter,
    serverRequirementsFilter,
  ]),
  replicaFilters: byName<ReplicaFilter>([availableMemoryReplicaFilter, explainerFilter, replicaDrainingFilter]),
  serverSorters: byName<ServerSorter>([modelAlreadyLoadedOnServerSorter]),
  replicaSorters: byName<ReplicaSorter>([replicaIndexSorter, availableMemorySorter, modelAlreadyLoadedSorter]),
} as const;

/** Seldon's `DefaultSchedulerConfig`. */
export const DEFAULT_CHAINS: SchedulerChains = {
  serverFilters: [serverReplicaFilter, sharingServerFilter, deletedServerFilter, serverRequirementsFilter],
  replicaFilters: [availableMemoryReplicaFilter, explainerFilter, replicaDrainingFilter],
  serverSorters: [modelAlreadyLoadedOnServerSorter],
  replicaSorters: [replicaIndexSorter, availableMemorySorter, modelAlreadyLoadedSorter],
};

export type ChainKind = keyof SchedulerChains;

const CHAIN_LABEL: Record<ChainKind, string> = {
  serverFilters: "server filter",
  replicaFilters: "replica filter",
  serverSorters: "server sorter",
  replicaSorters: "replica sorter",
};

function resolveOne<T>(kind: ChainKind, names: readonly string[], registry: ReadonlyMap<string, T>): T[] {
  return names.map((name) => {
    const plugin = registry.get(name);
    if (plugin === undefined) {
      const valid = [...registry.keys()];
      throw new UserError(
        `unknown ${CHAIN_LABEL[kind]} "${name}"${didYouMean(name, valid)}; valid ${CHAIN_LABEL[kind]}s: ${valid.join(", ")}`,
      );
    }
    return plugin;
  });
}

/** Builds chains from plugin names; throws a UserError naming the valid plugins on an unknown name. */
export function resolveChains(names: ChainNames = {}): SchedulerChains {
  return {
    serverFilters:
      names.serverFilters === undefined
        ? DEFAULT_CHAINS.serverFilters
        : resolveOne("serverFilters", names.serverFilters, PLUGIN_REGISTRY.serverFilters),
    replicaFilters:
      names.replicaFilters === undefined
        ? DEFAULT_CHAINS.replicaFilters
        : resolveOne("replicaFilters", names.replicaFilters, PLUGIN_REGISTRY.replicaFilters),
    serverSorters:
      names.serverSorters === undefined
        ? DEFAULT_CHAINS.serverSorters
        : resolveOne("serverSorters", names.serverSorters, PLUGIN_REGISTRY.serverSorters),
    replicaSorters:
      names.replicaSorters === undefined
        ? DEFAULT_CHAINS.replicaSorters
        : resolveOne("replicaSorters", names.replicaSorters, PLUGIN_REGISTRY.replicaSorters),
  };
}
