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
