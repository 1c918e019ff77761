import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { BUNDLED_SCENARIOS, findScenarioFiles } from "../../src/cli/commands/run.ts";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";

const files = findScenarioFiles([BUNDLED_SCENARIOS], process.cwd());

function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  const i = x.findIndex((line, k) => line !== y[k]);
  return i < 0 ? `wire has ${y.length - x.length} more events` : `event ${i}: sim ${x[i]} | wire ${y[i]}`;
}

describe("bundled scenarios", () => {
  it("are found in scenarios/ and its subfolders, and manifests folders are not taken for scenarios", () => {
    expect(files.length).toBeGreaterThanOrEqual(17);
    const folders = new Set(files.map((f) => path.relative(BUNDLED_SCENARIOS, path.dirname(f))));
    expect(folders).toContain("consultation");
    expect(folders).toContain("multi-namespace");
    expect(files.some((f) => f.includes(`${path.sep}manifests${path.sep}`))).toBe(false);
  });

  for (const file of files) {
    const rel = path.relative(BUNDLED_SCENARIOS, file);
    it(`${rel} passes in sim and in wire, with the same trace`, async () => {
      const scenario = loadScenarioFile(file);
      const sim = await runScenario(scenario, { runtime: "sim" });
      const failed = (r: typeof sim) => r.expectations.filter((e) => !e.passed).map((e) => `${e.description}: ${e.actual}`);
      expect(sim.error).toBeNull();
      expect(failed(sim)).toEqual([]);
      const wire = await runScenario(scenario, { runtime: "wire" });
      expect(wire.error).toBeNull();
      expect(failed(wire)).toEqual([]);
      const outcome = (r: typeof sim) => r.models.map((m) => `${m.namespace}/${m.name}:${m.version} ${m.state} ${m.ready} ${m.availableReplicas} ${JSON.stringify(m.replicaStates)}`);
      expect(outcome(wire)).toEqual(outcome(sim));
      // Every message, log line and state change at the same virtual time, in the same order;
      // only the peer addresses differ (real ephemeral ports in wire).
      const trace = (r: typeof sim) => r.traceText.replace(/"peer":"[^"]*",?/g, "");
      expect(trace(wire) === trace(sim), firstDifference(trace(sim), trace(wire))).toBe(true);
    });
  }
});
