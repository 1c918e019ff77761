import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Status, type Effect } from "../../src/core/protocol.ts";
import { TaskRunner, each, open, recvOp, sleep, type Program, type RecvEvent, type StreamEnd } from "../../src/controller/tasks.ts";

type Step = { kind: "message"; n: number } | { kind: "timer" } | { kind: "end"; ok: boolean };

/**
 * Runs a stream reader that first sleeps (so that messages may queue up), then reads the stream
 * to its end, against one order of inputs; returns everything that happened, in order.
 */
function run(read: (call: string, onMessage: (m: unknown) => void) => Program<StreamEnd>, steps: Step[]): unknown[] {
  const seen: unknown[] = [];
  const runner = new TaskRunner({ emit: (e: Effect) => seen.push(e.kind), now: () => 0 }, "t:");
  function* program(): Program<string> {
    const call = yield* open("target", "/svc/Stream", {}, "tag");
    yield* sleep(5);
    const end = yield* read(call, (m) => seen.push(["message", m]));
    seen.push(["end", end]);
    return "done";
  }
  runner.spawn("reader", program(), (r) => seen.push(["result", r]));
  for (const s of steps) {
    if (s.kind === "message") seen.push(runner.onResponse("t:c1", s.n));
    else if (s.kind === "timer") seen.push(runner.onTimer("t:t1"));
    else seen.push(runner.onClosed("t:c1", s.ok ? { code: Status.OK, details: "" } : { code: Status.UNAVAILABLE, details: "gone" }));
  }
  return seen;
}

function* recvLoop(call: string, onMessage: (m: unknown) => void): Program<StreamEnd> {
  const next = recvOp(call);
  for (;;) {
    const ev = (yield next) as RecvEvent;
    if (ev.kind === "end") return ev;
    onMessage(ev.message);
  }
}

const steps = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 99 }).map((n): Step => ({ kind: "message", n })), fc.constant<Step>({ kind: "timer" }), fc.boolean().map((ok): Step => ({ kind: "end", ok }))),
  { maxLength: 12 },
);

describe("TaskRunner each", () => {
  it("hands over messages and the end as a recv loop does, whenever they arrive", () => {
    fc.assert(fc.property(steps, (s) => {
      expect(run(each, s)).toStrictEqual(run(recvLoop, s));
    }), { numRuns: 3_000 });
  });
});

/** The call effects of aborting a program that opened a stream and sleeps (no reader yet). */
function abortWithOpenStream(cancelStreams: boolean): { effects: Effect[]; runner: TaskRunner } {
  const effects: Effect[] = [];
  const runner = new TaskRunner({ emit: (e: Effect) => effects.push(e), now: () => 0 }, "t:");
  function* program(): Program<void> {
    yield* open("target", "/svc/Stream", {}, "tag");
    yield* sleep(5);
  }
  runner.abort(runner.spawn("reader", program()), cancelStreams);
  return { effects: effects.filter((e) => e.kind === "stopReading" || e.kind === "cancel"), runner };
}

describe("TaskRunner abort", () => {
  it("says it reads no more of the streams an aborted program leaves open", () => {
    const { effects, runner } = abortWithOpenStream(false);
    expect(effects).toEqual([{ kind: "stopReading", call: "t:c1" }]);
    // what still arrives on it is taken and dropped
    expect(runner.onResponse("t:c1", 1)).toBe(true);
  });

  it("cancels the streams instead when the connection closes under them", () => {
    expect(abortWithOpenStream(true).effects).toEqual([{ kind: "cancel", call: "t:c1" }]);
  });
});
