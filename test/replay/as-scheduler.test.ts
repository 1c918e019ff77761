import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { startScenarioServe } from "../../src/roles/serve-scenario.ts";
import { startStandaloneAgent } from "../../src/roles/standalone-agent.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";
import { replayAsScheduler } from "../../src/replay/as-scheduler.ts";

const until = async (f: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !f(); ) await new Promise((r) => setTimeout(r, 100));
  return f();
};
const scenario = () => loadScenarioFile(path.resolve("contracts/scenarios/agent.yaml"));
const ENV = { POD_NAME: "mlserver-0", MEMORY_REQUEST: "1073741824", SELDON_SERVER_CAPABILITIES: "sklearn" };
const servePorts = { scheduler: 0, agent: 0, inferenceGrpc: 0, inferenceHttp: 0 };

/** Our agent against our scheduler, until it reported iris loaded: the recording to replay. */
async function recordAgent(): Promise<RecordEntry[]> {
  let entries: RecordEntry[] = [];
  const served = await startScenarioServe({ scenario: scenario(), host: "127.0.0.1", without: ["agent"], ports: servePorts, observe: (e) => { entries = new Recorder(e).keep(); } });
  const agent = await startStandaloneAgent({
    scheduler: { host: "127.0.0.1", port: served.ports.get("seldon-mesh/seldon-scheduler-0:9005")! },
    inference: { host: "127.0.0.1", grpcPort: served.ports.get("seldon-mesh/mlserver-0:9500")!, httpPort: served.ports.get("seldon-mesh/mlserver-0:9000")! },
    env: ENV,
  });
  try {
    const loaded = () => entries.some((e) => e.method.endsWith("/AgentEvent") && (e.message as any)?.modelName === "iris" && (e.message as any)?.event === "LOADED");
    expect(await until(loaded, 30_000)).toBe(true);
  } finally {
    await agent.stop();
    await served.stop();
  }
  return [...entries];
}

/** Replays the recording's scheduler for a fresh agent with `env`, beside a fresh inference server. */
async function replayFor(entries: RecordEntry[], env: Record<string, string>) {
  const inference = await startScenarioServe({ scenario: scenario(), host: "127.0.0.1", without: ["agent"], ports: servePorts });
  const replay = await replayAsScheduler(entries, "agent", { host: "127.0.0.1", port: 0, settleMs: 500, waitMs: 10_000 });
  const agent = await startStandaloneAgent({
    scheduler: { host: "127.0.0.1", port: replay.port },
    inference: { host: "127.0.0.1", grpcPort: inference.ports.get("seldon-mesh/mlserver-0:9500")!, httpPort: inference.ports.get("seldon-mesh/mlserver-0:9000")! },
    env,
  });
  try {
    return await replay.result;
  } finally {
    await agent.stop();
    await inference.stop();
  }
}

describe("seldon-sim replay --as scheduler", () => {
  it("answers an agent from a recording: the same agent passes, one with other memory diverges at the field", async () => {
    const entries = await recordAgent();
    const same = await replayFor(entries, ENV);
    expect(same.divergence).toBeNull();
    expect(same.calls).toBeGreaterThanOrEqual(2);
    expect(same.compared).toBeGreaterThanOrEqual(2);

    const other = await replayFor(entries, { ...ENV, MEMORY_REQUEST: "2147483648" });
    expect(other.divergence).not.toBeNull();
    expect(other.divergence!.method).toMatch(/\/Subscribe$/);
    expect(other.divergence!.index).toBe(0);
    expect(other.divergence!.diff.some((l) => /memoryBytes: "1073741824" → "2147483648"/.test(l))).toBe(true);
  }, 90_000);
});
