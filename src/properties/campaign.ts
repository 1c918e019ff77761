/**
 * A property campaign split into chunks, so that it can run on every core (`--workers`) and
 * across machines (`--shard I/N`) and still be one campaign: the chunks depend only on the
 * campaign's seed and run count, never on how many workers or shards share them, so the union
 * of the shards of any split is the same set of cases, and a chunk's failure is repeated by
 * its own seed.
 */
import { UserError } from "../core/errors.ts";
import type { CheckReport } from "./check.ts";

/** Cases per chunk: small enough to spread over cores, large enough to pay for a worker's start. */
export const CHUNK_RUNS = 25;

export interface Chunk {
  /** Position in the campaign, from 0. */
  readonly index: number;
  /** fast-check seed of this chunk's cases. */
  readonly seed: number;
  readonly runs: number;
}

export interface Shard {
  /** From 0. */
  readonly index: number;
  readonly count: number;
}

/** The chunks of a campaign of `runs` cases seeded with `seed`. */
export function campaignChunks(runs: number, seed: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let index = 0, done = 0; done < runs; index++, done += CHUNK_RUNS) {
    chunks.push({ index, seed: (seed + index) % 2 ** 31, runs: Math.min(CHUNK_RUNS, runs - done) });
  }
  return chunks;
}

/** The chunks shard `shard` runs: every `count`-th, starting at its index. */
export function shardChunks(chunks: readonly Chunk[], shard: Shard): Chunk[] {
  return chunks.filter((c) => c.index % shard.count === shard.index);
}

/** `--shard I/N` (I from 0 to N-1, as a Kubernetes Indexed Job's completion index). */
export function parseShard(command: string, text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    throw new UserError(`${command}: --shard expects I/N with 0 <= I < N (e.g. 0/4), got "${text}"`);
  }
  return { index, count };
}

/** A chunk's report, labelled with the chunk. */
export interface ChunkReport extends CheckReport {
  readonly chunk: Chunk;
}

/** The campaign's report from those of its chunks (in chunk order): the first failing chunk's counterexample. */
export function mergeCheckReports(reports: readonly CheckReport[]): CheckReport {
  const sizes: Record<string, Record<number, number>> = {};
  for (const r of reports) {
    for (const [measure, dist] of Object.entries(r.sizes)) {
      const into = (sizes[measure] ??= {});
      for (const [v, n] of Object.entries(dist)) into[Number(v)] = (into[Number(v)] ?? 0) + n;
    }
  }
  const properties = [...new Set(reports.flatMap((r) => r.properties))];
  const failed = reports.find((r) => r.failed) ?? null;
  return {
    properties,
    runs: reports.reduce((a, r) => a + r.runs, 0),
    shrinks: reports.reduce((a, r) => a + r.shrinks, 0),
    timeMs: reports.reduce((a, r) => a + r.timeMs, 0),
    failed: failed !== null,
    counterexample: failed?.counterexample ?? null,
    sizes,
  };
}

/**
 * Runs chunk tasks on `workers` worker threads (in this thread when 1), calling `onChunk` as
 * each finishes; the reports come back in chunk order.
 */
export async function runChunks<T extends { chunk: Chunk }>(
  tasks: readonly T[],
  workers: number,
  onChunk: (report: ChunkReport) => void = () => {},
): Promise<ChunkReport[]> {
  if (workers <= 1) {
    const { runChunk } = await import("./campaign-task.ts");
    const out: ChunkReport[] = [];
    for (const t of tasks) {
      const r = await runChunk(t as unknown as Parameters<typeof runChunk>[0]);
      onChunk(r);
      out.push(r);
    }
    return out;
  }
  const { default: Tinypool } = await import("tinypool");
  const pool = new Tinypool({
    filename: new URL("./campaign-worker.mjs", import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    return await Promise.all(
      tasks.map(async (t) => {
        const r = (await pool.run(t)) as ChunkReport;
        onChunk(r);
        return r;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
