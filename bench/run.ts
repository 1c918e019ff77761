/**
 * Benchmarks, run with `npm run bench`: how long the simulator takes to bring a large cluster's
 * models up in `sim`, the same small cluster in `sim` and in `wire` (as a ratio, measured in one
 * run), and how many generated property cases run per second. Numbers depend on the machine;
 * the ratios are what to compare between runs.
 *
 *   npm run bench -- --agents 1000 --models 10000      # the roadmap's target size
 *   npm run bench -- --check-seeds 20 --check-runs 500 # `check` over more seeds (fails the job on a counterexample)
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { Session } from "../src/cluster/session.ts";
import type { ClusterSpec, K8sResource, ServerTopology } from "../src/scenario/types.ts";
import type { RuntimeKind } from "../src/runtime/index.ts";
import { caseArb } from "../src/properties/arbitraries.ts";
import { checkProperties, runCase } from "../src/properties/check.ts";
import { BUILTIN_PROPERTIES } from "../src/properties/catalog.ts";

const origin = { file: "bench", path: "" };
const NS = "seldon-mesh";

function cluster(servers: number, replicas: number): ClusterSpec {
  const topo: ServerTopology[] = Array.from({ length: servers }, (_, i) => ({
    name: `mlserver-${i}`, namespace: NS, replicas, type: "mlserver",
    env: { MEMORY_REQUEST: String(64 * 1024 ** 3) }, agentFlags: {},
    inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false }, origin,
  }));
  return { controllerNamespace: "seldon-system", namespaces: [{ name: NS, runtime: true }], servers: topo };
}

const resource = (kind: "Model" | "Server", name: string, spec: Record<string, unknown>): K8sResource => ({
  apiVersion: "mlops.seldon.io/v1alpha1", kind, metadata: { name, namespace: NS }, spec, origin,
});

interface Result { seconds: number; available: number; events: number }

async function bringUp(runtime: RuntimeKind, servers: number, replicas: number, models: number): Promise<Result> {
  const started = performance.now();
  const s = await Session.start(cluster(servers, replicas), { runtime, seed: 1, traceMessages: false, recordDecisions: false });
  try {
    for (let i = 0; i < servers; i++) s.apply(resource("Server", `mlserver-${i}`, { serverConfig: "mlserver", replicas }));
    await s.advance(10_000); // agents connect
    for (let i = 0; i < models; i++) s.apply(resource("Model", `m-${i}`, { storageUri: `gs://models/m-${i}`, requirements: ["sklearn"], memory: "10Mi", replicas: 1 }));
    const scheduler = s.scheduler(NS)!;
    const allUp = () => [...scheduler.store.models.values()].filter((m) => m.latest()?.status.state === "ModelAvailable").length === models;
    await s.waitFor(allUp, 30 * 60_000);
    const available = [...scheduler.store.models.values()].filter((m) => m.latest()?.status.state === "ModelAvailable").length;
    return { seconds: (performance.now() - started) / 1000, available, events: s.engine.trace.length };
  } finally {
    await s.close();
  }
}

const { values } = parseArgs({ options: { agents: { type: "string" }, models: { type: "string" }, cases: { type: "string" }, "check-seeds": { type: "string" }, "check-runs": { type: "string" } } });
const agents = Number(values.agents ?? 200);
const models = Number(values.models ?? 2000);
const perServer = 10;

const rows: string[][] = [["benchmark", "size", "wall time", "rate"]];
const big = await bringUp("sim", Math.max(1, Math.round(agents / perServer)), perServer, models);
rows.push(["sim: models to Available", `${agents} agents, ${models} models`, `${big.seconds.toFixed(2)} s`, `${Math.round(big.available / big.seconds)} models/s (${big.available}/${models} available)`]);

const small = { servers: 2, replicas: 2, models: 20 };
const sim = await bringUp("sim", small.servers, small.replicas, small.models);
const wire = await bringUp("wire", small.servers, small.replicas, small.models);
rows.push(["sim vs wire: same cluster", `4 agents, 20 models`, `${sim.seconds.toFixed(2)} s / ${wire.seconds.toFixed(2)} s`, `wire takes ${(wire.seconds / sim.seconds).toFixed(1)}x sim`]);

const n = Number(values.cases ?? 100);
const cases = fc.sample(caseArb(), { numRuns: n, seed: 1 });
const props = BUILTIN_PROPERTIES.filter((p) => p.name !== "sim-wire-agree");
const t0 = performance.now();
for (const c of cases) await runCase(c, props);
const dt = (performance.now() - t0) / 1000;
rows.push(["property cases (sim)", `${n} generated cases, ${props.length} properties`, `${dt.toFixed(2)} s`, `${(n / dt).toFixed(1)} cases/s`]);

// `seldon-sim check` over many seeds: the seeds that once found counterexamples, then 1, 2, ...
const checkSeeds = [2, 856323342, 856197015, ...Array.from({ length: Number(values["check-seeds"] ?? 5) }, (_, i) => 1000 + i)];
const checkRuns = Number(values["check-runs"] ?? 300);
const failures: string[] = [];
const t1 = performance.now();
for (const seed of checkSeeds) {
  const report = await checkProperties({ properties: props, runs: checkRuns, seed, counterexampleDir: "counterexamples" });
  if (report.failed) failures.push(`seed ${seed}: ${report.counterexample?.violations.map((v) => `${v.property}: ${v.message}`).join("; ")}`);
}
const dtc = (performance.now() - t1) / 1000;
rows.push(["check over seeds (sim)", `${checkSeeds.length} seeds × ${checkRuns} cases`, `${dtc.toFixed(2)} s`, failures.length === 0 ? "all passed" : `${failures.length} seed(s) FAILED`]);

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
for (const f of failures) console.log(`check failed: ${f}`);
if (failures.length > 0) process.exitCode = 1;
