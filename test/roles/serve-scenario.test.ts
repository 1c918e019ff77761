import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { startScenarioServe } from "../../src/roles/serve-scenario.ts";
import { startStandaloneAgent } from "../../src/roles/standalone-agent.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";

const until = async (f: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !f(); ) await new Promise((r) => setTimeout(r, 100));
  return f();
};

describe("serve a scenario with roles left out", () => {
  it("a scenario's cluster without its agent: a separate agent joins on our ports and loads the timeline's model", async () => {
    const scenario = loadScenarioFile(path.resolve("contracts/scenarios/agent.yaml"));
    let entries: RecordEntry[] = [];
    const served = await startScenarioServe({
      scenario, host: "127.0.0.1", without: ["agent"],
      ports: { scheduler: 0, agent: 0, inferenceGrpc: 0, inferenceHttp: 0 },
      observe: (e) => { entries = new Recorder(e).keep(); },
    });
    const agent = await startStandaloneAgent({
      scheduler: { host: "127.0.0.1", port: served.ports.get("seldon-mesh/seldon-scheduler-0:9005")! },
      inference: { host: "127.0.0.1", grpcPort: served.ports.get("seldon-mesh/mlserver-0:9500")!, httpPort: served.ports.get("seldon-mesh/mlserver-0:9000")! },
      env: { POD_NAME: "mlserver-0", MEMORY_REQUEST: "1073741824", SELDON_SERVER_CAPABILITIES: "sklearn" },
    });
    try {
      // our own agent of that pod is not running; the outside one subscribed and loaded iris
      expect(served.session.agent("seldon-mesh", "mlserver-0")).toBeNull();
      const loaded = () => entries.some((e) => e.from.startsWith("outside ") && e.method.endsWith("/AgentEvent") && (e.message as any)?.modelName === "iris" && (e.message as any)?.event === "LOADED");
      expect(await until(loaded, 30_000)).toBe(true);
      expect(entries.some((e) => e.from.startsWith("outside ") && e.method.endsWith("/RepositoryModelLoad") && (e.message as any)?.model_name === "iris_1")).toBe(true);
    } finally {
      await agent.stop();
      await served.stop();
    }
  }, 60_000);
});
