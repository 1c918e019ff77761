/**
 * A scenario's `install` decides the server pods' defaults as the v2.9.0 Helm chart and the
 * operator's kustomize manifests set them.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../src/scenario/runner.ts";

async function run(install: string | null): Promise<ScenarioResult> {
  const text = `${install ? `install: ${install}\n` : ""}cluster:
  namespaces: [seldon-mesh]
  servers: [{name: mlserver, replicas: 1}]
settle: 10s
expect:
  servers: [{server: mlserver, connectedReplicas: 1}]
`;
  return runScenario(parseScenario(text, "install.yaml", () => ""), { runtime: "sim" });
}

const agentLines = (r: ScenarioResult) => r.logs.filter((l) => l.role === "agent").map((l) => l.msg);

describe("install defaults", () => {
  it("helm (the default): agent log level info, MEMORY_REQUEST from MLServer's 1Gi request, the chart's timing variables", async () => {
    for (const r of [await run(null), await run("helm")]) {
      const lines = agentLines(r);
      expect(lines).toContain("Setting log-level from SELDON_LOG_LEVEL to info");
      expect(lines).toContain("Setting memory request from env MEMORY_REQUEST with value 1073741824");
      expect(lines).toContain("Setting inference lag threshold from env SELDON_MODEL_INFERENCE_LAG_THRESHOLD with value 30");
      expect(lines).toContain("Setting inactive model seconds threshold from env SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD with value 600");
      expect(lines).toContain("Setting scaling stats period seconds from env SELDON_SCALING_STATS_PERIOD_SECONDS with value 20");
      expect(lines.some((l) => l.includes("SELDON_MAX_LOAD_RETRY_COUNT"))).toBe(true);
      expect(r.servers[0]!.replicas[0]!.totalMemoryBytes).toBe(1073741824n);
    }
  });

  it("kustomize: agent log level warn, MEMORY_REQUEST 500M, no timing variables set", async () => {
    const r = await run("kustomize");
    const lines = agentLines(r);
    expect(lines).toContain("Setting log-level from SELDON_LOG_LEVEL to warn");
    expect(lines).toContain("Setting memory request from env MEMORY_REQUEST with value 500000000");
    expect(lines).toContain("Setting inference lag threshold from env SELDON_MODEL_INFERENCE_LAG_THRESHOLD with value 30");
    expect(lines.some((l) => l.includes("SELDON_MAX_LOAD_RETRY_COUNT"))).toBe(false);
    expect(r.servers[0]!.replicas[0]!.totalMemoryBytes).toBe(500000000n);
  });

  it("refuses an install it does not know, with the valid ones", () => {
    expect(() => parseScenario("install: operator\n", "i.yaml", () => "")).toThrow(/install.*`operator`.*(helm|kustomize)/s);
  });
});

describe("the scheduler's ready timeout", () => {
  // A Server of replicas 0 is announced as expecting one replica that never connects, so the
  // start-up synchroniser only releases scheduling when the ready timeout passes.
  const stalled = (top: string) => `${top}
cluster: {controller: seldon-system}
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: SeldonRuntime, metadata: {name: seldon, namespace: seldon-mesh}, spec: {seldonConfig: default}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver, namespace: seldon-mesh}, spec: {serverConfig: mlserver, replicas: 1}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: spare, namespace: seldon-mesh}, spec: {serverConfig: mlserver, replicas: 0}}
timeline:
  - wait: {for: {log: {component: scheduler, contains: "Scheduler is ready"}}, timeout: 15m}
settle: 1s
`;
  const readyAt = async (top: string): Promise<number> => {
    const r = await runScenario(parseScenario(stalled(top), "ready.yaml", () => ""), { runtime: "sim" });
    const line = r.logs.find((l) => l.role === "scheduler" && l.msg === "Scheduler is ready");
    expect(line, "the scheduler became ready").toBeDefined();
    return line!.t;
  };

  it("comes from the install (600 s with both), and a scenario's scheduler.readyTimeoutSeconds replaces it", async () => {
    const helm = await readyAt("install: helm");
    expect(await readyAt("install: kustomize")).toBe(helm);
    expect(helm).toBeGreaterThanOrEqual(600_000);
    // Only the timeout moves the moment scheduling is released.
    expect(helm - (await readyAt("scheduler: {readyTimeoutSeconds: 45}"))).toBe(555_000);
  });

  it("refuses a timeout that is not whole seconds", () => {
    expect(() => parseScenario("scheduler: {readyTimeoutSeconds: 1.5}\n", "r.yaml", () => "")).toThrow(/readyTimeoutSeconds.*whole seconds/s);
  });
});
