import { beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { startScenarioServe } from "../../src/roles/serve-scenario.ts";
import { startStandaloneAgent } from "../../src/roles/standalone-agent.ts";
import { Recorder } from "../../src/recording/recorder.ts";
import type { RecordEntry } from "../../src/recording/entry.ts";
import { replayAsScheduler } from "../../src/replay/as-scheduler.ts";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";

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

/** The CLI in process, over a recording held in memory. */
function cliIO(files: Record<string, string>) {
  const out = { stdout: "", stderr: "" };
  const io: CliIO = {
    stdout: (t) => { out.stdout += t; }, stderr: (t) => { out.stderr += t; },
    readFile: (p) => { const f = files[path.basename(p)]; if (f === undefined) throw new Error(`no file ${p}`); return f; },
    writeFile: () => {}, cwd: "/",
  };
  return { io, out };
}
const jsonl = (entries: RecordEntry[]) => entries.map((e) => JSON.stringify(e)).join("\n") + "\n";

describe("seldon-sim replay --as scheduler", () => {
  let entries: RecordEntry[] = [];
  beforeAll(async () => { entries = await recordAgent(); }, 60_000);

  it("answers an agent from a recording: the same agent passes, one with other memory diverges at the field", async () => {
    const same = await replayFor(entries, ENV);
    expect(same.divergence).toBeNull();
    // the agent's Subscribe and its AgentEvents, every one it sent compared
    expect(same.calls).toBeGreaterThanOrEqual(2);
    expect(same.compared).toBeGreaterThanOrEqual(same.calls);

    const other = await replayFor(entries, { ...ENV, MEMORY_REQUEST: "2147483648" });
    expect(other.divergence).not.toBeNull();
    expect(other.divergence!.method).toMatch(/\/Subscribe$/);
    expect(other.divergence!.index).toBe(0);
    expect(other.divergence!.diff.some((l) => /memoryBytes: "1073741824" → "2147483648"/.test(l))).toBe(true);
  }, 90_000);

  it("the command listens for the agent and prints the first divergence: other capabilities, exit 1", async () => {
    const { io, out } = cliIO({ "trace.jsonl": jsonl(entries) });
    const inference = await startScenarioServe({ scenario: scenario(), host: "127.0.0.1", without: ["agent"], ports: servePorts });
    const code = main(["replay", "trace.jsonl", "--as", "scheduler", "--for", "agent", "--listen", "127.0.0.1:0"], io);
    try {
      expect(await until(() => /on 127\.0\.0\.1:\d+/.test(out.stderr), 10_000)).toBe(true);
      const port = Number(/on 127\.0\.0\.1:(\d+)/.exec(out.stderr)![1]);
      const agent = await startStandaloneAgent({
        scheduler: { host: "127.0.0.1", port },
        inference: { host: "127.0.0.1", grpcPort: inference.ports.get("seldon-mesh/mlserver-0:9500")!, httpPort: inference.ports.get("seldon-mesh/mlserver-0:9000")! },
        env: { ...ENV, SELDON_SERVER_CAPABILITIES: "sklearn,xgboost" },
      });
      try {
        expect(await code).toBe(1);
      } finally {
        await agent.stop();
      }
    } finally {
      await inference.stop();
    }
    expect(out.stdout).toMatch(/^replay: first divergence in Subscribe \(recorded call \d+\), message 0:\n/);
    expect(out.stdout).toMatch(/capabilities\[1\]: \(missing\) → "xgboost"/);
  }, 60_000);

  it("bad flags are one error line and exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["--as", "scheduler", "--against", "127.0.0.1:9005"], /--against does not apply to --as scheduler .* use --listen HOST:PORT/],
      [["--as", "scheduler", "--listen", "nowhere"], /--listen expects HOST:PORT, got "nowhere"/],
      [["--as", "scheduler", "--for", "mlserver"], /--for expects agent or controller, got "mlserver"/],
      [["--as", "agent", "--listen", "127.0.0.1:1"], /--listen applies only to --as scheduler/],
      [["--as", "planner"], /--as expects agent, controller or scheduler, got "planner"/],
    ];
    for (const [flags, msg] of cases) {
      const { io, out } = cliIO({ "trace.jsonl": jsonl(entries) });
      expect(await main(["replay", "trace.jsonl", ...flags], io)).toBe(2);
      expect(out.stderr).toMatch(msg);
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
    }
    // a served cluster's recording holds our controller's calls beside the agent's
    expect(entries.some((e) => e.method.startsWith("/seldon.mlops.scheduler.Scheduler/"))).toBe(true);
    const { io, out } = cliIO({ "both.jsonl": jsonl(entries) });
    expect(await main(["replay", "both.jsonl", "--as", "scheduler"], io)).toBe(2);
    expect(out.stderr).toMatch(/both\.jsonl: holds both agent and controller calls; say which is under test with --for/);
  });
});

describe("seldon-sim replay --as scheduler, for a controller", () => {
  it("answers a controller's calls as recorded, and names the field of a changed LoadModel", async () => {
    const grpc = await import("@grpc/grpc-js");
    const protoLoader = await import("@grpc/proto-loader");
    const { PROTO_FILES, PROTO_LOAD_OPTIONS } = await import("../../src/proto/index.ts");
    const { startServe } = await import("../../src/cli/commands/serve.ts");
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS)) as any;
    const ns = "seldon-mesh";
    type Call = [string, object];
    const conversation = (replicas: number): Call[] => [
      ["ServerNotify", { servers: [{ name: "mlserver", expectedReplicas: 1, shared: true }], isFirstSync: true }],
      ["LoadModel", { model: { meta: { name: "iris" }, modelSpec: { uri: "gs://x", requirements: ["sklearn"] }, deploymentSpec: { replicas } } }],
      ["UnloadModel", { model: { name: "never-loaded" } }],
    ];
    const play = async (port: number, calls: Call[]) => {
      const c = new pkg.seldon.mlops.scheduler.Scheduler(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const codes: number[] = [];
      for (const [m, req] of calls) codes.push(await new Promise<number>((r) => c[m](req, (err: any) => r(err ? err.code : 0))));
      c.close();
      return codes;
    };
    let entries: RecordEntry[] = [];
    const served = await startServe({ host: "127.0.0.1", namespace: ns, schedulerPort: 0, agentPort: 0, servers: [], inferenceGrpcPort: 0, inferenceHttpPort: 0, awaitController: true, observe: (e) => { entries = new Recorder(e).keep(); } });
    let recordedCodes: number[];
    try {
      recordedCodes = await play(served.ports.get(`${ns}/seldon-scheduler-0:9004`)!, conversation(1));
    } finally {
      await served.stop();
    }
    // the scheduler's refusal to unload an unknown model is in the recording, and comes back from it
    expect(recordedCodes.at(-1)).not.toBe(grpc.status.OK);

    const same = await replayAsScheduler(entries, "controller", { host: "127.0.0.1", port: 0, settleMs: 300, waitMs: 5_000 });
    expect(await play(same.port, conversation(1))).toEqual(recordedCodes);
    const r = await same.result;
    expect(r.divergence).toBeNull();
    expect(r.compared).toBe(3);

    const changed = await replayAsScheduler(entries, "controller", { host: "127.0.0.1", port: 0, settleMs: 300, waitMs: 5_000 });
    await play(changed.port, conversation(2));
    const d = (await changed.result).divergence;
    expect(d?.method).toMatch(/\/LoadModel$/);
    expect(d?.diff).toEqual(["model.deploymentSpec.replicas: 1 → 2"]);
  }, 30_000);
});
