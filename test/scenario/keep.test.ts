/**
 * A run keeps what its caller reads: the story printed from a run that keeps only what the story
 * shows is the story of a run that keeps everything, for each `--logs`, on scenarios whose
 * stories show pods, traffic, explanations, an agent's last error and log warnings.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { keepingFor } from "../../src/scenario/keep.ts";
import { renderStory, type StoryOptions } from "../../src/cli/render/story.ts";
import { PLAIN } from "../../src/cli/render/terminal.ts";
import { parseScenario } from "../../src/scenario/parse.ts";

const bundled = (p: string) => fileURLToPath(new URL(`../../scenarios/${p}`, import.meta.url));

const SCENARIOS = [
  "consultation/06-no-replica-connected.yaml",
  "corpus/04-agent-dies-while-model-loading.yaml",
  "traffic/01-evicted-model-reloaded-on-demand.yaml",
  "consultation/04-zero-memory.yaml",
  "corpus/03-schedule-failed-model-can-be-deleted.yaml",
];

describe("a run that keeps only what the story reads", () => {
  for (const file of SCENARIOS) {
    it(`tells the same story as one that keeps everything: ${file}`, async () => {
      const scenario = loadScenarioFile(bundled(file));
      const full = await runScenario(scenario, { runtime: "sim", messages: false });
      for (const logs of ["all", "warnings", "none"] as const) {
        const lean = await runScenario(scenario, { runtime: "sim", messages: false, reads: { story: logs } });
        const o: StoryOptions = { terminal: PLAIN, logs, matrix: true, cwd: "/" };
        expect(renderStory(lean, o)).toBe(renderStory(full, o));
        expect(lean.kept.events).toBe("read");
        const levels = lean.kept.logLevels;
        if (levels === "all") expect(lean.logs).toEqual(full.logs);
        else expect(lean.logs).toEqual(full.logs.filter((l) => levels.includes(l.level)));
        expect(lean.trace.length).toBeLessThan(full.trace.length);
      }
    });
  }

  it("keeps only the story's levels when no expectation reads others", async () => {
    const scenario = loadScenarioFile(bundled("corpus/03-schedule-failed-model-can-be-deleted.yaml"));
    const lean = await runScenario(scenario, { runtime: "sim", messages: false, reads: { story: "warnings" } });
    expect(lean.kept.logLevels).toEqual(["warning", "error", "fatal"]);
    expect(lean.logs.length).toBeGreaterThan(0);
    expect(lean.logs.every((l) => ["warning", "error", "fatal"].includes(l.level))).toBe(true);
  });
});

const SCENARIO = (expect: string, timeline = "") => parseScenario(`
cluster:
  namespaces: [seldon-mesh]
  servers:
    - {name: mlserver, replicas: 1, memory: 1Gi}
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Server
    metadata: {name: mlserver}
    spec: {serverConfig: mlserver, replicas: 1}
${timeline}settle: 30s
expect:
${expect}`, "keep.yaml", () => "");

describe("what a run keeps", () => {
  it("is everything for a caller that reads everything, or for a run with properties", () => {
    const s = SCENARIO("  models: []\n");
    expect(keepingFor(s, "everything", false)).toEqual({ events: "all", logLevels: "all", decisions: true });
    expect(keepingFor(s, "verdicts", true)).toEqual({ events: "all", logLevels: "all", decisions: true });
  });

  it("adds the levels log expectations name to the story's", () => {
    const s = SCENARIO("  logs:\n    - {component: agent, contains: x, level: info}\n");
    expect(keepingFor(s, { story: "warnings" }, false)).toEqual({ events: "read", logLevels: ["warning", "error", "fatal", "info"], decisions: true });
    expect(keepingFor(s, { story: "none" }, false)).toEqual({ events: "read", logLevels: ["error", "fatal", "info"], decisions: true });
    expect(keepingFor(s, { story: "all" }, false).logLevels).toBe("all");
    expect(keepingFor(s, "verdicts", false)).toEqual({ events: "none", logLevels: ["info"], decisions: false });
  });

  it("is every line when a timeline step waits for a log line", () => {
    const s = SCENARIO("  models: []\n", "timeline:\n  - wait: {for: {log: {component: agent, contains: Starting}}, timeout: 10s}\n");
    expect(keepingFor(s, "verdicts", false).logLevels).toBe("all");
    expect(keepingFor(s, { story: "none" }, false).logLevels).toBe("all");
  });
});
