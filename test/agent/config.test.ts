import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentConfigFromEnv, replicaConfig, serverConfigAgentEnv } from "../../src/agent/config.ts";
import { UserError } from "../../src/core/errors.ts";
import { MemoryLedger } from "../../src/agent/state.ts";
import { M, PROTOS_DIR, roundTripRequest } from "../../src/proto/index.ts";

const MLSERVER_CAPS = ["mlserver", "alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn", "spark-mlib", "xgboost"];
const TRITON_CAPS = ["triton", "dali", "fil", "onnx", "openvino", "python", "pytorch", "tensorflow", "tensorrt"];

function expectUserError(f: () => unknown, ...mentions: string[]): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UserError);
  for (const m of mentions) expect((caught as Error).message).toContain(m);
}

describe("agentConfigFromEnv: defaults of the agent binary", () => {
  const c = agentConfigFromEnv({}, "mlserver-0");

  it("takes server name and replica index from the pod name", () => {
    expect(c.serverName).toBe("mlserver");
    expect(c.replicaIdx).toBe(0);
    expect(c.inferenceSvcName).toBe("mlserver-0");
  });

  it("uses the flag defaults: 1,000,000 bytes, sklearn+xgboost, no over-commit, mlserver", () => {
    expect(c.memoryBytes).toBe(1_000_000);
    expect(c.capabilities).toEqual(["sklearn", "xgboost"]);
    expect(c.overCommitPercentage).toBe(0);
    expect(c.serverType).toBe("mlserver");
    expect(c.repositoryHandler).toBe("mlserver");
    expect(c.logLevel).toBe("debug");
  });

  it("uses the default hosts and ports", () => {
    expect([c.schedulerHost, c.schedulerPort, c.schedulerTlsPort]).toEqual(["0.0.0.0", 9005, 9055]);
    expect([c.inferenceHost, c.inferenceHttpPort, c.inferenceGrpcPort]).toEqual(["0.0.0.0", 8080, 9500]);
    expect([c.reverseProxyHttpPort, c.reverseProxyGrpcPort]).toEqual([9999, 9998]);
  });

  it("uses v2.9.0's timings, including the 30 s readiness period main.go actually wires", () => {
    expect(c.timing).toEqual({
      readyCheckPeriodMs: 30_000,
      periodReadySubServiceSeconds: 60,
      maxElapsedReadyBeforeStartMs: 15 * 60_000,
      maxElapsedReadyAfterStartMs: 30_000,
      maxLoadElapsedMs: 120 * 60_000,
      maxUnloadElapsedMs: 15 * 60_000,
      maxLoadRetryCount: 5,
      maxUnloadRetryCount: 1,
      unloadGraceMs: 2_000,
    });
  });

  it("logs what it read as the real cli does", () => {
    const msgs = c.configLog.map((l) => l.msg);
    expect(msgs).toContain("Server Capabilities [sklearn xgboost]");
    expect(msgs).toContain("Got server name and index from POD_NAME with value mlserver-0. Server name:mlserver Replica Idx:0");
    expect(c.configLog).toContainEqual({ level: "warning", msg: "No value set for server-type" });
  });
});

describe("agentConfigFromEnv: the shipped ServerConfigs", () => {
  it("MLServer's capabilities, over-commit and ports come from the ServerConfig env", () => {
    const c = agentConfigFromEnv({ ...serverConfigAgentEnv("mlserver"), MEMORY_REQUEST: "2147483648" }, "mlserver-1");
    expect(c.capabilities).toEqual(MLSERVER_CAPS);
    expect(c.overCommitPercentage).toBe(10);
    expect(c.memoryBytes).toBe(2147483648);
    expect([c.inferenceHttpPort, c.inferenceGrpcPort]).toEqual([9000, 9500]);
    expect([c.reverseProxyHttpPort, c.reverseProxyGrpcPort]).toEqual([9001, 9501]);
    expect(c.schedulerHost).toBe("seldon-scheduler");
    expect(c.logLevel).toBe("warning");
    expect(c.replicaIdx).toBe(1);
  });

  it("Triton's list and repository handler", () => {
    const c = agentConfigFromEnv(serverConfigAgentEnv("triton"), "triton-2");
    expect(c.capabilities).toEqual(TRITON_CAPS);
    expect(c.repositoryHandler).toBe("triton");
    expect([c.serverName, c.replicaIdx]).toEqual(["triton", 2]);
  });
});

describe("agentConfigFromEnv: parsing rules", () => {
  it("splits capabilities on commas and trims each with Go's TrimSpace", () => {
    expect(agentConfigFromEnv({ SELDON_SERVER_CAPABILITIES: " sklearn , xgboost ,mlflow" }, "m-0").capabilities).toEqual(["sklearn", "xgboost", "mlflow"]);
    expect(agentConfigFromEnv({ SELDON_SERVER_CAPABILITIES: "a,,b" }, "m-0").capabilities).toEqual(["a", "", "b"]);
    expect(agentConfigFromEnv({ SELDON_SERVER_CAPABILITIES: "\u00a0torch\u0085" }, "m-0").capabilities).toEqual(["torch"]);
    // An empty variable counts as unset.
    expect(agentConfigFromEnv({ SELDON_SERVER_CAPABILITIES: "" }, "m-0").capabilities).toEqual(["sklearn", "xgboost"]);
  });

  it("splits the pod name at its last dash", () => {
    const c = agentConfigFromEnv({}, "my-fancy-server-12");
    expect([c.serverName, c.replicaIdx]).toEqual(["my-fancy-server", 12]);
  });

  it("keeps the defaults when the pod name has no dash or is empty", () => {
    const c = agentConfigFromEnv({}, "mlserver");
    expect([c.serverName, c.replicaIdx]).toEqual(["mlserver", 0]);
    expect(c.configLog.map((l) => l.msg)).toContain("Can't decypher pod name to find last dash and index. mlserver");
    const e = agentConfigFromEnv({}, "");
    expect([e.serverName, e.replicaIdx, e.inferenceSvcName]).toEqual(["mlserver", 0, "0.0.0.0"]);
  });

  it("a pod name whose suffix is not a number is fatal", () => {
    expectUserError(() => agentConfigFromEnv({}, "mlserver-abc"), "POD_NAME", "Failed to parse to integer POD_NAME with value abc");
    expectUserError(() => agentConfigFromEnv({}, "mlserver-"), "POD_NAME");
  });

  it("passing both --server-name and --server-idx overrides the pod name", () => {
    const c = agentConfigFromEnv({}, "mlserver-3", { serverName: "custom", serverIdx: 7 });
    expect([c.serverName, c.replicaIdx]).toEqual(["custom", 7]);
    // One of the two is not enough.
    const d = agentConfigFromEnv({}, "mlserver-3", { serverName: "custom" });
    expect([d.serverName, d.replicaIdx]).toEqual(["mlserver", 3]);
  });

  it("a passed flag wins over its env var", () => {
    const c = agentConfigFromEnv({ MEMORY_REQUEST: "5000", SELDON_SCHEDULER_PORT: "9999" }, "m-0", { memoryBytes: 123, schedulerPort: 1 });
    expect(c.memoryBytes).toBe(123);
    expect(c.schedulerPort).toBe(1);
  });

  it("v2.9.0 has no SELDON_SERVER_HOST: only --inference-host sets the inference host", () => {
    expect(agentConfigFromEnv({ SELDON_SERVER_HOST: "127.0.0.1" }, "m-0").inferenceHost).toBe("0.0.0.0");
    expect(agentConfigFromEnv({}, "m-0", { inferenceHost: "127.0.0.1" }).inferenceHost).toBe("127.0.0.1");
  });

  it("reads the timing variables", () => {
    const c = agentConfigFromEnv(
      { SELDON_MAX_LOAD_RETRY_COUNT: "3", SELDON_MAX_TIME_READY_SUB_SERVICE_AFTER_START_SECONDS: "10", SELDON_UNLOAD_GRACE_PERIOD_SECONDS: "0" },
      "m-0",
    );
    expect(c.timing.maxLoadRetryCount).toBe(3);
    expect(c.timing.readyCheckPeriodMs).toBe(10_000);
    expect(c.timing.maxElapsedReadyAfterStartMs).toBe(10_000);
    expect(c.timing.unloadGraceMs).toBe(0);
  });

  it("rejects values the real agent cannot parse, naming the variable", () => {
    expectUserError(() => agentConfigFromEnv({ MEMORY_REQUEST: "1Gi" }, "m-0"), "MEMORY_REQUEST", "whole number of bytes");
    expectUserError(() => agentConfigFromEnv({ MEMORY_REQUEST: "-5" }, "m-0"), "MEMORY_REQUEST");
    expectUserError(() => agentConfigFromEnv({ MEMORY_REQUEST: "1e9" }, "m-0"), "MEMORY_REQUEST");
    expectUserError(() => agentConfigFromEnv({ SELDON_OVERCOMMIT_PERCENTAGE: "ten" }, "m-0"), "SELDON_OVERCOMMIT_PERCENTAGE");
    expectUserError(() => agentConfigFromEnv({ SELDON_SERVER_GRPC_PORT: "95OO" }, "m-0"), "SELDON_SERVER_GRPC_PORT");
    expectUserError(() => agentConfigFromEnv({ SELDON_LOG_LEVEL: "loud" }, "m-0"), "SELDON_LOG_LEVEL", "Failed to set log level loud");
    expectUserError(() => agentConfigFromEnv({ SELDON_MAX_LOAD_RETRY_COUNT: "-1" }, "m-0"), "SELDON_MAX_LOAD_RETRY_COUNT");
    expectUserError(() => agentConfigFromEnv({ SELDON_REPLICA_CONFIG: "{nope" }, "m-0"), "SELDON_REPLICA_CONFIG");
    expectUserError(() => agentConfigFromEnv({ SELDON_REPLICA_CONFIG: '{"memory":1}' }, "m-0"), "SELDON_REPLICA_CONFIG", "unknown field");
  });

  it("accepts any server type, falling back to the MLServer handler", () => {
    const c = agentConfigFromEnv({ SELDON_SERVER_TYPE: "tensorflow-serving" }, "m-0");
    expect(c.serverType).toBe("tensorflow-serving");
    expect(c.repositoryHandler).toBe("mlserver");
  });
});

describe("replicaConfig", () => {
  it("is built from the env, with the reverse-proxy ports in place of the inference ports", () => {
    const c = agentConfigFromEnv({ ...serverConfigAgentEnv("mlserver"), MEMORY_REQUEST: "1000000" }, "mlserver-0");
    expect(replicaConfig(c)).toEqual({
      inferenceSvc: "mlserver-0",
      inferenceHttpPort: 9001,
      inferenceGrpcPort: 9501,
      memoryBytes: 1_000_000,
      capabilities: MLSERVER_CAPS,
      overCommitPercentage: 10,
    });
  });

  it("uses SELDON_REPLICA_CONFIG when set, still pointing at the proxies", () => {
    const c = agentConfigFromEnv(
      { SELDON_REPLICA_CONFIG: '{"inferenceSvc":"svc","inferenceHttpPort":1,"memoryBytes":"777","capabilities":["x"],"overCommitPercentage":5}' },
      "mlserver-0",
    );
    expect(replicaConfig(c)).toEqual({
      inferenceSvc: "svc",
      inferenceHttpPort: 9999,
      inferenceGrpcPort: 9998,
      memoryBytes: 777,
      capabilities: ["x"],
      overCommitPercentage: 5,
    });
  });

  it.skipIf(!existsSync(`${PROTOS_DIR}mlops/agent/agent.proto`))("survives the wire inside AgentSubscribeRequest", () => {
    const rc = replicaConfig(agentConfigFromEnv(serverConfigAgentEnv("mlserver"), "mlserver-0"));
    const req = { serverName: "mlserver", shared: true, replicaIdx: 0, replicaConfig: rc, loadedModels: [], availableMemoryBytes: 1 };
    // uint64 fields decode as decimal strings (exact at any size)
    expect((roundTripRequest(M.agent.Subscribe, req) as { replicaConfig: unknown }).replicaConfig).toEqual({ ...rc, memoryBytes: String(rc.memoryBytes) });
  });
});

describe("over-commit arithmetic", () => {
  it("is float32, as Go computes it", () => {
    // Exact integer maths would give 12,345,678; float32 gives 12,345,679.
    expect(Math.trunc(new MemoryLedger(123_456_789, 10).overCommitMemoryBytes)).toBe(12_345_679);
    expect(Math.trunc(new MemoryLedger(1_000_000_000, 10).overCommitMemoryBytes)).toBe(100_000_000);
    expect(new MemoryLedger(1_000_000, 10).availableWithOverCommit(0)).toBe(1_100_000);
  });

  it("reports what is left of the allowance once registered models exceed main memory", () => {
    const m = new MemoryLedger(1_000_000, 10);
    expect(m.availableWithOverCommit(1_050_000)).toBe(50_000);
    expect(m.availableWithOverCommit(1_200_000)).toBe(0);
  });
});
