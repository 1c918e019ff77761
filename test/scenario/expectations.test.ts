/**
 * Expectations judged at other moments than the end (`at`, `during`, `never`), the Server
 * resource's status, and every placement decision of a model: each can pass and each can fail.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../src/scenario/runner.ts";

const BASE = `
cluster:
  namespaces: [seldon-mesh]
  servers:
    - {name: mlserver, replicas: 2, memory: 1Gi, inference: {loadDelay: 3s}}
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Server
    metadata: {name: mlserver}
    spec: {serverConfig: mlserver, replicas: 2}
timeline:
  - at: 10s
    apply:
      apiVersion: mlops.seldon.io/v1alpha1
      kind: Model
      metadata: {name: iris}
      spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn], replicas: 1, memory: 100Mi}
settle: 30s
`;

async function run(expectYaml: string): Promise<ScenarioResult> {
  const scenario = parseScenario(`${BASE}expect:\n${expectYaml}`, "timed.yaml", () => "");
  return runScenario(scenario, { runtime: "sim" });
}

const verdicts = (r: ScenarioResult) => r.expectations.map((e) => [e.description, e.passed, e.actual ?? ""] as const);

describe("timed state expectations", () => {
  it("judge the state at a run time, not at the end", async () => {
    const r = await run(`
  models:
    - {model: iris, state: ModelProgressing, at: 11s}
    - {model: iris, state: ModelAvailable, at: 11s}
    - {model: iris, state: ModelAvailable, at: 20s}
`);
    expect(verdicts(r).map(([, passed]) => passed)).toEqual([true, false, true]);
    expect(r.expectations[1]!.actual).toContain("at t=11000ms: state is ModelProgressing");
  });

  it("judge an interval at every input inside it", async () => {
    const r = await run(`
  models:
    - {model: iris, state: ModelAvailable, during: {from: 20s, to: 40s}}
    - {model: iris, state: ModelAvailable, during: {from: 5s, to: 40s}}
`);
    expect(verdicts(r).map(([, passed]) => passed)).toEqual([true, false]);
    expect(r.expectations[1]!.actual).toMatch(/^at t=5000ms: no such model/);
  });

  it("say when a state that must never hold did", async () => {
    const r = await run(`
  models:
    - {model: iris, state: ModelFailed, never: true}
    - {model: iris, state: ModelAvailable, never: true}
  servers:
    - {server: mlserver, connectedReplicas: 0, at: 30s}
`);
    expect(verdicts(r).map(([, passed]) => passed)).toEqual([true, false, false]);
    expect(r.expectations[1]!.actual).toMatch(/^it held at t=1\d{4}ms$/);
  });

  it("fail when the run ends before the moment", async () => {
    const r = await run(`
  models:
    - {model: iris, state: ModelAvailable, at: 10m}
`);
    expect(r.expectations[0]!.passed).toBe(false);
    expect(r.expectations[0]!.actual).toBe("the run ended at t=40000ms, before t=600000ms");
  });
});

describe("the Server resource's status", () => {
  it("is checked as the controller writes it", async () => {
    const r = await run(`
  servers:
    - server: mlserver
      status: {ready: true, replicas: 2, loadedModels: 1}
    - server: mlserver
      status: {loadedModels: 2}
`);
    expect(verdicts(r).map(([, passed]) => passed)).toEqual([true, false]);
    expect(r.expectations[1]!.actual).toBe("Server resource loaded models is 1");
  });
});

describe("placement decisions", () => {
  it("are compared one by one, in order", async () => {
    const r = await run(`
  placements:
    - model: iris
      decisions: [{server: mlserver, replicas: [0]}]
    - model: iris
      decisions: [{server: mlserver, replicas: [1]}]
    - model: iris
      decisions: [{failed: Failed to schedule model as no matching servers are available}]
`);
    expect(verdicts(r).map(([, passed]) => passed)).toEqual([true, false, false]);
    expect(r.expectations[1]!.actual).toBe("decisions were: mlserver [0]");
  });
});

describe("loading", () => {
  it("refuses two moments for one expectation, and an interval that ends before it starts", () => {
    const load = (y: string) => () => parseScenario(`${BASE}expect:\n${y}`, "t.yaml", () => "");
    expect(load(`  models:\n    - {model: iris, state: ModelAvailable, at: 1s, never: true}\n`)).toThrow(/`at` and `never` both say when to check/);
    expect(load(`  models:\n    - {model: iris, state: ModelAvailable, during: {from: 2s, to: 1s}}\n`)).toThrow(/ends \(1s\) before it starts \(2s\)/);
    expect(load(`  models:\n    - {model: iris, at: 1s}\n`)).toThrow(/checks at least one of/);
    expect(load(`  placements:\n    - {model: iris, decisions: [{server: mlserver, replicas: [0], failed: x}]}\n`)).toThrow(/not both/);
  });
});

describe("log expectations: how many lines, and when", () => {
  const judged = async (line: string) => (await run(`  logs:\n    - ${line}\n`)).expectations[0]!;

  it("count holds for exactly that many matching lines and says how many there were", async () => {
    // One load request for the one replica of iris.
    const request = `component: scheduler, contains: "Sending load model request for iris"`;
    expect((await judged(`{${request}, count: 1}`)).passed).toBe(true);
    const two = await judged(`{${request}, count: 2}`);
    expect(two.passed).toBe(false);
    expect(two.actual).toMatch(/^1 such line\(s\), at t=1\d{4}ms$/);
  });

  it("after and before keep to a window of run time", async () => {
    const request = `component: scheduler, contains: "Sending load model request for iris"`;
    expect((await judged(`{${request}, after: 10s}`)).passed).toBe(true);
    expect((await judged(`{${request}, before: 10s}`)).passed).toBe(false);
    expect((await judged(`{${request}, after: 5s, before: 10s}`)).passed).toBe(false);
    expect((await judged(`{component: scheduler, absent: "Sending load model request for iris", before: 10s}`)).passed).toBe(true);
  });

  it("refuses count with absent and a window that ends before it starts", () => {
    const parse = (line: string) => () => parseScenario(`${BASE}expect:\n  logs:\n    - ${line}\n`, "l.yaml", () => "");
    expect(parse(`{component: agent, absent: x, count: 2}`)).toThrow(/`count` goes with `contains`/);
    expect(parse(`{component: agent, contains: x, after: 10s, before: 5s}`)).toThrow(/`before` must be later than `after`/);
  });
});
