/**
 * What a run keeps of its trace: without messages (what `run` asks for when no output reads
 * them) everything else is kept as before, and a run with properties keeps them anyway.
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
