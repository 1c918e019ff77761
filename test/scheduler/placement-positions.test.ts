import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MemoryStore } from "../../src/scheduler/store.ts";
import { placeModel, snapshotOf, takeServerSnapshot } from "../../src/scheduler/placement.ts";
import { decide } from "../../src/scheduling/index.ts";
import type { PbAgentSubscribeRequest } from "../../src/proto/messages.ts";
import { plain } from "../scheduling/decision-arbs.ts";

const SERVERS = ["s0", "s1", "s2", "s3"] as const;
const MODELS = ["m0", "m1", "m2"] as const;

type Op =
  | { kind: "add"; server: number; idx: number }
  | { kind: "remove"; server: number; idx: number }
  | { kind: "placeOn"; model: number; server: number; idx: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), server: fc.nat(SERVERS.length - 1), idx: fc.nat(1) }),
  fc.record({ kind: fc.constant("remove" as const), server: fc.nat(SERVERS.length - 1), idx: fc.nat(1) }),
  fc.record({ kind: fc.constant("placeOn" as const), model: fc.nat(MODELS.length - 1), server: fc.nat(SERVERS.length - 1), idx: fc.nat(1) }),
);

const subscribe = (serverName: string, replicaIdx: number): PbAgentSubscribeRequest => ({
  serverName, shared: true, replicaIdx, loadedModels: [], availableMemoryBytes: String(1 << 30),
  replicaConfig: { inferenceSvc: "", inferenceHttpPort: 0, inferenceGrpcPort: 0, memoryBytes: String(1 << 30), capabilities: ["sklearn"], overCommitPercentage: 0 },
});

function apply(store: MemoryStore, op: Op): void {
  const server = SERVERS[op.server]!;
  const has = store.servers.get(server)?.replicas.has(op.idx) ?? false;
  if (op.kind === "add") store.addServerReplica(subscribe(server, op.idx));
  else if (op.kind === "remove") {
    if (has) store.removeServerReplica(server, op.idx);
  } else if (has) store.updateLoadedModels(MODELS[op.model]!, 1, server, [op.idx]);
  store.events.length = 0;
  store.logs.length = 0;
}

describe("the scheduler's placement, told where each server sits", () => {
  it("decides as a fresh snapshot decides while servers come, go and come back at other places", () => {
    let moved = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const store = new MemoryStore(() => 0);
        for (const name of MODELS) {
          store.updateModel({ model: { meta: { name }, modelSpec: { uri: `gs://m/${name}`, requirements: ["sklearn"], memoryBytes: "1" }, deploymentSpec: { replicas: 1 } } } as never);
        }
        for (const op of ops) {
          apply(store, op);
          for (const name of MODELS) {
            const model = store.models.get(name)!;
            const kept = placeModel(store, model).full;
            const fresh = decide({ ...snapshotOf(store, model), servers: [...store.servers.values()].map(takeServerSnapshot) });
            expect(plain(kept)).toEqual(plain(fresh));
            // the model's server was behind another accepted one, and had to be moved ahead
            const order = fresh.explanation.serverOrder;
            const at = (n: string | undefined) => [...store.servers.keys()].indexOf(n ?? "");
            if (order.length >= 2 && order[0] === model.latest()!.server && at(order[0]) > at(order[1])) moved++;
          }
        }
      }),
      { numRuns: 300, seed: 51 },
    );
    expect(moved).toBeGreaterThan(30);
  });

  it("finds the model's server where it moved to when a server before it went away", () => {
    const store = new MemoryStore(() => 0);
    store.updateModel({ model: { meta: { name: "m0" }, modelSpec: { uri: "gs://m/m0", requirements: ["sklearn"], memoryBytes: "1" }, deploymentSpec: { replicas: 1 } } } as never);
    const model = store.models.get("m0")!;
    for (const op of [0, 1, 2, 3].map((server): Op => ({ kind: "add", server, idx: 0 }))) apply(store, op);
    apply(store, { kind: "placeOn", model: 0, server: 2, idx: 0 });
    expect(placeModel(store, model).decision.server).toBe("s2");
    // s2 and s3 each move up one place; s2 is still the one the model is on
    apply(store, { kind: "remove", server: 1, idx: 0 });
    expect([...store.servers.keys()]).toEqual(["s0", "s2", "s3"]);
    expect(placeModel(store, model).decision.server).toBe("s2");
  });
});
