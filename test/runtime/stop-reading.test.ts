import { describe, expect, it, vi } from "vitest";
import { RUNTIME_KINDS, createEngine, prepare, type RuntimeKind } from "../../src/runtime/index.ts";
import { M, SERVICES, method } from "../../src/proto/index.ts";
import type { Component, Effect, Input } from "../../src/core/protocol.ts";

const status = (n: number) => ({ modelName: `m-${n}`, versions: [], deleted: false });

/** Sends one status to every open stream each time its `send` timer fires; `end` finishes them. */
class Broadcaster implements Component {
  readonly role = "scheduler";
  readonly name = "broadcaster";
  readonly listeners = [{ port: 9004, services: [SERVICES.scheduler] }];
  readonly streams: string[] = [];
  private sent = 0;
  handle(input: Input): Effect[] {
    if (input.kind === "incoming") this.streams.push(input.call);
    if (input.kind !== "timer") return [];
    if (input.timer === "end") return this.streams.map((call) => ({ kind: "finish", call, status: { code: 0, details: "" } }));
    const message = status(++this.sent);
    return this.streams.map((call) => ({ kind: "reply", call, message }));
  }
}

/** Subscribes; with `readFirst`, reads one message and then says it reads no more. */
class Subscriber implements Component {
  readonly role = "controller";
  readonly listeners = [];
  readonly received: string[] = [];
  readonly ends: number[] = [];
  constructor(readonly name: string, private readonly readFirst: boolean) {}
  handle(input: Input): Effect[] {
    if (input.kind === "start") return [{ kind: "call", call: "c1", target: "seldon-scheduler:9004", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: this.name } }];
    if (input.kind === "closed") this.ends.push(input.status.code);
    if (input.kind !== "response") return [];
    this.received.push((input.message as { modelName: string }).modelName);
    return this.readFirst ? [{ kind: "stopReading", call: input.call }] : [];
  }
}

/** `burst`: how many statuses the first send sends at once (all on their way together). */
async function run(kind: RuntimeKind, burst = 1) {
  const engine = await createEngine(kind);
  const server = new Broadcaster();
  engine.addPod({ name: "seldon-scheduler-0", namespace: "ns", ip: "10.42.0.10", services: ["seldon-scheduler"], processes: [{ container: "scheduler", role: "scheduler", spawn: () => server }] });
  const reader = new Subscriber("reader", false);
  const quitter = new Subscriber("quitter", true);
  [reader, quitter].forEach((s, i) => engine.addPod({ name: `sub-${i}`, namespace: "ns", ip: `10.42.0.${20 + i}`, processes: [{ container: "c", role: "controller", spawn: () => s }] }));
  await prepare(engine);
  const decode = vi.spyOn(method(M.scheduler.SubscribeModelStatus), "responseDeserialize");
  try {
    engine.startAll();
    await engine.runUntil(10);
    const proc = engine.proc("ns", "seldon-scheduler-0", "scheduler");
    for (const t of [20, 30, 40]) {
      for (let i = 0; i < (t === 20 ? burst : 1); i++) engine.deliver(proc, { kind: "timer", timer: "send" });
      await engine.runUntil(t);
    }
    engine.deliver(proc, { kind: "timer", timer: "end" });
    await engine.runUntil(50);
    const sent = engine.trace.filter((e) => e.type === "message" && e.method === M.scheduler.SubscribeModelStatus && e.dir === "response").length;
    return { reader, quitter, decoded: decode.mock.calls.length, sent };
  } finally {
    decode.mockRestore();
    await engine.transport.close();
  }
}

describe("a stream its client reads no more (stopReading)", () => {
  for (const kind of RUNTIME_KINDS) {
    it(`${kind}: later messages are not handed to the client, its end still is, and the trace still shows them sent`, async () => {
      const { reader, quitter, sent } = await run(kind);
      expect(reader.received).toEqual(["m-1", "m-2", "m-3"]);
      expect(quitter.received).toEqual(["m-1"]);
      expect(reader.ends).toEqual([0]);
      expect(quitter.ends).toEqual([0]);
      expect(sent).toBe(6);
    });
  }

  it("sim: what the client no longer reads is never decoded", async () => {
    const { decoded } = await run("sim");
    // the reader's three, and the quitter's first
    expect(decoded).toBe(4);
  });

  it("sim: a message already on its way when the client stops reading is not decoded either", async () => {
    const { reader, quitter, decoded } = await run("sim", 2);
    expect(reader.received).toEqual(["m-1", "m-2", "m-3", "m-4"]);
    expect(quitter.received).toEqual(["m-1"]);
    // decoded where it arrives: the quitter's m-2 was sent before it stopped reading, and
    // arrives after
    expect(decoded).toBe(5);
  });
});
