/**
 * The properties over generated cases, with a budget that fits CI, and for each property a
 * planted bug it must catch within its budget.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { caseArb } from "../../src/properties/arbitraries.ts";
import { caseToScenario, caseToYaml, type PropertyCase } from "../../src/properties/case.ts";
import { BUILTIN_PROPERTIES, propertyByName } from "../../src/properties/catalog.ts";
import { checkProperties, type CheckOptions, type CheckReport } from "../../src/properties/check.ts";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import type { Scenario } from "../../src/scenario/types.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { resolveChains } from "../../src/scheduling/registry.ts";
import type { ReplicaFilter } from "../../src/scheduling/plugins.ts";
import { main } from "../../src/cli/main.ts";
import * as planted from "./planted.ts";

const prop = (name: string) => {
  const p = propertyByName(name);
  if (!p) throw new Error(`no property ${name}`);
  return p;
};

const explain = (r: CheckReport): string =>
  r.counterexample ? `${r.counterexample.violations.map((v) => `${v.property}: ${v.message}`).join("\n")}\n${caseToYaml(r.counterexample.case)}` : "";

async function check(names: string[], options: Partial<CheckOptions> & { runs: number }): Promise<CheckReport> {
  return checkProperties({ properties: names.map(prop), seed: 20251125, counterexampleDir: null, ...options });
}

describe("properties hold for the simulator as built", () => {
  it("every sim property, over generated clusters, models and fault timelines", async () => {
    const names = BUILTIN_PROPERTIES.filter((p) => p.name !== "sim-wire-agree").map((p) => p.name);
    const report = await check(names, { runs: 250 });
    expect(report.failed, explain(report)).toBe(false);
    expect(report.runs).toBe(250);
    // The generator reaches the interesting shapes.
    expect(Object.keys(report.sizes.faults ?? {}).map(Number).some((n) => n >= 3)).toBe(true);
    expect(Object.keys(report.sizes.models ?? {}).map(Number).some((n) => n >= 4)).toBe(true);
  }, 300_000);

  it("sim and wire agree on sampled cases", async () => {
    const arbitrary = caseArb({ steps: 4, models: 3 }).filter((c) => c.models.length > 0 && c.servers.some((s) => s.replicas > 0));
    const report = await check(["sim-wire-agree"], { runs: 6, arbitrary });
    expect(report.failed, explain(report)).toBe(false);
    expect(report.runs).toBe(6);
  });

  it("every generated case is a valid scenario file", () => {
    for (const c of fc.sample(caseArb(), { numRuns: 300, seed: 7 })) {
      const s = caseToScenario(c, ["views-agree"]);
      expect(s.expect.properties).toEqual(["views-agree"]);
      expect(s.resources.filter((r) => r.kind === "Model")).toHaveLength(c.models.length);
    }
  });
});

const withoutPlugin = (chain: "serverFilters" | "replicaFilters" | "serverSorters" | "replicaSorters", name: string) => {
  const d = resolveChains();
  return { [chain]: d[chain].filter((p) => p.name !== name) };
};

/** AvailableMemoryReplicaFilter as if reserved memory did not exist. */
const ignoresReserved: ReplicaFilter = {
  kind: "replicaFilter",
  name: "AvailableMemoryReplicaFilter",
  filter: (model, replica) => model.memoryBytes <= replica.availableMemoryBytes || replica.loadedModels.includes(model.name),
  reason: () => "ignores reserved memory",
};

/** Generated cases where two tenants' servers exist and team-b's agents dial team-a's scheduler. */
const misdirectedAgents = caseArb().filter((c) => c.namespaces.filter((n) => n.runtime).length >= 2 && c.servers.some((s) => s.namespace !== c.namespaces[0]!.name && s.replicas > 0))
  .map((c): PropertyCase => ({ ...c, servers: c.servers.map((s) => (s.namespace === c.namespaces[0]!.name ? s : { ...s, schedulerHost: `seldon-scheduler.${c.namespaces[0]!.name}` })) }));

/** Index of the first step of `c` that `pred` holds for, or -1. */
const stepIndex = (c: PropertyCase, pred: (e: PropertyCase["timeline"][number]["event"]) => boolean): number => c.timeline.findIndex((st) => pred(st.event));

/** A model of the case is updated (a new version) after step `from`. */
const updatedAfter = (c: PropertyCase, from: number): boolean =>
  c.timeline.some((st, i) => i > from && st.event.kind === "apply" && c.models.some((m) => st.event.kind === "apply" && m.name === st.event.model.name && m.namespace === st.event.model.namespace));

/** Cases where agents' calls to their inference server are refused, then a model is deleted or updated: unloads fail. */
const unloadsRefused = caseArb().filter((c) => {
  const i = stepIndex(c, (e) => e.kind === "block" && e.link === "agent-mlserver" && e.mode === "refuse");
  return i >= 0 && (updatedAfter(c, i) || c.timeline.some((st, j) => j > i && st.event.kind === "delete"));
});

/** Cases where loads start failing, then a model is updated: its new version fails to load. */
const rolloutFails = caseArb().filter((c) => {
  const i = stepIndex(c, (e) => e.kind === "inference" && e.failing);
  return i >= 0 && updatedAfter(c, i);
});

describe("each property catches a planted bug", () => {
  const cases: [string, string, Partial<CheckOptions>][] = [
    ["memory-within-capacity", "no AvailableMemoryReplicaFilter", { chains: withoutPlugin("replicaFilters", "AvailableMemoryReplicaFilter") }],
    ["memory-within-capacity", "a memory filter that ignores reserved memory", { chains: { replicaFilters: [ignoresReserved, ...resolveChains().replicaFilters.slice(1)] } }],
    ["requirements-satisfied", "no ServerRequirementsFilter", { chains: withoutPlugin("serverFilters", "ServerRequirementsFilter") }],
    ["explainer-needs-alibi-explain", "no ExplainerFilter", { chains: withoutPlugin("replicaFilters", "ExplainerFilter") }],
    ["requested-server-only", "no SharingServerFilter", { chains: withoutPlugin("serverFilters", "SharingServerFilter") }],
    ["replicas-not-exceeded", "a scheduler that adds a replica", { wrap: planted.schedulerAddsReplica }],
    ["tenant-isolation", "agents dialling another namespace's scheduler", { arbitrary: misdirectedAgents }],
    ["no-available-on-dead-agent", "a scheduler that ignores disconnects", { wrap: planted.schedulerIgnoresDisconnects }],
    ["eventually-available", "an agent that never reports LOADED", { wrap: planted.agentSwallowsEvent("LOADED") }],
    ["eventually-terminated", "an agent that never reports UNLOADED", { wrap: planted.agentSwallowsEvent("UNLOADED") }],
    ["failed-models-retried", "a scheduler that never retries failed models", { wrap: planted.schedulerNeverRetries }],
    ["failed-unload-kept", "a scheduler that takes UNLOAD_FAILED for UNLOADED", { wrap: planted.schedulerTreatsUnloadFailedAsUnloaded, arbitrary: unloadsRefused }],
    ["rollout-keeps-last-available", "a scheduler that unloads older versions when a new one fails", { wrap: planted.schedulerDropsOldVersionOnFailure, arbitrary: rolloutFails }],
    ["views-agree", "an MLServer that keeps unloaded models", { wrap: planted.mlserverIgnoresUnload }],
    ["status-stream-agrees", "a scheduler that never streams ModelAvailable", { wrap: planted.schedulerHidesAvailable }],
    ["matches-reference", "no ReplicaIndexSorter", { chains: withoutPlugin("replicaSorters", "ReplicaIndexSorter") }],
    ["matches-reference", "no AvailableMemoryReplicaFilter", { chains: withoutPlugin("replicaFilters", "AvailableMemoryReplicaFilter") }],
    ["same-seed-same-trace", "a scheduler using Math.random", { wrap: planted.schedulerUsesMathRandom }],
  ];
  for (const [name, bug, options] of cases) {
    // Up to 300 generated clusters, each simulated for a quarter of an hour: minutes on a busy machine.
    it(`${name} catches ${bug}`, async () => {
      const report = await check([name], { runs: 300, ...options });
      expect(report.failed).toBe(true);
      expect(report.counterexample!.violations.map((v) => v.property)).toContain(name);
    }, 300_000);
  }

  it("sim-wire-agree catches state leaking between runs", async () => {
    const report = await check(["sim-wire-agree"], { runs: 3, wrap: planted.schedulerWithGlobalCache, arbitrary: caseArb({ faults: false, steps: 0 }).filter((c) => c.models.length > 0 && c.namespaces.every((n) => n.runtime)) });
    expect(report.failed).toBe(true);
  });
});

describe("eventually-available owes what v2.9.0 promises, no more", () => {
  // big's 400Mi turns small away; deleting big frees the room, but only a subscribe retries small.
  const file = "scenarios/v2.9.0-behaviour/03-deleting-a-model-retries-nothing.yaml";
  const scaleAt = (s: Scenario) => s.timeline.findIndex((st) => st.kind === "scale");
  const judged = (s: Scenario, timeline: Scenario["timeline"]): Scenario =>
    ({ ...s, timeline, expect: { ...s.expect, models: [], properties: ["eventually-available"] } });

  it("a model turned away by a model deleted since, with no subscribe after, is not owed", async () => {
    const s = loadScenarioFile(file);
    const r = await runScenario(judged(s, s.timeline.slice(0, scaleAt(s))), { runtime: "sim" });
    expect(r.models.find((m) => m.name === "small")?.state).toBe("ScheduleFailed");
    expect(r.violations).toEqual([]);
  });

  it("once an agent subscribed after the deleted model was unloaded, it is owed", async () => {
    const s = loadScenarioFile(file);
    const r = await runScenario(judged(s, s.timeline.slice(0, scaleAt(s) + 1)), { runtime: "sim", wrap: planted.schedulerNeverRetries });
    expect(r.violations.map((v) => v.property)).toEqual(["eventually-available"]);
    expect(r.violations[0]!.message).toContain("team-a/small:1 is ScheduleFailed");
  });
});

describe("counterexamples", () => {
  it("are written as scenario files that replay the same failure with `seldon-sim run`", async () => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "cx-"));
    const chains = { serverFilters: ["ServerReplicaFilter", "SharingServerFilter", "DeletedServerFilter"] };
    const report = await checkProperties({
      properties: [prop("requirements-satisfied")],
      runs: 300,
      seed: 42,
      counterexampleDir: dir,
      arbitrary: caseArb().map((c) => ({ ...c, chains })),
    });
    expect(report.failed).toBe(true);
    const file = report.counterexample!.file!;
    expect(fs.existsSync(file)).toBe(true);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`seed ${report.counterexample!.seed}, path "${report.counterexample!.path}"`);
    // Shrunk: a small case.
    expect(report.counterexample!.case.timeline.length).toBeLessThanOrEqual(2);

    const scenario = loadScenarioFile(file);
    expect(scenario.schedulerChains).toEqual(chains);
    const replay = await runScenario(scenario, { runtime: "sim" });
    expect(replay.passed).toBe(false);
    expect(replay.violations.map((v) => v.property)).toEqual(["requirements-satisfied"]);
    expect(replay.violations[0]!.message).toBe(report.counterexample!.violations[0]!.message);

    let out = "";
    const code = await main(["run", file], { stdout: (t) => void (out += t), stderr: (t) => void (out += t), readFile: (p) => fs.readFileSync(p, "utf8"), writeFile: () => {}, cwd: process.cwd() });
    expect(code).toBe(1);
    expect(out).toContain("property requirements-satisfied");
  });

  it("the same seed gives the same cases and the same verdicts", async () => {
    const a = await check(["requested-server-only"], { runs: 40, chains: withoutPlugin("serverFilters", "SharingServerFilter") });
    const b = await check(["requested-server-only"], { runs: 40, chains: withoutPlugin("serverFilters", "SharingServerFilter") });
    expect(a.failed).toBe(true);
    expect(b.counterexample!.path).toBe(a.counterexample!.path);
    expect(caseToYaml(b.counterexample!.case)).toBe(caseToYaml(a.counterexample!.case));
  });
});

describe("plugins", () => {
  const io = (out: { text: string }) => ({
    stdout: (t: string) => void (out.text += t),
    stderr: (t: string) => void (out.text += t),
    readFile: (p: string) => fs.readFileSync(p, "utf8"),
    writeFile: () => {},
    cwd: process.cwd(),
  });

  it("a user's property checks with `seldon-sim check --plugin` and replays with `seldon-sim run --plugin`", async () => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "plugin-"));
    const out = { text: "" };
    const code = await main(["check", "--plugin", "docs/examples/at-most-two.ts", "--property", "at-most-two-on-mlserver", "--runs", "100", "--seed", "3", "--out", dir], io(out));
    expect(code, out.text).toBe(1);
    expect(out.text).toMatch(/at-most-two-on-mlserver at t=\d+ms: .* has 3 replicas on mlserver/);
    const file = fs.readdirSync(dir).map((f) => nodePath.join(dir, f))[0]!;
    expect(out.text).toContain(`replay: seldon-sim run --plugin docs/examples/at-most-two.ts ${file}`);
    const replay = { text: "" };
    expect(await main(["run", "--plugin", "docs/examples/at-most-two.ts", file], io(replay))).toBe(1);
    expect(replay.text).toContain("✗ property at-most-two-on-mlserver");
  });
});
