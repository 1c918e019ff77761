import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadScenarioFile, parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";
import { importScenario, readRecording } from "../../src/recording/import.ts";
import { UserError } from "../../src/core/errors.ts";

describe("seldon-sim import", () => {
  it("turns a recording into a scenario with the announced servers and the recorded order of models", async () => {
    const original = loadScenarioFile(path.resolve("contracts/scenarios/agent.yaml"));
    let entries: RecordEntry[] = [];
    await runScenario(original, { runtime: "sim", observe: (e) => { entries = new Recorder(e).keep(); } });
    const text = entries.map((e) => JSON.stringify(e)).join("\n");
    const yaml = importScenario(readRecording(text, "trace.jsonl"), "imported/agent");
    const s = parseScenario(yaml, "imported.yaml", () => "");
    expect(s.cluster.servers.map((x) => ({ name: x.name, replicas: x.replicas, memory: x.env.MEMORY_REQUEST, caps: x.env.SELDON_SERVER_CAPABILITIES }))).toEqual([
      { name: "mlserver", replicas: 1, memory: "1073741824", caps: "sklearn,xgboost,contract-capability" },
    ]);
    const steps = s.timeline.map((x) => (x.kind === "apply" ? `apply ${x.resource.metadata.name}` : x.kind === "delete" ? `delete ${x.resource.name}` : x.kind));
    expect(steps).toEqual(["apply iris", "delete iris", "apply faulty"]);
    const ats = s.timeline.map((x) => x.at!);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    // the imported scenario replays: the model applied last is placed on the imported server
    const r = await runScenario(s, { runtime: "sim" });
    expect(r.error ?? null).toBeNull();
  }, 30_000);

  it("names the file and line of a line that is not a recording entry", () => {
    expect(() => readRecording('{"method":"/a.B/C","virtualMs":1,"kind":"message"}\n{"x":1}\n', "t.jsonl")).toThrow(UserError);
    let described = "";
    try {
      readRecording('{"method":"/a.B/C","virtualMs":1,"kind":"message"}\nnot json\n', "t.jsonl");
    } catch (e) {
      described = (e as UserError).describe();
    }
    expect(described).toMatch(/^t\.jsonl:2: not JSON/);
  });
});
