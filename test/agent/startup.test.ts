import { describe, expect, it } from "vitest";
import { goRpcError, Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { CONNECTION_REFUSED, Driver, FakeInferenceServer, MIN, newAgent, setup } from "./harness.ts";

describe("start-up, happy path", () => {
  it("ServerLive, then index and unload what the server has, then Subscribe", () => {
    const server = new FakeInferenceServer({ old_1: "READY", stale_3: "UNAVAILABLE", loading_2: "LOADING" });
    const { d } = setup({}, { server });
    d.start();
    d.runFor(10);

    const methods = d.calls.map((c) => c.method);
    expect(methods).toEqual([
      M.inference.ServerLive,
      M.inference.RepositoryIndex,
      M.inference.RepositoryModelUnload,
      M.inference.RepositoryModelUnload,
      M.agent.Subscribe,
      M.agent.ModelScalingTrigger,
    ]);
    // Only READY and LOADING models are unloaded.
    expect(d.callsTo(M.inference.RepositoryModelUnload).map((c) => c.request)).toEqual([{ model_name: "old_1" }, { model_name: "loading_2" }]);
    expect(server.loaded.has("stale_3")).toBe(true);
    expect(d.agent.state).toBe("subscribed");
  });

  it("puts a 1 minute deadline on ServerLive and RepositoryIndex", () => {
    const { d } = setup();
    d.start();
    expect(d.callsTo(M.inference.ServerLive)[0]!.deadlineMs).toBe(MIN);
    expect(d.callsTo(M.inference.RepositoryIndex)[0]!.deadlineMs).toBe(MIN);
  });

  it("subscribes with the replica config, shared, no models and memory plus over-commit", () => {
    const { d } = setup({ SELDON_SERVER_CAPABILITIES: "mlserver,sklearn", SELDON_REVERSE_PROXY_HTTP_PORT: "9001", SELDON_REVERSE_PROXY_GRPC_PORT: "9501" });
    d.start();
    const sub = d.callsTo(M.agent.Subscribe)[0]!;
    expect(sub.target).toBe("seldon-scheduler.seldon-mesh:9005");
    expect(sub.deadlineMs).toBeUndefined();
    expect(sub.request).toEqual({
      serverName: "mlserver",
      shared: true,
      replicaIdx: 0,
      replicaConfig: {
        inferenceSvc: "mlserver-0",
        inferenceHttpPort: 9001,
        inferenceGrpcPort: 9501,
        memoryBytes: 1_000_000,
        capabilities: ["mlserver", "sklearn"],
        overCommitPercentage: 10,
      },
      loadedModels: [],
      availableMemoryBytes: 1_100_000,
    });
  });

  it("logs Subscribed to scheduler once the stream is open, with the client's fields", () => {
    const { d } = setup();
    d.start();
    expect(d.logs("Subscribed to scheduler")).toEqual([]);
    d.runFor(10);
    expect(d.logs("Subscribed to scheduler")).toEqual([{ at: 1, level: "info", msg: "Subscribed to scheduler", fields: { Name: "Client", func: "StartService" } }]);
    expect(d.logs("Unloading any existing models")[0]!.fields).toEqual({ Name: "Client", func: "waitReady" });
    expect(d.observations("agent.lifecycle").map((o) => o.to)).toEqual([
      "waitingForInferenceServer",
      "unloadingExistingModels",
      "subscribing",
      "subscribed",
    ]);
  });

  it("starting twice is a bug and throws", () => {
    const { d } = setup();
    d.start();
    expect(() => d.start()).toThrow(/START is not allowed/);
  });

  it("at SELDON_LOG_LEVEL=warn the info lines are not printed, the errors are", () => {
    const server = new FakeInferenceServer();
    server.down = CONNECTION_REFUSED;
    const { d } = setup({ SELDON_LOG_LEVEL: "warn" }, { server });
    d.start();
    d.runFor(5_000);
    server.down = undefined;
    d.runFor(MIN);
    expect(d.agent.state).toBe("subscribed");
    expect(d.logs("Subscribed to scheduler")).toEqual([]);
    expect(d.logs("Inference server not ready").length).toBeGreaterThan(0);
  });
});

describe("start-up, inference server unreachable", () => {
  function run(seed: number): Driver {
    const server = new FakeInferenceServer();
    server.down = CONNECTION_REFUSED;
    const { d } = setup({}, { server, seed });
    d.start();
    d.runUntil(20 * MIN);
    return d;
  }

  it("logs Seldon's error with the gRPC error on every failed round and never subscribes", () => {
    const d = run(1);
    const lines = d.logs("Inference server not ready");
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(l.level).toBe("error");
      expect(l.fields).toEqual({ Name: "Client", func: "waitReady", error: goRpcError(CONNECTION_REFUSED) });
    }
    expect(lines[0]!.fields!.error).toBe(
      'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.42.0.70:9500: connect: connection refused"',
    );
    expect(d.callsTo(M.agent.Subscribe)).toEqual([]);
    expect(d.callsTo(M.inference.RepositoryIndex)).toEqual([]);
  });

  it("retries each ServerLive 5 times 100/200/400/800 ms apart (the connection's retry interceptor)", () => {
    const d = run(1);
    const at = d.callsTo(M.inference.ServerLive).map((c) => c.at);
    expect(at.slice(0, 5)).toEqual([0, 100, 300, 700, 1500]);
    // The first back-off (500 ms ± 50%) follows the failed round.
    expect(at[5]! - at[4]!).toBeGreaterThanOrEqual(250);
    expect(at[5]! - at[4]!).toBeLessThanOrEqual(750);
  });

  it("backs off exponentially between rounds, capped at 60 s", () => {
    const d = run(3);
    const rounds = d.logs("Inference server not ready").map((l) => l.at);
    const gaps = rounds.slice(1).map((t, i) => t - rounds[i]!);
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]! * 5);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(90_000 + 1_500);
  });

  it("gives up within 15 virtual minutes with Seldon's fatal line and exit status 1", () => {
    const d = run(1);
    expect(d.exit?.code).toBe(1);
    expect(d.exit!.at).toBeLessThanOrEqual(15 * MIN);
    expect(d.exit!.at).toBeGreaterThan(13 * MIN);
    const fatal = d.logs("Failed to wait for all agent dependent services to be ready");
    expect(fatal).toEqual([{ at: d.exit!.at, level: "fatal", msg: "Failed to wait for all agent dependent services to be ready", fields: { error: goRpcError(CONNECTION_REFUSED) } }]);
    expect(d.logs("Failed to wait for inference server to be ready")[0]!.level).toBe("error");
    expect(d.agent.state).toBe("exited");
    // Nothing happens after the exit.
    expect(d.effects.at(-1)!.effect.kind).toBe("observe");
    expect(d.agent.handle({ kind: "timer", timer: "anything" }, d.now + 1)).toEqual([]);
  });

  it("is deterministic for a seed, and the seed drives the jitter", () => {
    expect(run(7).effects).toEqual(run(7).effects);
    expect(run(7).effects).not.toEqual(run(8).effects);
  });

  it("counts an answer of live=false as not ready", () => {
    const server = new FakeInferenceServer();
    server.live = false;
    const { d } = setup({}, { server });
    d.start();
    d.runFor(2_000);
    expect(d.logs("Inference server not ready")[0]!.fields!.error).toBe("Server not ready");
    // One call per round: live=false is an answer, not an error to retry.
    expect(d.callsTo(M.inference.ServerLive).length).toBeLessThan(5);
  });

  it("a RepositoryIndex failure after ServerLive is fatal at once", () => {
    const server = new FakeInferenceServer();
    const respond = server.respond;
    const d = new Driver(newAgent({}), (m, r, dd) =>
      m === M.inference.RepositoryIndex ? { status: { code: Status.INTERNAL, details: "index broken" } } : respond(m, r, dd),
    );
    d.start();
    expect(d.exit?.code).toBe(1);
    expect(d.logs("Failed to wait for all agent dependent services to be ready")[0]!.fields).toEqual({ error: "rpc error: code = Internal desc = index broken" });
  });

  it("comes up once the inference server starts answering", () => {
    const server = new FakeInferenceServer();
    server.down = CONNECTION_REFUSED;
    const { d } = setup({}, { server });
    d.start();
    d.runUntil(2 * MIN);
    expect(d.agent.state).toBe("waitingForInferenceServer");
    server.down = undefined;
    d.runUntil(4 * MIN);
    expect(d.agent.state).toBe("subscribed");
    expect(d.exit).toBeUndefined();
  });
});
