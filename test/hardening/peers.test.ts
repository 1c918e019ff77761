/**
 * Hostile and careless peers of a running `serve`, through the real wire (grpc-js on loopback):
 * malformed requests are refused with the field named, a second agent for a connected replica
 * waits its turn as in Seldon, and memory sizes beyond 2^53 keep Seldon's uint64 arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServe } from "../../src/cli/commands/serve.ts";
import { Status } from "../../src/core/protocol.ts";
import {
  agentClient, agentRequest, casualties, controllerClient, modelState, serverStatus, sleep, startCluster, subscribe, unary, until,
} from "./harness.ts";

let running: RunningServe;
let controller: any;
let agents: any;

beforeAll(async () => {
  running = await startCluster();
  controller = controllerClient(running);
  agents = agentClient(running);
});

afterAll(async () => {
  controller?.close();
  agents?.close();
  await running?.stop();
});

const replicaCount = async (server: string): Promise<number | null> => {
  const s = await serverStatus(controller, server);
  return s === null ? null : s.resources.length;
};

describe("malformed requests", () => {
  it("a loaded model without its model message is refused, naming the field; the scheduler stays up", async () => {
    const stream = subscribe(agents, agentRequest("crash", 0, 1000, { loadedModels: [{ version: 1 }] }));
    const out = await stream.status;
    expect(out.code).toBe(Status.INVALID_ARGUMENT);
    expect(out.details).toContain("loadedModels[0].model");
    expect(await replicaCount("crash")).toBeNull();
    expect((await unary(controller, "SchedulerStatus", { subscriberName: "t" })).code).toBe(Status.OK);
    expect(casualties(running)).toEqual([]);
  });

  it("a loaded model without a name is refused, naming the field", async () => {
    const out = await subscribe(agents, agentRequest("crash", 0, 1000, { loadedModels: [{ model: { modelSpec: { uri: "gs://x" } }, version: 1 }] })).status;
    expect(out.code).toBe(Status.INVALID_ARGUMENT);
    expect(out.details).toContain("loadedModels[0].model.meta.name");
    expect(casualties(running)).toEqual([]);
  });

  it("an UnloadModel without a model is refused, naming the field (Seldon's server would dereference nil)", async () => {
    const out = await unary(controller, "UnloadModel", {});
    expect(out.code).toBe(Status.INVALID_ARGUMENT);
    expect(out.details).toContain("UnloadModelRequest.model");
    expect(casualties(running)).toEqual([]);
  });

  it("missing nested messages elsewhere read as empty, as Go's getters read them", async () => {
    // no replicaConfig: a replica with no memory and no capabilities
    const s = subscribe(agents, { serverName: "bare", replicaIdx: 0 });
    const status = await until("the bare replica", async () => (await serverStatus(controller, "bare")) ?? undefined);
    expect(status.resources[0]).toMatchObject({ replicaIdx: 0, totalMemoryBytes: "0", availableMemoryBytes: "0" });
    expect((await unary(controller, "LoadModel", {})).code).toBe(Status.FAILED_PRECONDITION); // no name: Seldon's store rejects it
    s.cancel();
    await until("the bare replica to go", async () => ((await replicaCount("bare")) === null ? true : undefined));
    expect(casualties(running)).toEqual([]);
  });
});

describe("a second agent for a replica that is connected", () => {
  it("waits unanswered until the first stream ends, then takes the replica over", async () => {
    const a = subscribe(agents, agentRequest("dup", 0, 1000));
    await until("replica dup:0", async () => ((await replicaCount("dup")) === 1 ? true : undefined));
    const b = subscribe(agents, agentRequest("dup", 0, 5000));
    await sleep(300);
    expect((await serverStatus(controller, "dup")).resources[0].totalMemoryBytes).toBe("1000"); // still a's
    // dropping the waiting one leaves the connected one registered
    b.cancel();
    await sleep(300);
    expect(await replicaCount("dup")).toBe(1);

    const c = subscribe(agents, agentRequest("dup", 0, 5000));
    await sleep(200);
    a.cancel();
    await until("c to take over", async () => ((await serverStatus(controller, "dup"))?.resources[0]?.totalMemoryBytes === "5000" ? true : undefined));
    // operations now go to c
    expect((await unary(controller, "LoadModel", {
      model: { meta: { name: "dup-model" }, modelSpec: { uri: "gs://m", requirements: ["dup"], memoryBytes: 100 }, deploymentSpec: { replicas: 1 } },
    })).code).toBe(Status.OK);
    await until("LOAD_MODEL on c", () => (c.messages.length > 0 ? true : undefined));
    expect(c.messages[0]).toMatchObject({ operation: "LOAD_MODEL", modelVersion: { model: { meta: { name: "dup-model" } } } });
    expect(a.messages).toEqual([]);
    c.cancel();
    await until("the server to go with its last agent", async () => ((await replicaCount("dup")) === null ? true : undefined));
    await unary(controller, "UnloadModel", { model: { name: "dup-model" } });
    expect(casualties(running)).toEqual([]);
  });

  it("one that gave up while waiting still takes its turn and then leaves: nothing stays registered", async () => {
    const a = subscribe(agents, agentRequest("dup2", 0, 1000));
    await until("replica dup2:0", async () => ((await replicaCount("dup2")) === 1 ? true : undefined));
    const b = subscribe(agents, agentRequest("dup2", 0, 5000));
    await sleep(200);
    b.cancel();
    await sleep(200);
    a.cancel();
    await until("dup2 to go", async () => ((await replicaCount("dup2")) === null ? true : undefined));
    await sleep(300);
    expect(await replicaCount("dup2")).toBeNull();
  });
});

describe("memory sizes beyond 2^53 (Seldon's uint64 arithmetic)", () => {
  const load = (name: string, server: string, memoryBytes: string) =>
    unary(controller, "LoadModel", {
      model: { meta: { name }, modelSpec: { uri: "gs://m", requirements: [server], memoryBytes }, deploymentSpec: { replicas: 1 } },
    });

  it("a model of 2^64-1 bytes does not fit a 1 GiB replica", async () => {
    const agent = subscribe(agents, agentRequest("gib", 0, 1024 ** 3));
    await until("replica gib:0", async () => ((await replicaCount("gib")) === 1 ? true : undefined));
    expect((await load("huge", "gib", "18446744073709551615")).code).toBe(Status.OK);
    const state = await until("huge to be scheduled", async () => {
      const s = await modelState(controller, "huge");
      return s && s.state !== "ModelStateUnknown" ? s : undefined;
    });
    expect(state.state).toBe("ScheduleFailed");
    expect(agent.messages).toEqual([]);
    // a model that fits is placed on the same replica
    expect((await load("small", "gib", "1000")).code).toBe(Status.OK);
    await until("LOAD_MODEL small", () => (agent.messages.length > 0 ? true : undefined));
    expect(agent.messages[0].modelVersion.model.meta.name).toBe("small");
    agent.cancel();
  });

  it("2^53+1 bytes does not fit 2^53 bytes, and every digit reaches the agent", async () => {
    const agent = subscribe(agents, agentRequest("edge", 0, "9007199254740992"));
    await until("replica edge:0", async () => ((await replicaCount("edge")) === 1 ? true : undefined));
    expect((await serverStatus(controller, "edge")).resources[0].totalMemoryBytes).toBe("9007199254740992");
    expect((await load("over", "edge", "9007199254740993")).code).toBe(Status.OK);
    await until("over to fail", async () => ((await modelState(controller, "over"))?.state === "ScheduleFailed" ? true : undefined));
    expect((await load("exact", "edge", "9007199254740992")).code).toBe(Status.OK);
    await until("LOAD_MODEL exact", () => (agent.messages.length > 0 ? true : undefined));
    expect(agent.messages[0].modelVersion.model).toMatchObject({ meta: { name: "exact" }, modelSpec: { memoryBytes: "9007199254740992" } });
    agent.cancel();
  });

  it("an agent announcing 2^64-1 bytes is reported exactly", async () => {
    const agent = subscribe(agents, agentRequest("max", 0, "18446744073709551615"));
    const s = await until("replica max:0", async () => (await serverStatus(controller, "max")) ?? undefined);
    expect(s.resources[0]).toMatchObject({ totalMemoryBytes: "18446744073709551615", availableMemoryBytes: "18446744073709551615" });
    agent.cancel();
    expect(casualties(running)).toEqual([]);
  });
});
