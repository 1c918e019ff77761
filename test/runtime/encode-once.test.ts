import { describe, expect, it, vi } from "vitest";
import { createEngine, prepare } from "../../src/runtime/index.ts";
import { M, SERVICES, method } from "../../src/proto/index.ts";
import type { Component, Effect, Input } from "../../src/core/protocol.ts";

/** Answers every open status stream with the same message object, when its timer fires. */
class Broadcaster implements Component {
  readonly role = "scheduler";
  readonly name = "broadcaster";
  readonly listeners = [{ port: 9004, services: [SERVICES.scheduler] }];
  readonly streams: string[] = [];
  readonly status = { modelName: "iris", versions: [{ version: 1, serverName: "mlserver", state: { state: "ModelAvailable", reason: "" } }], deleted: false };
  handle(input: Input): Effect[] {
    if (input.kind === "incoming") this.streams.push(input.call);
    if (input.kind !== "timer") return [];
    if (input.timer === "change") this.status.versions[0]!.state.state = "ModelFailed";
    return this.streams.map((call) => ({ kind: "reply", call, message: this.status }));
  }
}

class Subscriber implements Component {
  readonly role = "controller";
  readonly listeners = [];
  readonly received: unknown[] = [];
  constructor(readonly name: string) {}
  handle(input: Input): Effect[] {
    if (input.kind === "start") return [{ kind: "call", call: "c1", target: "seldon-scheduler:9004", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: this.name } }];
    if (input.kind === "response") this.received.push(input.message);
    return [];
  }
}

describe("sim: one status to many subscribers", () => {
  it("is encoded once per send, decoded once per subscriber, and encoded again once changed", async () => {
    const engine = await createEngine("sim");
    const server = new Broadcaster();
    engine.addPod({ name: "seldon-scheduler-0", namespace: "ns", ip: "10.42.0.10", services: ["seldon-scheduler"], processes: [{ container: "scheduler", role: "scheduler", spawn: () => server }] });
    const subs = [new Subscriber("a"), new Subscriber("b"), new Subscriber("c")];
    subs.forEach((s, i) => engine.addPod({ name: `sub-${i}`, namespace: "ns", ip: `10.42.0.${20 + i}`, processes: [{ container: "c", role: "controller", spawn: () => s }] }));
    await prepare(engine);
    engine.startAll();
    await engine.runUntil(10);
    const def = method(M.scheduler.SubscribeModelStatus);
    const encode = vi.spyOn(def, "responseSerialize");
    try {
      const proc = engine.proc("ns", "seldon-scheduler-0", "scheduler");
      engine.deliver(proc, { kind: "timer", timer: "same" });
      await engine.runUntil(20);
      expect(encode).toHaveBeenCalledTimes(1);
      engine.deliver(proc, { kind: "timer", timer: "change" });
      await engine.runUntil(30);
      expect(encode).toHaveBeenCalledTimes(2);
    } finally {
      encode.mockRestore();
    }
    for (const s of subs) {
      expect(s.received).toHaveLength(2);
      expect((s.received[0] as { versions: { state: { state: string } }[] }).versions[0]!.state.state).toBe("ModelAvailable");
      expect((s.received[1] as { versions: { state: { state: string } }[] }).versions[0]!.state.state).toBe("ModelFailed");
    }
    expect(subs[0]!.received[0]).not.toBe(subs[1]!.received[0]);
    expect(subs[0]!.received[0]).toEqual(subs[1]!.received[0]);
  });
});
