/**
 * One chunk of a campaign, as a worker runs it: everything it needs travels as plain data
 * (property and plugin names, limits, chains), since functions cannot cross to a worker.
 */
import { caseArb, type CaseLimits } from "./arbitraries.ts";
import type { PropertyCase } from "./case.ts";
import { propertyByName } from "./catalog.ts";
import { checkProperties } from "./check.ts";
import type { Chunk, ChunkReport } from "./campaign.ts";
import type { ChainNames } from "../scheduling/registry.ts";
import type fc from "fast-check";

export interface ChunkTask {
  readonly chunk: Chunk;
  readonly properties: readonly string[];
  /** Modules that register properties (and may export an `arbitrary`), as absolute paths. */
  readonly plugins: readonly string[];
  readonly limits: CaseLimits;
  readonly chains: ChainNames | null;
  readonly counterexampleDir: string | null;
}

const loaded = new Map<string, { arbitrary?: fc.Arbitrary<PropertyCase> }>();

export async function runChunk(task: ChunkTask): Promise<ChunkReport> {
  let arbitrary: fc.Arbitrary<PropertyCase> | undefined;
  for (const file of task.plugins) {
    let mod = loaded.get(file);
    if (mod === undefined) {
      const { pathToFileURL } = await import("node:url");
      mod = (await import(pathToFileURL(file).href)) as { arbitrary?: fc.Arbitrary<PropertyCase> };
      loaded.set(file, mod);
    }
    if (mod.arbitrary) arbitrary = mod.arbitrary;
  }
  const properties = task.properties.map((name) => {
    const p = propertyByName(name);
    if (!p) throw new Error(`unknown property ${name}`);
    return p;
  });
  const chains = task.chains;
  const report = await checkProperties({
    properties,
    runs: task.chunk.runs,
    seed: task.chunk.seed,
    arbitrary: (arbitrary ?? caseArb(task.limits)).map((c) => (chains ? { ...c, chains } : c)),
    counterexampleDir: task.counterexampleDir,
  });
  return { ...report, chunk: task.chunk };
}
