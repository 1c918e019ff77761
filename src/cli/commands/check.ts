/**
 * `seldon-sim check`: property-based testing of the control plane at any scale. Generated
 * clusters, models and fault timelines run in `sim`; every property watches every run; a failure
 * is shrunk and written as a scenario file that `seldon-sim run` replays.
 */
import { resolve } from "node:path";
import type fc from "fast-check";
import { UserError } from "../../core/errors.ts";
import { caseArb, DEFAULT_LIMITS, type CaseLimits } from "../../properties/arbitraries.ts";
import type { PropertyCase } from "../../properties/case.ts";
import { propertyByName, propertyNames, registeredProperties } from "../../properties/catalog.ts";
import { checkProperties, replayHint, type CheckReport } from "../../properties/check.ts";
import type { Property } from "../../properties/property.ts";
import { didYouMean } from "../../core/suggest.ts";
import { resolveChains, type ChainNames } from "../../scheduling/registry.ts";
import { checkFolderWritable, intFlag, loadPlugin, parseFlags } from "../args.ts";
import { CHAIN_OPTIONS, pluginList, type ChainOption } from "../chains.ts";
import type { CliIO, Command } from "../io.ts";
import { availableParallelism } from "node:os";
import { CHUNK_RUNS, campaignChunks, mergeCheckReports, parseShard, runChunks, shardChunks } from "../../properties/campaign.ts";
import type { ChunkTask } from "../../properties/campaign-task.ts";

const USAGE = `usage: seldon-sim check [--runs N] [--seed S] [--property NAME]... [--path P]
                       [--models N] [--steps N] [--replicas N] [--no-faults]
                       [--server-filters a,b] [--replica-filters a,b]
                       [--server-sorters a,b] [--replica-sorters a,b]
                       [--out DIR] [--plugin FILE]... [--list] [--json]
                       [--workers N] [--shard I/N]

Generates clusters, models and fault timelines, runs each in sim and checks the properties
(all but sim-wire-agree by default). On a failure the case is shrunk and written to DIR
(default counterexamples/) as a scenario file: replay it with 'seldon-sim run <file>'.
--plugin loads a module that registers properties (registerProperty) and may export an
'arbitrary' of cases. See docs/properties.md.

--workers N runs the campaign on N worker threads (default 1; 0 = one per core), --shard I/N
runs the I-th of N parts of it (I from 0), e.g. one per machine of a CI matrix. Either splits
the campaign into chunks of ${CHUNK_RUNS} cases, chunk j seeded with seed+j: the same cases for any
split. 'seldon-sim merge' joins the shards' --json (and run's --junit) outputs. See
docs/performance.md.
`;

/** Comparison with the wire runtime is slow: asked for by name only. */
const OPT_IN = new Set(["sim-wire-agree"]);

export const checkCommand: Command = async (argv, io) => {
  const { values } = parseFlags("check", argv, {
    runs: { type: "string" },
    seed: { type: "string" },
    property: { type: "string", multiple: true },
    path: { type: "string" },
    models: { type: "string" },
    steps: { type: "string" },
    replicas: { type: "string" },
    "no-faults": { type: "boolean" },
    out: { type: "string" },
    ...(Object.fromEntries(Object.keys(CHAIN_OPTIONS).map((o) => [o, { type: "string" }])) as Record<ChainOption, { type: "string" }>),
    plugin: { type: "string", multiple: true },
    list: { type: "boolean" },
    json: { type: "boolean" },
    workers: { type: "string" },
    shard: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  let arbitrary: fc.Arbitrary<PropertyCase> | undefined;
  for (const file of values.plugin ?? []) {
    const mod = (await loadPlugin("check", io.cwd, file)) as { arbitrary?: fc.Arbitrary<PropertyCase> };
    if (mod.arbitrary) arbitrary = mod.arbitrary;
  }
  if (values.list) {
    for (const p of registeredProperties()) io.stdout(`${p.name.padEnd(30)} ${p.category.padEnd(12)} ${p.description}\n`);
    return 0;
  }
  const properties: Property[] = values.property
    ? values.property.map((name) => {
        const p = propertyByName(name);
        if (!p) throw new UserError(`check: unknown property "${name}"${didYouMean(name, propertyNames())}; 'seldon-sim check --list' shows them`);
        return p;
      })
    : registeredProperties().filter((p) => !OPT_IN.has(p.name));
  const limits: CaseLimits = {
    ...DEFAULT_LIMITS,
    models: intFlag("check", "models", values.models, DEFAULT_LIMITS.models),
    steps: intFlag("check", "steps", values.steps, DEFAULT_LIMITS.steps),
    replicas: intFlag("check", "replicas", values.replicas, DEFAULT_LIMITS.replicas),
    faults: !values["no-faults"],
  };
  const chains = chainNames(values);
  const runs = intFlag("check", "runs", values.runs, 100, 1);
  const seed = intFlag("check", "seed", values.seed, Date.now() % 2 ** 31);
  if (values.path !== undefined && !/^\d+(:\d+)*$/.test(values.path)) {
    throw new UserError(`check: --path expects fast-check's replay path, numbers separated by ':' (e.g. "12:0:3"), got "${values.path}"`);
  }
  const outDir = resolve(io.cwd, values.out ?? "counterexamples");
  checkFolderWritable("check", "out", outDir);
  const chainFlags = (Object.keys(CHAIN_OPTIONS) as ChainOption[]).flatMap((o) => (values[o] === undefined ? [] : [` --${o} "${values[o]}"`])).join("");
  const plugins = (values.plugin ?? []).map((f) => ` --plugin ${f}`).join("");
  if (values.workers !== undefined || values.shard !== undefined) {
    const workersFlag = intFlag("check", "workers", values.workers, 1);
    const workers = workersFlag === 0 ? availableParallelism() : workersFlag;
    const shard = values.shard === undefined ? { index: 0, count: 1 } : parseShard("check", values.shard);
    const chunks = shardChunks(campaignChunks(runs, seed), shard);
    const cases = chunks.reduce((a, c) => a + c.runs, 0);
    io.stderr(
      `checking ${properties.length} properties over ${cases} of ${runs} generated cases (seed ${seed}, shard ${shard.index}/${shard.count}, ${chunks.length} chunks, ${workers} workers)\n`,
    );
    const counterexampleDir = outDir;
    const tasks: ChunkTask[] = chunks.map((chunk) => ({
      chunk,
      properties: properties.map((p) => p.name),
      plugins: (values.plugin ?? []).map((f) => resolve(io.cwd, f)),
      limits,
      chains,
      counterexampleDir,
    }));
    let finished = 0;
    const reports = await runChunks(tasks, workers, () => io.stderr(`chunk ${++finished}/${tasks.length} done\n`));
    const report = mergeCheckReports(reports);
    const failedChunk = reports.find((r) => r.failed)?.chunk;
    // A chunk's failure repeats on its own: its seed and run count.
    const cxSeed = failedChunk ? failedChunk.seed : seed;
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report, cxSeed, chainFlags + plugins, plugins));
    return report.failed ? 1 : 0;
  }
  const progress = progressBar(io, runs);
  io.stderr(`checking ${properties.length} properties over ${runs} generated cases (seed ${seed})\n`);
  let report: CheckReport;
  try {
    report = await checkProperties({
      properties,
      runs,
      seed,
      // Chains travel inside each case, so counterexample files carry the policy that failed.
      arbitrary: (arbitrary ?? caseArb(limits)).map((c) => (chains ? { ...c, chains } : c)),
      counterexampleDir: outDir,
      onRun: progress.update,
      ...(values.path !== undefined ? { path: values.path } : {}),
    });
  } catch (e) {
    // fast-check cannot follow a path that its generators do not produce for this seed
    if (values.path === undefined || e instanceof UserError) throw e;
    throw new UserError(`check: --path "${values.path}" does not replay with --seed ${seed}: ${String((e as Error).message).split("\n")[0]}`);
  }
  progress.done();
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report, seed, chainFlags + plugins, plugins));
  const cx = report.counterexample;
  if (cx?.writeError !== undefined) {
    // The folder went away or became read-only during the campaign: the case is printed above
    // (and here as a file's text), and the run says what went wrong.
    if (!values.json) io.stdout(`counterexample scenario (not written):\n${cx.text ?? ""}`);
    throw new UserError(`check: --out ${outDir}: cannot write the counterexample: ${cx.writeError}`);
  }
  return report.failed ? 1 : 0;
};

/** Plugin chains from the options, checked against the registry. */
function chainNames(values: Partial<Record<ChainOption, string | undefined>>): ChainNames | null {
  const out: { -readonly [K in keyof ChainNames]: string[] } = {};
  for (const o of Object.keys(CHAIN_OPTIONS) as ChainOption[]) {
    const v = values[o];
    if (v !== undefined) out[CHAIN_OPTIONS[o]] = pluginList(v);
  }
  if (Object.keys(out).length === 0) return null;
  resolveChains(out); // a UserError naming the valid plugins on a typo
  return out;
}

function progressBar(io: CliIO, total: number): { update: (p: { runs: number; shrinking: boolean }) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let shrinks = 0;
  let lastLine = 0;
  return {
    update({ runs, shrinking }) {
      if (shrinking) shrinks++;
      const width = 30;
      const filled = Math.round((Math.min(runs, total) / total) * width);
      const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${runs}/${total}${shrinking ? ` shrinking (${shrinks})` : ""}`;
      if (tty) io.stderr(`\r${line}`);
      else if (runs % Math.max(1, Math.floor(total / 10)) === 0 && runs !== lastLine) {
        lastLine = runs;
        io.stderr(`${line}\n`);
      }
    },
    done() {
      if (tty) io.stderr("\n");
    },
  };
}

function summary(r: CheckReport, seed: number, extraFlags: string, plugins: string): string {
  const lines: string[] = [];
  lines.push(`properties: ${r.properties.join(", ")}`);
  lines.push(`${r.failed ? "FAILED" : "passed"}: ${r.runs} runs, ${r.shrinks} shrinks, ${(r.timeMs / 1000).toFixed(1)}s (seed ${seed})`);
  lines.push("generated sizes (value: cases):");
  for (const [measure, dist] of Object.entries(r.sizes)) {
    const cells = Object.entries(dist).sort((a, b) => Number(a[0]) - Number(b[0])).map(([v, n]) => `${v}:${n}`);
    lines.push(`  ${measure.padEnd(10)} ${cells.join("  ")}`);
  }
  const cx = r.counterexample;
  if (cx) {
    lines.push("counterexample:");
    for (const v of cx.violations) lines.push(`  ${v.property} at t=${v.t}ms: ${v.message}`);
    if (cx.file) lines.push(`  written to ${cx.file}`, `  replay: seldon-sim run${plugins} ${cx.file}`);
    lines.push(`  repeat: seldon-sim check --seed ${cx.seed} --path "${cx.path}"${r.properties.map((p) => ` --property ${p}`).join("")}${extraFlags}`);
    lines.push(`  fast-check: ${replayHint(r)}`);
  }
  return `${lines.join("\n")}\n`;
}
