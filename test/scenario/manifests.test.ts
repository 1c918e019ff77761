/**
 * Pasted manifests honoured field by field: a Server's podSpec reaches the agent as the operator
 * merges it, a SeldonRuntime's overrides apply as the operator applies them, and every field
 * that has no effect in the simulation is named in a warning.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";

const SERVER = `
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Server
    metadata: {name: mlserver, namespace: team-a}
    spec:
      serverConfig: mlserver
      imageOverrides: {agent: {image: my/agent:2.9.0}}
      podSpec:
        nodeSelector: {pool: gpu}
        containers:
          - name: agent
            image: my/agent:2.9.0
            env:
              - {name: SELDON_LOG_LEVEL, value: info}
              - {name: SELDON_LOG_LEVEL, value: debug}
              - {name: SELDON_OVERCOMMIT_PERCENTAGE, value: "0"}
              - {name: MY_FLAG, value: "1"}
              - name: SELDON_SCHEDULER_HOST
                valueFrom: {configMapKeyRef: {name: c, key: k}}
          - name: mlserver
            resources: {requests: {memory: 300Mi, cpu: "1"}}
settle: 10s
`;

const load = (text: string) => parseScenario(text, "m.yaml", () => "");

describe("a Server's podSpec", () => {
  it("reaches the agent as the operator merges it: env appended (the later entry wins), the inference container's memory request", async () => {
    const r = await runScenario(load(`cluster: {namespaces: [team-a]}\n${SERVER}`), { runtime: "sim" });
    const agent = r.logs.filter((l) => l.role === "agent").map((l) => l.msg);
    expect(agent).toContain("Setting log-level from SELDON_LOG_LEVEL to debug");
    expect(agent).toContain("Setting overcommit percentage from env SELDON_OVERCOMMIT_PERCENTAGE with value 0");
    expect(r.servers[0]!.replicas[0]!.totalMemoryBytes).toBe(300n * 1024n * 1024n);
  });

  it("names every field that has no effect here", () => {
    const w = load(`cluster: {namespaces: [team-a]}\n${SERVER}`).warnings.map((x) => `${x.path}: ${x.message}`);
    const about = (path: string) => w.filter((x) => x.startsWith(`resources[0].${path}:`));
    expect(about("spec.podSpec.nodeSelector")).toHaveLength(1);
    expect(about("spec.podSpec.containers[0].image")).toHaveLength(1);
    expect(about("spec.podSpec.containers[0].env[3]")[0]).toContain("the v2.9.0 agent does not read `MY_FLAG`");
    expect(about("spec.podSpec.containers[0].env[4].valueFrom")[0]).toContain("`SELDON_SCHEDULER_HOST` comes from `valueFrom`");
    expect(about("spec.podSpec.containers[1].resources.requests.cpu")).toHaveLength(1);
    expect(about("spec.imageOverrides")).toHaveLength(1);
    expect(w).toHaveLength(6);
  });

  it("a plain Server gives no warning", () => {
    expect(load(`cluster: {namespaces: [team-a]}\nresources: [{apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver, namespace: team-a}, spec: {serverConfig: mlserver}}]\n`).warnings).toEqual([]);
  });
});

const runtime = (overrides: string) => `
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: SeldonRuntime
    metadata: {name: seldon, namespace: team-a}
    spec:
      seldonConfig: default
      overrides: ${overrides}
settle: 5s
`;

describe("a SeldonRuntime's overrides", () => {
  it("disable: true on seldon-scheduler leaves the namespace without a scheduler", async () => {
    const s = load(runtime("[{name: seldon-scheduler, disable: true}]"));
    expect(s.cluster.namespaces).toEqual([{ name: "team-a", runtime: false }]);
    expect(s.warnings).toEqual([]);
    const enabled = load(runtime("[{name: seldon-scheduler, replicas: 1}]"));
    expect(enabled.cluster.namespaces).toEqual([{ name: "team-a", runtime: true }]);
  });

  it("an override naming no SeldonConfig component is reported as the operator ignores it", () => {
    const w = load(runtime("[{name: mlserver, replicas: 1}, {name: seldon-envoy, replicas: 2}]")).warnings;
    expect(w.map((x) => x.path)).toEqual(["resources[0].spec.overrides[0].name", "resources[0].spec.overrides[1]"]);
    expect(w[0]!.message).toContain("`mlserver` names no component of the SeldonConfig");
    expect(w[0]!.message).toContain("the operator ignores this override");
    expect(w[1]!.message).toContain("component `seldon-envoy` is not simulated");
  });
});
