/**
 * `npm run bench`: every benchmark of docs/performance.md in one run, a table of figures and
 * ratios, the results as JSON in bench/results/ (schema in docs/performance.md) and an SVG
 * chart beside them.
 *
 *   npm run bench                     # full sizes (10k models on 1k agents, 100k on 10k, ...)
 *   npm run bench -- --quick          # about a minute: the same benchmarks at smaller sizes
 *   npm run bench -- --profile rollout   # also write a CPU profile of that benchmark
 *   npm run bench -- --only decision,wire
 *   npm run bench -- --only properties --check-seeds 20 --check-runs 500   # `check` over more seeds
 */
import { spawn } from "node:child_process";
import { NODE_FLAGS } from "../src/cli/node-flags.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Session as InspectorSession } from "node:inspector/promises";
import fc from "fast-check";
import { caseArb, DEFAULT_LIMITS, type CaseLimits } from "../src/properties/arbitraries.ts";
import { checkProperties, runCase } from "../src/properties/check.ts";
import { BUILTIN_PROPERTIES } from "../src/properties/catalog.ts";
import { benchDecision, type DecisionResult } from "./decision.ts";
import { benchPlacement, type PlacementResult } from "./placement.ts";
import type { RolloutMeasurement } from "./rollout-child.ts";
import type { ChurnMeasurement } from "./churn-child.ts";
import type { ScenarioMeasurement } from "./scenario-child.ts";
import { measureLoadShape, replicaLoads, type CeilingMeasurement, type LoadShape } from "./wire.ts";
import { growthExponent, median } from "./stats.ts";
import { renderChart } from "./chart.ts";
import { readCpuTimes, stealPercent, type CpuTimes } from "./host.ts";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, "results");
export const SCHEMA = "seldon-sim-bench/1";
export const SUITES = ["decision", "rollout", "scenario", "wire", "fanout", "churn", "properties"] as const;
type Suite = (typeof SUITES)[number];

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { quick: { type: "boolean" }, profile: { type: "string" }, only: { type: "string" }, "check-seeds": { type: "string" }, "check-runs": { type: "string" } },
  strict: true,
});
const quick = values.quick === true;
const only = values.only === undefined ? [...SUITES] : values.only.split(",").map((s) => s.trim());
for (const s of only) if (!(SUITES as readonly string[]).includes(s)) usage(`--only: unknown benchmark "${s}"; expected some of ${SUITES.join(", ")}`);
if (values.profile !== undefined && !(SUITES as readonly string[]).includes(values.profile)) {
  usage(`--profile: unknown benchmark "${values.profile}"; expected one of ${SUITES.join(", ")}`);
}
const profile = values.profile as Suite | undefined;
const wanted = (s: Suite) => only.includes(s) || profile === s;
mkdirSync(RESULTS_DIR, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const profilePath = (suite: Suite) => path.join(RESULTS_DIR, `${stamp}-${suite}.cpuprofile`);

/** Runs a benchmark script in a fresh Node process (its own heap, RSS and CPU time) and reads its JSON line. */
function child<T>(script: string, args: readonly (string | number)[], suite: Suite): Promise<T> {
  const prof = profile === suite ? ["--cpu-prof", `--cpu-prof-dir=${RESULTS_DIR}`, `--cpu-prof-name=${stamp}-${suite}-${[path.basename(script, ".ts"), ...args.map(String).filter((a) => /^[\w.-]+$/.test(a))].join("-")}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...NODE_FLAGS, ...prof, "--import", "tsx", path.join(BENCH_DIR, script), ...args.map(String)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} ${args.join(" ")} exited with ${code}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${script} ${args.join(" ")} printed no result`));
      }
    });
  });
}

/** Runs `f` under the inspector's CPU profiler when `suite` is the one asked for. */
async function profiled<T>(suite: Suite, f: () => Promise<T>): Promise<T> {
  if (profile !== suite) return f();
  const session = new InspectorSession();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await f();
  } finally {
    const { profile: p } = await session.post("Profiler.stop");
    writeFileSync(profilePath(suite), JSON.stringify(p));
    session.disconnect();
  }
}

const log = (s: string) => process.stderr.write(`${s}\n`);

export interface Target {
  name: string;
  value: number;
  unit: string;
  /** The figure must be at most (`max`) or at least (`min`) this. */
  limit: number;
  kind: "max" | "min";
  met: boolean;
}

export interface BenchResults {
  schema: typeof SCHEMA;
  startedAt: string;
  quick: boolean;
  machine: {
    cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: number[];
    /** Percent of all CPU time the hypervisor gave to others during the run, and during each
     * benchmark (`bench/host.ts`); null where the kernel does not say (not Linux). */
    stealPercent: number | null;
    stealPercentBy: Partial<Record<Suite, number | null>>;
  };
  decision: DecisionResult | null;
  /** `placeModel` on the scheduler's store as a rollout changes it (bench/placement.ts). */
  placement: PlacementResult | null;
  /** One per size; at the largest size of the series, the run of median wall time of `rolloutRuns`. */
  rollouts: RolloutMeasurement[];
  /** The `REPEATS` runs at the largest size of the series, each with its rollout made again
   * in the same process (`again`). */
  rolloutRuns: RolloutMeasurement[];
  rolloutExponent: { wall: number; cpu: number } | null;
  /** `seldon-sim run` on a rollout scenario file, recording what it records by default: the run
   * of median wall time of `scenarioRuns`. */
  scenario: ScenarioMeasurement | null;
  scenarioRuns: ScenarioMeasurement[];
  /** Wire rollouts and ceilings alternate (`runs` of each); the figures are their medians. */
  wire: {
    shape: LoadShape; runs: number; rollouts: RolloutMeasurement[]; ceilings: CeilingMeasurement[];
    wireLoadsPerS: number; ceilingLoadsPerS: number; ratio: number;
    /** CPU per load: the ceiling's over wire's, less sensitive than wall time to a loaded machine. */
    wireCpuMsPerLoad: number; ceilingCpuMsPerLoad: number; cpuRatio: number;
  } | null;
  fanout: { agents: number; connectWallS: number; peakRssMiB: number; baselineRssMiB: number; rssPerAgentMiB: number } | null;
  /** The same churn in `sim` and in `wire`. */
  churn: ChurnMeasurement[];
  /** Property campaigns: on `check`'s default topologies, then on mid-size ones (`MID_SIZE`). */
  properties: PropertyCampaign[];
  /** `seldon-sim check` over many seeds (the job fails on a counterexample). */
  checkSeeds: { seeds: number[]; runs: number; seconds: number; failures: string[] } | null;
  targets: Target[];
}

export interface PropertyCampaign {
  topology: "default" | "mid-size";
  /** The case limits the cases were generated with (`CaseLimits`). */
  limits: CaseLimits;
  cases: number;
  properties: number;
  seconds: number;
  casesPerS: number;
  /** Means over the generated cases: server replicas, models, timeline steps. */
  meanReplicas: number;
  meanModels: number;
  meanSteps: number;
}

/**
 * Mid-size topologies for the property campaign: up to 2 namespaces of 2 Servers with up to 6
 * replicas each, up to 16 models and 12 timeline steps (with faults). `check`'s defaults make
 * cases of a replica or two; these are what `seldon-sim check --replicas 6 --models 16 --steps 12`
 * generates.
 */
const MID_SIZE: CaseLimits = { ...DEFAULT_LIMITS, replicas: 6, models: 16, steps: 12 };

/** Wire rollouts and ceilings, alternating: the figures are medians of this many of each. */
const WIRE_RUNS = 3;
/** The measurements a target is judged on are made this many times; the median one is judged. */
const REPEATS = 3;

/** The measurement of median wall time (an odd count of them: one that was measured). */
function medianRun<T extends { wallS: number }>(runs: readonly T[]): T {
  return [...runs].sort((a, b) => a.wallS - b.wallS)[(runs.length - 1) >> 1]!;
}

const sizes = quick
  ? { decision: [10, 100, 1000, 10000], decisionMs: 150, rollouts: [[10, 10, 500], [10, 10, 1000], [10, 10, 2000]] as const, big: [] as (readonly [number, number, number])[],
      wire: [10, 10, 1000] as const, fanout: 100, churn: [10, 10, 500] as const, cases: 10, scenario: [10, 10, 1000] as const }
  : { decision: [10, 100, 1000, 10000], decisionMs: 500, rollouts: [[100, 10, 2500], [100, 10, 5000], [100, 10, 10000]] as const, big: [[1000, 10, 100000]] as (readonly [number, number, number])[],
      wire: [10, 10, 2000] as const, fanout: 1000, churn: [100, 10, 10000] as const, cases: 50, scenario: [100, 10, 10000] as const };

const results: BenchResults = {
  schema: SCHEMA,
  startedAt: new Date().toISOString(),
  quick,
  machine: {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, platform: `${os.platform()} ${os.arch()}`, loadAverage: os.loadavg(),
    stealPercent: null, stealPercentBy: {},
  },
  decision: null, placement: null, rollouts: [], rolloutRuns: [], rolloutExponent: null, scenario: null, scenarioRuns: [], wire: null, fanout: null, churn: [], properties: [], checkSeeds: null, targets: [],
};

const runStart = readCpuTimes();
let suiteStart: { suite: Suite; at: CpuTimes | null } | null = null;
/** Notes the host's stolen CPU time for the benchmark that ran last, and starts counting for `next`. */
function stealFrom(next: Suite | null): void {
  if (suiteStart !== null) results.machine.stealPercentBy[suiteStart.suite] = stealPercent(suiteStart.at, readCpuTimes());
  suiteStart = next === null ? null : { suite: next, at: readCpuTimes() };
}

const target = (name: string, value: number, unit: string, kind: "max" | "min", limit: number) =>
  results.targets.push({ name, value, unit, kind, limit, met: kind === "max" ? value <= limit : value >= limit });

if (wanted("decision")) {
  stealFrom("decision");
  log("decision cost ...");
  results.decision = await profiled("decision", () => benchDecision(sizes.decision, sizes.decisionMs));
  const at1000 = results.decision.rows.filter((r) => r.serverReplicas === 1000);
  for (const r of at1000) {
    target(`decision at 1,000 replicas (${r.servers} × ${r.replicasPerServer}${r.explained ? ", explained" : ""}), median`, r.medianUs, "µs", "max", r.explained ? 200 : 20);
  }
  log("placement from the scheduler's store ...");
  results.placement = await benchPlacement(sizes.decision, sizes.decisionMs);
  for (const r of results.placement.rows.filter((p) => p.serverReplicas === 1000)) {
    target(`placement from the store at 1,000 replicas (${r.servers} × ${r.replicasPerServer}), median`, r.medianUs, "µs", "max", 20);
  }
}

if (wanted("rollout")) {
  stealFrom("rollout");
  const judged = sizes.rollouts[sizes.rollouts.length - 1]!;
  for (const size of [...sizes.rollouts, ...sizes.big]) {
    const [servers, replicas, models] = size;
    if (size === judged) {
      log(`rollout in sim: ${servers * replicas} agents, ${models} models, ${REPEATS} times, each made again in its process ...`);
      for (let i = 0; i < REPEATS; i++) results.rolloutRuns.push(await child<RolloutMeasurement>("rollout-child.ts", ["sim", servers, replicas, models, "again"], "rollout"));
      results.rollouts.push(medianRun(results.rolloutRuns));
    } else {
      log(`rollout in sim: ${servers * replicas} agents, ${models} models ...`);
      results.rollouts.push(await child<RolloutMeasurement>("rollout-child.ts", ["sim", servers, replicas, models], "rollout"));
    }
  }
  const series = results.rollouts.filter((r) => r.agents === sizes.rollouts[0]![0] * sizes.rollouts[0]![1]);
  results.rolloutExponent = {
    wall: growthExponent(series.map((r) => ({ x: r.models, y: r.wallS }))),
    cpu: growthExponent(series.map((r) => ({ x: r.models, y: r.cpuS }))),
  };
  const largest = series[series.length - 1];
  if (largest && !quick) {
    target(`rollout ${largest.models} models / ${largest.agents} agents, wall`, largest.wallS, "s", "max", 2);
    target(`rollout ${largest.models} models / ${largest.agents} agents, peak RSS`, largest.peakRssMiB, "MiB", "max", 1024);
  }
  target("rollout growth exponent (CPU time)", results.rolloutExponent.cpu, "", "max", 1.1);
}

if (wanted("scenario")) {
  stealFrom("scenario");
  const [servers, replicas, models] = sizes.scenario;
  log(`seldon-sim run: a scenario of ${servers * replicas} agents and ${models} models, ${REPEATS} times ...`);
  for (let i = 0; i < REPEATS; i++) results.scenarioRuns.push(await child<ScenarioMeasurement>("scenario-child.ts", [servers, replicas, models], "scenario"));
  results.scenario = medianRun(results.scenarioRuns);
  if (!quick) {
    target(`seldon-sim run, ${models} models / ${servers * replicas} agents, wall`, results.scenario.wallS, "s", "max", 2);
    target(`seldon-sim run, ${models} models / ${servers * replicas} agents, peak RSS`, results.scenario.peakRssMiB, "MiB", "max", 1024);
  }
}

if (wanted("wire")) {
  stealFrom("wire");
  const [servers, replicas, models] = sizes.wire;
  log(`wire: ${servers * replicas} agents, ${models} models, and grpc-js's ceiling, ${WIRE_RUNS} times each, alternating ...`);
  const shape = await measureLoadShape();
  const loads = replicaLoads(models);
  const rollouts: RolloutMeasurement[] = [];
  const ceilings: CeilingMeasurement[] = [];
  for (let run = 0; run < WIRE_RUNS; run++) {
    rollouts.push(await child<RolloutMeasurement>("rollout-child.ts", ["wire", servers, replicas, models], "wire"));
    ceilings.push(await child<CeilingMeasurement>("ceiling-child.ts", [JSON.stringify(shape), loads, servers * replicas], "wire"));
  }
  const wireLoadsPerS = median(rollouts.map((r) => loads / r.wallS));
  const ceilingLoadsPerS = median(ceilings.map((c) => c.loadsPerS));
  const wireCpuMsPerLoad = median(rollouts.map((r) => (r.cpuS * 1000) / loads));
  const ceilingCpuMsPerLoad = median(ceilings.map((c) => c.cpuMsPerLoad));
  results.wire = {
    shape, runs: WIRE_RUNS, rollouts, ceilings, wireLoadsPerS, ceilingLoadsPerS, ratio: wireLoadsPerS / ceilingLoadsPerS,
    wireCpuMsPerLoad, ceilingCpuMsPerLoad, cpuRatio: ceilingCpuMsPerLoad / wireCpuMsPerLoad,
  };
  target("wire loads/s ÷ grpc-js ceiling", results.wire.ratio, "", "min", 0.6);
}

if (wanted("fanout")) {
  stealFrom("fanout");
  log(`fan-out: ${sizes.fanout} agent streams in wire ...`);
  const many = await child<RolloutMeasurement>("rollout-child.ts", ["wire", sizes.fanout / 10, 10, 0], "fanout");
  const one = await child<RolloutMeasurement>("rollout-child.ts", ["wire", 1, 1, 0], "fanout");
  results.fanout = {
    agents: sizes.fanout, connectWallS: many.connectWallS, peakRssMiB: many.peakRssMiB, baselineRssMiB: one.peakRssMiB,
    rssPerAgentMiB: (many.peakRssMiB - one.peakRssMiB) / (sizes.fanout - 1),
  };
}

if (wanted("churn")) {
  stealFrom("churn");
  const [servers, replicas, models] = sizes.churn;
  for (const runtime of ["sim", "wire"] as const) {
    log(`churn in ${runtime}: a tenth of ${servers * replicas} agents restart under ${models} models ...`);
    results.churn.push(await child<ChurnMeasurement>("churn-child.ts", [runtime, servers, replicas, models], "churn"));
  }
}

if (wanted("properties")) {
  stealFrom("properties");
  const props = BUILTIN_PROPERTIES.filter((p) => p.name !== "sim-wire-agree");
  await profiled("properties", async () => {
    for (const [topology, limits] of [["default", DEFAULT_LIMITS], ["mid-size", MID_SIZE]] as const) {
      log(`property campaign: ${sizes.cases} generated cases on ${topology} topologies ...`);
      const cases = fc.sample(caseArb(limits), { numRuns: sizes.cases, seed: 1 });
      const t0 = performance.now();
      for (const c of cases) await runCase(c, props);
      const seconds = (performance.now() - t0) / 1000;
      const mean = (f: (c: (typeof cases)[number]) => number) => cases.reduce((a, c) => a + f(c), 0) / cases.length;
      results.properties.push({
        topology, limits, cases: sizes.cases, properties: props.length, seconds, casesPerS: sizes.cases / seconds,
        meanReplicas: mean((c) => c.servers.reduce((a, x) => a + x.replicas, 0)), meanModels: mean((c) => c.models.length), meanSteps: mean((c) => c.timeline.length),
      });
    }
  });
  // `check` over many seeds: the ones that once found counterexamples, then 1000, 1001, ...
  const seeds = [2, 856323342, 856197015, ...Array.from({ length: Number(values["check-seeds"] ?? (quick ? 1 : 5)) }, (_, i) => 1000 + i)];
  const runs = Number(values["check-runs"] ?? (quick ? 40 : 300));
  log(`check over ${seeds.length} seeds × ${runs} cases ...`);
  const failures: string[] = [];
  const t0 = performance.now();
  for (const seed of seeds) {
    const report = await checkProperties({ properties: props, runs, seed, counterexampleDir: "counterexamples" });
    if (report.failed) failures.push(`seed ${seed}: ${report.counterexample?.violations.map((v) => `${v.property}: ${v.message}`).join("; ")}`);
  }
  results.checkSeeds = { seeds, runs, seconds: (performance.now() - t0) / 1000, failures };
}

stealFrom(null);
results.machine.stealPercent = stealPercent(runStart, readCpuTimes());

// ------------------------------------------------------------------------------------------
// Report

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(digits)) : "–");
const rows: string[][] = [["benchmark", "size", "figure", "ratio / target"]];
if (results.decision) {
  for (const r of results.decision.rows) {
    rows.push([
      `decision${r.explained ? ", explained" : ""}`, `${r.servers} × ${r.replicasPerServer}`,
      `median ${fmt(r.medianUs)} µs, p99 ${fmt(r.p99Us)} µs; nothing reused ${fmt(r.coldMedianUs)} / ${fmt(r.coldP99Us)} µs` +
        (r.readMedianUs === null ? "" : `; explanation read ${fmt(r.readMedianUs)} / ${fmt(r.readP99Us ?? NaN)} µs`),
      r.serverReplicas === 1000 ? `${fmt(r.medianUs / (r.explained ? 200 : 20))} × target` : "",
    ]);
  }
  for (const e of results.decision.exponents) {
    rows.push([`decision growth${e.explained ? ", explained" : ""}`, `servers × ${e.replicasPerServer}`, `exponent ${fmt(e.exponent)}`, ""]);
  }
}
if (results.placement) {
  for (const r of results.placement.rows) {
    rows.push([
      "placement from the store", `${r.servers} × ${r.replicasPerServer}`, `median ${fmt(r.medianUs)} µs, p99 ${fmt(r.p99Us)} µs`,
      r.serverReplicas === 1000 ? `${fmt(r.medianUs / 20)} × target` : "",
    ]);
  }
  for (const e of results.placement.exponents) rows.push(["placement growth", `servers × ${e.replicasPerServer}`, `exponent ${fmt(e.exponent)}`, ""]);
}
/** "median 2.61 s (2.50–2.93)" over the repeated runs, or the one figure. */
const spread = (values: readonly number[], unit: string) =>
  values.length < 2 ? `${fmt(values[0]!)} ${unit}` : `median ${fmt(median(values))} ${unit} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
for (const r of results.rollouts) {
  const runs = results.rolloutRuns.includes(r) ? results.rolloutRuns : [r];
  rows.push([
    "rollout, sim", `${r.agents} agents, ${r.models} models`,
    `${spread(runs.map((x) => x.wallS), "s wall")}, ${fmt(r.cpuS)} s CPU, ${fmt(r.messagesPerS)} msg/s, ${fmt(r.speedUp)}× virtual, ${fmt(r.peakRssMiB)} MiB`,
    r.agents >= 1000 && r.models === 10000 ? `${fmt(r.wallS / 2)} × 2 s target` : "",
  ]);
  const again = runs.flatMap((x) => (x.again ? [x.again] : []));
  if (again.length > 0) {
    rows.push([
      "rollout, sim, made again", `${r.agents} agents, ${r.models} models`,
      `${spread(again.map((a) => a.wallS), "s wall")}, median ${fmt(median(again.map((a) => a.cpuS)))} s CPU: the same rollout in the same process, its code compiled`, "",
    ]);
  }
}
if (results.rolloutExponent) rows.push(["rollout growth", "sim", `exponent ${fmt(results.rolloutExponent.cpu)} CPU, ${fmt(results.rolloutExponent.wall)} wall`, "target ≤ 1.1"]);
if (results.scenario) {
  const r = results.scenario;
  const runs = results.scenarioRuns.length > 0 ? results.scenarioRuns : [r];
  const passed = runs.every((x) => x.passed);
  rows.push(["seldon-sim run", `${r.agents} agents, ${r.models} models`, `${passed ? "passed" : "FAILED"}, ${spread(runs.map((x) => x.wallS), "s wall")}, ${fmt(r.cpuS)} s CPU, ${fmt(r.peakRssMiB)} MiB`, ""]);
}
if (results.wire) {
  const w = results.wire;
  const size = `${w.rollouts[0]!.agents} agents, ${w.rollouts[0]!.models} models`;
  rows.push(["wire vs grpc-js", size, `${fmt(w.wireLoadsPerS)} loads/s vs ${fmt(w.ceilingLoadsPerS)} loads/s (medians of ${w.runs})`, `ratio ${fmt(w.ratio)} (target ≥ 0.6)`]);
  rows.push(["wire vs grpc-js, CPU", size, `${fmt(w.wireCpuMsPerLoad)} vs ${fmt(w.ceilingCpuMsPerLoad)} ms CPU per load`, `ratio ${fmt(w.cpuRatio)}`]);
}
if (results.fanout) {
  const f = results.fanout;
  rows.push(["fan-out, wire", `${f.agents} agents`, `${fmt(f.connectWallS)} s to connect, ${fmt(f.rssPerAgentMiB, 3)} MiB per agent`, ""]);
}
for (const c of results.churn) {
  rows.push([`churn, ${c.runtime}`, `${c.restarted}/${c.agents} agents restart, ${c.models} models`, `${fmt(c.recoveryVirtualS)} s virtual, ${fmt(c.recoveryWallS)} s wall to all available`, ""]);
}
for (const p of results.properties) {
  rows.push([
    `property campaign, ${p.topology}`, `${p.cases} cases, ${p.properties} properties`,
    `${fmt(p.casesPerS)} cases/s (a case: ${fmt(p.meanReplicas, 1)} server replicas, ${fmt(p.meanModels, 1)} models, ${fmt(p.meanSteps, 1)} steps on average)`, "",
  ]);
}
if (results.checkSeeds) {
  const c = results.checkSeeds;
  rows.push(["check over seeds", `${c.seeds.length} seeds × ${c.runs} cases`, `${fmt(c.seconds)} s`, c.failures.length === 0 ? "all held" : `${c.failures.length} seed(s) FAILED`]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
console.log();
for (const f of results.checkSeeds?.failures ?? []) console.log(`check failed: ${f}`);
if ((results.checkSeeds?.failures.length ?? 0) > 0) process.exitCode = 1;
for (const t of results.targets) {
  console.log(`${t.met ? "MET    " : "NOT MET"} ${t.name}: ${fmt(t.value)}${t.unit ? ` ${t.unit}` : ""} (${t.kind === "max" ? "≤" : "≥"} ${t.limit}${t.unit ? ` ${t.unit}` : ""})`);
}

const stolen = results.machine.stealPercent;
if (stolen !== null) {
  const by = Object.entries(results.machine.stealPercentBy).filter((e): e is [string, number] => e[1] !== null).map(([k, v]) => `${k} ${fmt(v, 1)}%`);
  console.log(`\nhost: ${fmt(stolen, 1)}% of the CPU time went to other guests during the run${by.length > 0 ? ` (${by.join(", ")})` : ""}${stolen >= 5 ? "; wall and CPU times are longer than this machine gives alone" : ""}`);
}

const json = JSON.stringify(results, null, 2);
writeFileSync(path.join(RESULTS_DIR, `${stamp}.json`), json);
// latest.json and latest.svg are the figures the docs quote: only a run of every benchmark replaces them.
const complete = values.only === undefined;
if (complete) writeFileSync(path.join(RESULTS_DIR, "latest.json"), json);
if (complete) {
  const svg = await renderChart(results.decision?.rows ?? [], results.placement?.rows ?? [], results.rollouts, `seldon-sim ${quick ? "(--quick) " : ""}${results.startedAt.slice(0, 10)}, ${results.machine.cpus} × ${results.machine.cpuModel}`);
  writeFileSync(path.join(RESULTS_DIR, "latest.svg"), svg);
}
console.log(`\nresults: ${path.relative(process.cwd(), path.join(RESULTS_DIR, `${stamp}.json`))}${complete ? " (and latest.json, latest.svg)" : ""}${profile ? `; CPU profile of ${profile} in ${path.relative(process.cwd(), RESULTS_DIR)}` : ""}`);
