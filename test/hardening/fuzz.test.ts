/**
 * Garbage on every port of a running `serve`: generated requests for every method of `Scheduler`,
 * `AgentService` and `GRPCInferenceService` (and JSON for MLServer's REST front), sent as bytes
 * over grpc-js on loopback. Every call must end with a proper status, no process may crash or
 * restart, and a well-behaved agent and controller must still be served afterwards.
 */
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServe } from "../../src/cli/commands/serve.ts";
import { SERVICES } from "../../src/proto/index.ts";
import { Status } from "../../src/core/protocol.ts";
import { methodsOf, requestBytesArb, type MethodInfo } from "./garbage.ts";
import {
  address, agentClient, agentRequest, agentAddress, casualties, controllerClient, inferenceAddress, modelState, schedulerAddress,
  sleep, startCluster, subscribe, unary, until,
} from "./harness.ts";

/** Cases per method; HARDENING_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env["HARDENING_RUNS"] ?? 25);
/** How long an open stream is held before the client cancels it. */
const HOLD_MS = 40;

/** Codes a server may answer garbage with; UNKNOWN (a handler threw), UNAVAILABLE (the process is
 * gone) and DEADLINE_EXCEEDED (no answer) are not among them. */
const PROPER = new Set<number>([
  Status.OK, Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.FAILED_PRECONDITION, Status.UNIMPLEMENTED, Status.INTERNAL,
]);
/** MLServer answers some errors it does not handle as UNKNOWN with this wording (see
 * docs/mlserver.md); that is MLServer's answer, not a crash. */
const MLSERVER_UNHANDLED = "Unexpected <class 'mlserver.errors.";

const identity = (b: Buffer) => b;

let running: RunningServe;
const clients = new Map<string, grpc.Client>();

function clientFor(m: MethodInfo): grpc.Client {
  const addr = m.service === SERVICES.scheduler ? schedulerAddress(running) : m.service === SERVICES.agent ? agentAddress(running) : inferenceAddress(running);
  let c = clients.get(addr);
  if (!c) {
    c = new grpc.Client(addr, grpc.credentials.createInsecure());
    clients.set(addr, c);
  }
  return c;
}

interface Outcome {
  code: number;
  details: string;
  cancelledByUs: boolean;
}

/** Sends one garbage request (several messages for a client stream) and waits for its status. */
function send(m: MethodInfo, messages: Buffer[]): Promise<Outcome> {
  const client = clientFor(m);
  const deadline = Date.now() + 10_000;
  return new Promise((resolve) => {
    let cancelledByUs = false;
    const done = (code: number, details: string) => resolve({ code, details, cancelledByUs });
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(m.path, identity, identity, messages[0]!, { deadline }, (err) => done(err?.code ?? 0, err?.details ?? ""));
    } else if (!m.requestStream) {
      const call = client.makeServerStreamRequest(m.path, identity, identity, messages[0]!, { deadline });
      call.on("data", () => {});
      call.on("error", () => {});
      call.on("status", (s: grpc.StatusObject) => done(s.code, s.details));
      // streams that stay open (subscriptions) are dropped by the client, as a crashed peer would
      setTimeout(() => {
        cancelledByUs = true;
        call.cancel();
      }, HOLD_MS);
    } else {
      const call = client.makeClientStreamRequest(m.path, identity, identity, { deadline }, (err) => done(err?.code ?? 0, err?.details ?? ""));
      for (const b of messages) call.write(b);
      call.end();
    }
  });
}

function proper(m: MethodInfo, o: Outcome): boolean {
  if (o.code === Status.UNKNOWN) return m.service === SERVICES.inference && o.details.startsWith(MLSERVER_UNHANDLED);
  return PROPER.has(o.code) || (o.code === Status.CANCELLED && o.cancelledByUs);
}

beforeAll(async () => {
  running = await startCluster(["mlserver:2"]);
  // MLServer boots a few seconds after its container starts
  const inference = new grpc.Client(inferenceAddress(running), grpc.credentials.createInsecure());
  await until("MLServer to boot", () => new Promise<true | undefined>((resolve) =>
    inference.makeUnaryRequest("/inference.GRPCInferenceService/ServerLive", identity, identity, Buffer.alloc(0), (err) => resolve(err ? undefined : true)),
  ), 30_000);
  inference.close();
}, 40_000);

afterAll(async () => {
  for (const c of clients.values()) c.close();
  await running?.stop();
});

describe("garbage from outside peers", () => {
  for (const service of [SERVICES.scheduler, SERVICES.agent, SERVICES.inference]) {
    for (const m of methodsOf(service)) {
      it(`${m.path}: every call ends with a proper status`, async () => {
        const arb = m.requestStream ? fc.array(requestBytesArb(m.requestType), { minLength: 1, maxLength: 3 }) : requestBytesArb(m.requestType).map((b) => [b]);
        await fc.assert(
          fc.asyncProperty(arb, async (messages) => {
            const o = await send(m, messages);
            if (!proper(m, o)) throw new Error(`${m.path} answered code ${o.code} (${o.details})`);
          }),
          { numRuns: RUNS },
        );
        expect(casualties(running)).toEqual([]);
      }, 60_000 + RUNS * 300);
    }
  }

  it("MLServer's REST front answers any body with a client error or success, never a server error", async () => {
    const base = `http://${address(running, "mlserver-0:9000")}`;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string()), fc.constantFrom("iris", "", "x".repeat(200), "%2e%2e"), async (body, model) => {
        const r = await fetch(`${base}/v2/models/${model}/infer`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await r.arrayBuffer();
        if (r.status >= 500) throw new Error(`REST answered ${r.status} for ${body}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("afterwards nothing has crashed and a well-behaved agent and controller are served", async () => {
    await sleep(200); // let the last cancellations land
    expect(casualties(running)).toEqual([]);
    const controller = controllerClient(running);
    const agents = agentClient(running);
    const agent = subscribe(agents, agentRequest("good", 0, 1_000_000));
    try {
      expect((await unary(controller, "ServerNotify", { servers: [{ name: "good", expectedReplicas: 1, shared: true }] })).code).toBe(Status.OK);
      expect((await unary(controller, "LoadModel", {
        model: { meta: { name: "good-model" }, modelSpec: { uri: "gs://m", requirements: ["good"], memoryBytes: 100 }, deploymentSpec: { replicas: 1 } },
      })).code).toBe(Status.OK);
      // models the garbage left failing to schedule may be retried on the new replica too
      const op = await until("LOAD_MODEL to the good agent", () => agent.messages.find((m) => m.modelVersion?.model?.meta?.name === "good-model"));
      expect(op).toMatchObject({ operation: "LOAD_MODEL", modelVersion: { version: 1, model: { meta: { name: "good-model" } } } });
      expect((await unary(agents, "AgentEvent", {
        serverName: "good", replicaIdx: 0, modelName: "good-model", modelVersion: 1, event: "LOADED", availableMemoryBytes: 999_900,
      })).code).toBe(Status.OK);
      await until("good-model to be available", async () => ((await modelState(controller, "good-model"))?.state === "ModelAvailable" ? true : undefined));
    } finally {
      // a stream left open would keep serve from stopping
      agent.cancel();
      controller.close();
      agents.close();
    }
    expect(casualties(running)).toEqual([]);
  });
});
