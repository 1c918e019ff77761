import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrderedDeliveries } from "../../src/runtime/wire/deliveries.ts";
import { EventQueue } from "../../src/runtime/queue.ts";

/**
 * The wire transport's places for messages on their way, on a real event queue: what holds the
 * run, what a waiting run is woken for, the order messages are handed over in, and when the run
 * stops waiting for a message that never comes.
 */
function setup(timeoutMs = 10_000) {
  const queue = new EventQueue();
  const d = new OrderedDeliveries(queue, () => timeoutMs);
  const handed: string[] = [];
  /** Run the queue as the engine does, until it is empty or held by a message on its way. */
  const run = () => {
    for (;;) {
      if (d.blocked) return "held";
      const next = queue.pop();
      if (!next) return "empty";
      next.run();
    }
  };
  return { queue, d, handed, run, hand: (what: string) => () => handed.push(what) };
}

describe("places of messages on their way over wire", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("holds the run only at the place of a message still on its way, not before it", () => {
    const { queue, d, handed, run, hand } = setup();
    queue.push(0, () => handed.push("timer at 0"));
    d.expect(1, "toServer", 1);
    queue.push(2, () => handed.push("timer at 2"));
    expect(d.blocked).toBe(false);
    expect(run()).toBe("held");
    expect(handed).toEqual(["timer at 0"]);
    expect(d.inFlight).toBe(1);
    d.arrived(1, "toServer", hand("message"));
    expect(run()).toBe("empty");
    expect(handed).toEqual(["timer at 0", "message", "timer at 2"]);
  });

  it("hands messages over in the order they were sent, whatever order they arrived in", () => {
    const { d, handed, run, hand } = setup();
    d.expect(1, "toServer", 1);
    d.expect(2, "toServer", 1);
    d.expect(1, "toServer", 1);
    d.arrived(2, "toServer", hand("call 2"));
    d.arrived(1, "toServer", hand("call 1, first"));
    expect(run()).toBe("held"); // call 1's second message is not in yet
    expect(handed).toEqual(["call 1, first", "call 2"]);
    d.arrived(1, "toServer", hand("call 1, second"));
    expect(run()).toBe("empty");
    expect(handed).toEqual(["call 1, first", "call 2", "call 1, second"]);
  });

  it("keeps a call's two directions apart: a response arriving first does not take the request's place", () => {
    const { d, handed, run, hand } = setup();
    d.expect(7, "toServer", 1);
    d.expect(7, "toClient", 1);
    d.arrived(7, "toClient", hand("response"));
    expect(run()).toBe("held");
    expect(handed).toEqual([]);
    d.arrived(7, "toServer", hand("request"));
    expect(run()).toBe("empty");
    expect(handed).toEqual(["request", "response"]);
  });

  it("wakes a waiting run when the message it is held by arrives, not for one further back", async () => {
    const { d, run, hand } = setup();
    d.expect(1, "toServer", 1);
    d.expect(2, "toServer", 2);
    expect(run()).toBe("held");
    let woken = false;
    void d.waitForDelivery().then(() => { woken = true; });
    d.arrived(2, "toServer", hand("later"));
    await vi.advanceTimersByTimeAsync(0);
    expect(woken).toBe(false);
    d.arrived(1, "toServer", hand("head"));
    await vi.advanceTimersByTimeAsync(0);
    expect(woken).toBe(true);
    expect(d.blocked).toBe(false);
  });

  it("wakes a waiting run only after the rest of the arrivals at hand, once for all of them", async () => {
    const { d, handed, run, hand } = setup();
    for (const id of [1, 2, 3]) d.expect(id, "toClient", 1);
    expect(run()).toBe("held");
    let wakes = 0;
    void d.waitForDelivery().then(() => { wakes++; });
    d.arrived(1, "toClient", hand("1"));
    await Promise.resolve(); // other frames of the same read are still to be handled
    await Promise.resolve();
    expect(wakes).toBe(0);
    d.arrived(2, "toClient", hand("2"));
    d.arrived(3, "toClient", hand("3"));
    await vi.advanceTimersByTimeAsync(0);
    expect(wakes).toBe(1);
    expect(run()).toBe("empty");
    expect(handed).toEqual(["1", "2", "3"]);
  });

  it("stops waiting only after the timeout passes without any arrival, and hands a late message over at once", async () => {
    const { d, handed, run, hand } = setup(1_000);
    for (const id of [1, 2, 3]) d.expect(id, "toClient", 1);
    expect(run()).toBe("held");
    let gaveUp = false;
    void d.waitForDelivery().then(() => { gaveUp = true; });
    await vi.advanceTimersByTimeAsync(600);
    d.arrived(2, "toClient", hand("2")); // progress: the rest get the full time again
    await vi.advanceTimersByTimeAsync(600);
    expect(gaveUp).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gaveUp).toBe(true);
    expect(d.inFlight).toBe(1); // call 1 given up on, call 3 still awaited
    expect(run()).toBe("held"); // call 1's place passed empty, call 2 handed over, call 3 holds
    expect(handed).toEqual(["2"]);
    d.arrived(1, "toClient", hand("1, late"));
    expect(handed).toEqual(["2", "1, late"]);
  });

  it("lets the run go on when the call whose message it waits for is dropped, and ignores what still comes for it", async () => {
    const { d, handed, run, hand } = setup();
    d.expect(1, "toServer", 1);
    expect(run()).toBe("held");
    let woken = false;
    void d.waitForDelivery().then(() => { woken = true; });
    d.drop(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(woken).toBe(true);
    expect(d.inFlight).toBe(0);
    expect(run()).toBe("empty");
    d.arrived(1, "toServer", hand("after the drop"));
    expect(handed).toEqual([]);
  });
});
