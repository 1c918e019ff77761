/**
 * What a run keeps of its trace: without messages (what `run` asks for when no output reads
 * them) everything else is kept as before; a run whose caller reads only verdicts keeps what its
 * expectations read; a run with properties keeps everything anyway.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { canonicalJson } from "../../src/core/canonical.ts";

const SCENARIO = `
cluster:
  namespaces: [seldon-mesh]
  servers:
    - {name: mlserver, replicas: 2, memory: 1Gi}
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Server
    metadata: {name: mlserver}
    spec: {serverConfig: mlserver, replicas: 2}
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: iris}
    spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn], replicas: 1, memory: 100Mi}
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: big}
    spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn], replicas: 1, memory: 5Gi}
settle: 30s
expect:
  models:
    - {model: iris, state: ModelAvailable}
    - {model: big, state: ScheduleFailed}
`;

const scenario = (extra = "") => parseScenario(`${SCENARIO}${extra}`, "recorded.yaml", () => "");

describe("a run without messages in its trace", () => {
  it("keeps every other event, the logs, the verdicts and the explanations as a run with them", async () => {
    const full = await runScenario(scenario(), { runtime: "sim" });
    const lean = await runScenario(scenario(), { runtime: "sim", messages: false });
    expect(full.messages).toBe(true);
    expect(lean.messages).toBe(false);
    expect(full.trace.some((ev) => ev.type === "message")).toBe(true);
    expect(lean.trace.some((ev) => ev.type === "message")).toBe(false);
    const text = (evs: readonly unknown[]) => evs.map((ev) => canonicalJson(ev));
    expect(text(lean.trace)).toEqual(text(full.trace.filter((ev) => ev.type !== "message")));
    expect(lean.logs.map((l) => canonicalJson(l))).toEqual(full.logs.map((l) => canonicalJson(l)));
    expect(lean.expectations).toEqual(full.expectations);
    expect(lean.passed).toBe(true);
    expect([...lean.explanations]).toEqual([...full.explanations]);
    expect([...lean.explanations.keys()]).toEqual(["seldon-mesh/big"]);
    expect(lean.kubectlModels).toBe(full.kubectlModels);
  });

  it("is not made when the run has properties, which read messages", async () => {
    const r = await runScenario(scenario("  properties: [same-seed-same-trace]\n"), { runtime: "sim", messages: false });
    expect(r.messages).toBe(true);
    expect(r.trace.some((ev) => ev.type === "message")).toBe(true);
  });
});

describe("a run whose caller reads only the verdicts", () => {
  const WITH_EXPECTATIONS = (expectYaml: string) => parseScenario(`${SCENARIO}${expectYaml}`, "verdicts.yaml", () => "");

  it("keeps no trace, no log line and no decision, and judges as a run that keeps them", async () => {
    const full = await runScenario(scenario(), { runtime: "sim" });
    const lean = await runScenario(scenario(), { runtime: "sim", messages: false, reads: "verdicts" });
    expect(lean.kept).toEqual({ events: "none", logLevels: [], decisions: false });
    expect(full.kept).toEqual({ events: "all", logLevels: "all", decisions: true });
    expect(lean.trace).toEqual([]);
    expect(lean.logs).toEqual([]);
    expect(lean.history.size).toBe(0);
    expect(full.history.size).toBeGreaterThan(0);
    expect(lean.expectations).toEqual(full.expectations);
    expect(lean.passed).toBe(true);
    expect(lean.kubectlModels).toBe(full.kubectlModels);
  });

  it("keeps the log lines its log expectations read, only of the levels they name", async () => {
    const logs = `  logs:
    - {component: scheduler, contains: "Failed to schedule model", level: warning}
    - {component: scheduler, absent: "no such line anywhere", level: error}
`;
    const full = await runScenario(WITH_EXPECTATIONS(logs), { runtime: "sim" });
    const lean = await runScenario(WITH_EXPECTATIONS(logs), { runtime: "sim", messages: false, reads: "verdicts" });
    expect(lean.kept.logLevels).toEqual(["warning", "error"]);
    expect(lean.expectations).toEqual(full.expectations);
    expect(lean.logs.length).toBeGreaterThan(0);
    const wanted = full.logs.filter((l) => l.level === "warning" || l.level === "error");
    expect(lean.logs.map((l) => canonicalJson(l))).toEqual(wanted.map((l) => canonicalJson(l)));
    // A failing one fails the same way.
    const failing = `  logs:\n    - {component: scheduler, contains: "Failed to schedule model", level: error}\n`;
    const f1 = await runScenario(WITH_EXPECTATIONS(failing), { runtime: "sim" });
    const f2 = await runScenario(WITH_EXPECTATIONS(failing), { runtime: "sim", reads: "verdicts" });
    expect(f1.passed).toBe(false);
    expect(f2.expectations).toEqual(f1.expectations);
  });

  it("keeps every line when a log expectation names no level", async () => {
    const lean = await runScenario(WITH_EXPECTATIONS(`  logs:\n    - {component: agent, contains: "Starting"}\n`), { runtime: "sim", reads: "verdicts" });
    expect(lean.kept).toEqual({ events: "none", logLevels: "all", decisions: false });
    const full = await runScenario(scenario(), { runtime: "sim" });
    expect(lean.logs.map((l) => canonicalJson(l))).toEqual(full.logs.map((l) => canonicalJson(l)));
  });

  it("keeps the decisions for rejection expectations and the trace for placement ones", async () => {
    const rejections = `  rejections:\n    - {model: big, server: mlserver, filter: AvailableMemoryReplicaFilter, replica: 0}\n`;
    const r = await runScenario(WITH_EXPECTATIONS(rejections), { runtime: "sim", reads: "verdicts" });
    expect(r.kept).toEqual({ events: "none", logLevels: [], decisions: true });
    expect(r.passed).toBe(true);
    const placements = `  placements:\n    - {model: iris, decisions: [{server: mlserver, replicas: [0]}]}\n`;
    const full = await runScenario(WITH_EXPECTATIONS(placements), { runtime: "sim" });
    const p = await runScenario(WITH_EXPECTATIONS(placements), { runtime: "sim", reads: "verdicts" });
    expect(p.kept).toEqual({ events: "read", logLevels: [], decisions: false });
    expect(p.logs).toEqual([]);
    expect(p.trace.every((ev) => ev.type === "lifecycle" || ev.type === "observe")).toBe(true);
    expect(p.expectations).toEqual(full.expectations);
  });

  it("keeps everything when the run has properties", async () => {
    const r = await runScenario(scenario("  properties: [same-seed-same-trace]\n"), { runtime: "sim", messages: false, reads: "verdicts" });
    expect(r.kept).toEqual({ events: "all", logLevels: "all", decisions: true });
    expect(r.trace.some((ev) => ev.type === "message")).toBe(true);
  });
});

describe("a model's last decision", () => {
  it("is the newest of its decisions, for the explanation and the story", async () => {
    const yaml = `
cluster:
  namespaces: [seldon-mesh]
  servers:
    - {name: mlserver, replicas: 1, memory: 1Gi}
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Server
    metadata: {name: mlserver}
    spec: {serverConfig: mlserver, replicas: 1}
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: big}
    spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn], replicas: 1, memory: 5Gi}
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: iris}
    spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn], replicas: 1, memory: 100Mi}
timeline:
  - at: 10s
    scale: {server: mlserver, replicas: 2}
settle: 60s
`;
    const r = await runScenario(parseScenario(yaml, "last.yaml", () => ""), { runtime: "sim", messages: false });
    const history = r.history.get("seldon-mesh/big")!;
    expect(history.length).toBeGreaterThan(1);
    const last = history[history.length - 1]!;
    expect(r.decisions.get("seldon-mesh/big")).toBe(last);
    expect(last.snapshot.servers[0]!.replicas.length).toBeGreaterThan(history[0]!.snapshot.servers[0]!.replicas.length);
  });
});
