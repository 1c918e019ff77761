import { afterEach, describe, expect, it } from "vitest";
import { createEngine, prepare } from "../../src/runtime/index.ts";
import { M, SERVICES } from "../../src/proto/index.ts";
import { Status, type Component, type Effect, type Input } from "../../src/core/protocol.ts";
import { withoutStackFrames } from "../../src/runtime/wire/no-stack-frames.ts";

/** Answers every LoadModel with FAILED_PRECONDITION. */
class Refuser implements Component {
  readonly role = "scheduler";
  readonly name = "refuser";
  readonly listeners = [{ port: 9004, services: [SERVICES.scheduler] }];
  handle(input: Input): Effect[] {
    if (input.kind !== "incoming") return [];
    return [{ kind: "finish", call: input.call, status: { code: Status.FAILED_PRECONDITION, details: "no such model" } }];
  }
}

/** Makes one LoadModel call when it starts. */
class Caller implements Component {
  readonly role = "controller";
  readonly name = "caller";
  readonly listeners = [];
  readonly closed: { code: number; details: string }[] = [];
  handle(input: Input): Effect[] {
    if (input.kind === "closed") this.closed.push({ code: input.status.code, details: input.status.details });
    if (input.kind !== "start") return [];
    return [{ kind: "call", call: "c1", target: "seldon-scheduler:9004", method: M.scheduler.LoadModel, request: { model: { meta: { name: "m" } } } }];
  }
}

describe("wire: the stack trace limit lowered while a grpc-js call is made", () => {
  const limit = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = limit;
  });

  it("errors made meanwhile capture no frames, and the limit comes back, also when the start throws", () => {
    Error.stackTraceLimit = 17;
    const inside = withoutStackFrames(() => new Error("made inside"));
    expect(inside.stack).toBe("Error: made inside");
    expect(new Error("made outside").stack!.split("\n").length).toBeGreaterThan(1);
    expect(() => withoutStackFrames(() => { throw new TypeError("start failed"); })).toThrow("start failed");
    expect(Error.stackTraceLimit).toBe(17);
  });

  it("a failed call still reports its code and details, and the process's stack trace limit is left as it was", async () => {
    Error.stackTraceLimit = 17;
    const engine = await createEngine("wire");
    engine.addPod({ name: "seldon-scheduler-0", namespace: "ns", ip: "10.42.0.10", services: ["seldon-scheduler"], processes: [{ container: "scheduler", role: "scheduler", spawn: () => new Refuser() }] });
    const caller = new Caller();
    engine.addPod({ name: "caller-0", namespace: "ns", ip: "10.42.0.20", processes: [{ container: "c", role: "controller", spawn: () => caller }] });
    await prepare(engine);
    try {
      engine.startAll();
      await engine.runUntil(50);
      expect(caller.closed).toEqual([{ code: Status.FAILED_PRECONDITION, details: "no such model" }]);
      expect(Error.stackTraceLimit).toBe(17);
    } finally {
      await engine.transport.close();
    }
  });
});
