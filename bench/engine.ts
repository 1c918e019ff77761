/**
 * What the engine, the `sim` transport and the codec cost per round trip, without the
 * components' own work: two processes, and per round one unary `LoadModel` call carrying a model
 * definition (open, response, status), one `ModelStatusResponse` on a stream and one timer. Every
 * message is encoded and decoded as in any `sim` run. Prints the CPU µs per round, minimum and
 * median of the repeats; compare runs interleaved with the code before a change.
 *
 *   node --max-semi-space-size=32 --import tsx bench/engine.ts [ROUNDS] [REPEATS]
 */
import type { Component, Effect, Input } from "../src/core/protocol.ts";
import { M, SERVICES } from "../src/proto/index.ts";
import { createEngine } from "../src/runtime/index.ts";

const model = (i: number) => ({
  meta: { name: `model-${i}`, kubernetesMeta: { namespace: "seldon-mesh", generation: 1 } },
  modelSpec: { uri: `gs://seldon-models/scv2/samples/mlserver_1.3.5/iris-sklearn/${i}`, requirements: ["sklearn"], memoryBytes: 1_000_000 + i },
  deploymentSpec: { replicas: 1 },
});

const status = (i: number) => {
  const changed = { seconds: 1_700_000_000 + i, nanos: 0 };
  return {
    modelName: `model-${i}`,
    versions: [{
      version: 1, serverName: "mlserver", kubernetesMeta: { namespace: "seldon-mesh", generation: 1 },
      modelReplicaState: { 0: { state: "Available", reason: "", lastChangeTimestamp: changed } },
      state: { state: "ModelAvailable", reason: "", availableReplicas: 1, unavailableReplicas: 0, lastChangeTimestamp: changed },
      modelDefn: model(i),
    }],
  };
};

/** CPU µs per round of one run of `rounds` rounds. */
export async function engineRound(rounds: number): Promise<number> {
  const engine = await createEngine("sim", { record: false, traceMessages: false });
  let subscription = "";
  let n = 0;
  const server: Component = {
    role: "scheduler",
    name: "scheduler",
    listeners: [{ port: 9004, services: [SERVICES.scheduler] }],
    handle(input: Input): Effect[] {
      if (input.kind !== "incoming") return [];
      if (input.method === M.scheduler.SubscribeModelStatus) {
        subscription = input.call;
        return [];
      }
      return [
        { kind: "reply", call: input.call, message: {} },
        { kind: "finish", call: input.call, status: { code: 0, details: "" } },
        { kind: "reply", call: subscription, message: status(n) },
      ];
    },
  };
  const client: Component = {
    role: "controller",
    name: "controller",
    listeners: [],
    handle(input: Input): Effect[] {
      if (input.kind === "start") {
        return [
          { kind: "call", call: "sub", target: "scheduler.ns:9004", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: "bench" } },
          { kind: "setTimer", timer: "next", afterMs: 1 },
        ];
      }
      if (input.kind !== "timer" || ++n > rounds) return [];
      return [
        { kind: "call", call: `c${n}`, target: "scheduler.ns:9004", method: M.scheduler.LoadModel, request: { model: model(n) } },
        { kind: "setTimer", timer: "next", afterMs: 1 },
      ];
    },
  };
  engine.addPod({ name: "controller", namespace: "ns", ip: "10.0.0.1", processes: [{ container: "manager", role: "controller", spawn: () => client }] });
  engine.addPod({ name: "scheduler", namespace: "ns", ip: "10.0.0.2", processes: [{ container: "scheduler", role: "scheduler", spawn: () => server }] });
  engine.startAll();
  const before = process.cpuUsage();
  // the sim transport never has anything in flight, so the run completes synchronously
  void engine.runUntil(Number.MAX_SAFE_INTEGER);
  const used = process.cpuUsage(before);
  if (n <= rounds) throw new Error(`engine benchmark: ${n - 1} of ${rounds} rounds ran`);
  return (used.user + used.system) / rounds;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 20_000);
  const repeats = Number(process.argv[3] ?? 7);
  const us: number[] = [];
  for (let i = 0; i < repeats; i++) us.push(await engineRound(rounds));
  us.sort((a, b) => a - b);
  console.log(JSON.stringify({ rounds, repeats, minUs: +us[0]!.toFixed(3), medianUs: +us[us.length >> 1]!.toFixed(3) }));
}
