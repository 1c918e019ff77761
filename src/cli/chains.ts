/** The plugin-chain options `schedule` and `check` share: one option per chain, a comma-separated list. */
import type { ChainNames } from "../scheduling/registry.ts";

/** Option name (without `--`) → chain. */
export const CHAIN_OPTIONS = {
  "server-filters": "serverFilters",
  "replica-filters": "replicaFilters",
  "server-sorters": "serverSorters",
  "replica-sorters": "replicaSorters",
} as const satisfies Record<string, keyof ChainNames>;

export type ChainOption = keyof typeof CHAIN_OPTIONS;

/** Plugin names from an option value: comma-separated, blanks dropped ("" is an empty chain). */
export function pluginList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
