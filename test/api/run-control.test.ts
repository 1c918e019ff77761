import { describe, expect, it } from "vitest";
import { controlForRun } from "../../src/cli/control.ts";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../src/scenario/runner.ts";

describe("run --control-port", () => {
  it("serves the control API on the run's virtual clock, after the run until stopped", async () => {
    let out = "";
    const io = { stdout: (t: string) => void (out += t), stderr: () => {}, readFile: () => "", writeFile: () => {}, cwd: process.cwd() };
    let reported: ScenarioResult | null = null;
    const seen: Record<string, unknown> = {};
    const control = controlForRun(io, 0, (r) => (reported = r), async () => {
      const url = /control API at (\S+)/.exec(out)![1]!;
      const models = (await (await fetch(`${url}/api/models`)).json()) as { name: string; state: string }[];
      seen.state = models.find((m) => m.name === "iris")?.state;
      const before = ((await (await fetch(`${url}/api/state`)).json()) as { now: number }).now;
      const advanced = (await (await fetch(`${url}/api/time/advance`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ by: "1m" }) })).json()) as { now: number };
      seen.advancedBy = advanced.now - before;
      const d = (await (await fetch(`${url}/api/models/seldon-mesh/iris`)).json()) as { explanation: string };
      seen.explained = d.explanation.includes("ServerRequirementsFilter");
    });
    const r = await runScenario(loadScenarioFile("scenarios/faults/01-unload-never-answers.yaml"), { runtime: "sim", control });
    expect(r.passed).toBe(true);
    expect(reported).toBe(r);
    expect(seen).toEqual({ state: "ModelTerminateFailed", advancedBy: 60_000, explained: true });
  });
});
