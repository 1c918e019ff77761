import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventQueue, type Timed } from "../../src/runtime/queue.ts";

type Op = { kind: "push"; at: number; own: boolean } | { kind: "cancel"; nth: number } | { kind: "pop" } | { kind: "popDue"; until: number };

const ops = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("push" as const), at: fc.integer({ min: 0, max: 12 }), own: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), nth: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("popDue" as const), until: fc.integer({ min: -1, max: 13 }) }) },
  ),
  { maxLength: 3_000 },
);

/** An entry the caller builds itself, its `run` a method (as a transport's deliveries are). */
class Own implements Timed {
  seq = -1;
  cancelled = false;
  constructor(readonly at: number, private readonly n: number, private readonly out: number[]) {}
  run(): void {
    this.out.push(this.n);
  }
}

/**
 * The order every event must come out in: by time, then by when it was pushed, cancelled ones
 * never. Events pushed while popping (at any time, the current one included) take their place.
 */
function replay(queue: EventQueue, script: Op[]): number[] {
  const out: number[] = [];
  const pushed: { cancelled?: boolean }[] = [];
  let id = 0;
  for (const op of script) {
    if (op.kind === "push") {
      const n = id++;
      pushed.push(op.own ? queue.schedule(new Own(op.at, n, out)) : queue.push(op.at, () => out.push(n)));
    } else if (op.kind === "cancel") {
      if (pushed.length > 0) pushed[op.nth % pushed.length]!.cancelled = true;
    } else if (op.kind === "popDue") {
      queue.popDue(op.until)?.run();
    } else if (queue.peek()) {
      queue.pop()!.run();
    }
  }
  for (let e = queue.peek(); e; e = queue.peek()) queue.pop()!.run();
  return out;
}

/** The same script against a plain sorted list. */
function reference(script: Op[]): number[] {
  const out: number[] = [];
  const live: { at: number; n: number; cancelled: boolean }[] = [];
  const pushed: { cancelled: boolean }[] = [];
  let id = 0;
  const popFirst = (until = Infinity) => {
    let best = -1;
    for (let i = 0; i < live.length; i++) {
      const e = live[i]!;
      if (e.cancelled) continue;
      if (best < 0 || e.at < live[best]!.at || (e.at === live[best]!.at && e.n < live[best]!.n)) best = i;
    }
    if (best < 0 || live[best]!.at > until) return false;
    out.push(live.splice(best, 1)[0]!.n);
    return true;
  };
  for (const op of script) {
    if (op.kind === "push") {
      const e = { at: op.at, n: id++, cancelled: false };
      live.push(e);
      pushed.push(e);
    } else if (op.kind === "cancel") {
      if (pushed.length > 0) pushed[op.nth % pushed.length]!.cancelled = true;
    } else if (op.kind === "popDue") {
      popFirst(op.until);
    } else {
      popFirst();
    }
  }
  while (popFirst());
  return out;
}

describe("event queue", () => {
  it("gives events in time order, ties in push order, cancelled ones never, under any interleaving", () => {
    fc.assert(fc.property(ops, (script) => {
      expect(replay(new EventQueue(), script)).toEqual(reference(script));
    }), { numRuns: 300 });
  });

  it("is caught by the check when ties come out last-in first", () => {
    // a queue that breaks ties the wrong way round must fail the same comparison
    class LifoTies extends EventQueue {
      override push(at: number, run: () => void) {
        return super.push(at + 1 - 1e-9 * (this.size + 1), run);
      }
    }
    expect(() => fc.assert(fc.property(ops, (script) => {
      expect(replay(new LifoTies(), script)).toEqual(reference(script));
    }), { numRuns: 300 })).toThrow();
  });

  it("keeps the order of events pushed at the time being drained", () => {
    const q = new EventQueue();
    const fired: string[] = [];
    q.push(5, () => { fired.push("a"); q.push(5, () => fired.push("c")); });
    q.push(5, () => fired.push("b"));
    q.push(3, () => fired.push("first"));
    for (let e = q.peek(); e; e = q.peek()) q.pop()!.run();
    expect(fired).toEqual(["first", "a", "b", "c"]);
  });
});
