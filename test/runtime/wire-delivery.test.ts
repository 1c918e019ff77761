import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WireTransport } from "../../src/runtime/wire/transport.ts";
import type { Call, Engine } from "../../src/runtime/engine.ts";

/**
 * The wire transport's bookkeeping of deliveries in flight, on an engine stand-in: what a
 * waiting run is woken for, and when it stops waiting for a delivery that never comes.
 */
interface Bookkeeping {
  expect(call: Call): void;
  arrived(callId: number, deliver?: () => void): void;
}

function transport(deliveryTimeoutMs: number) {
  const queued: (() => void)[] = [];
  const engine = { now: 0, latencyMs: 1, queue: { push: (_at: number, run: () => void) => queued.push(run) } };
  const t = new WireTransport(engine as unknown as Engine, { deliveryTimeoutMs });
  const call = (id: number) => ({ id, extraDelayMs: 0 }) as unknown as Call;
  return { t, book: t as unknown as Bookkeeping, call, queued };
}

describe("waiting for deliveries over wire", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("wakes the run once the last delivery in flight is in, not at each arrival", async () => {
    const { t, book, call } = transport(10_000);
    book.expect(call(1));
    book.expect(call(2));
    let woken = false;
    void t.waitForDelivery().then(() => { woken = true; });
    book.arrived(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.inFlight).toBe(1);
    expect(woken).toBe(false);
    book.arrived(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.inFlight).toBe(0);
    expect(woken).toBe(true);
  });

  it("wakes the run at once for a delivery handed over after its place came up", async () => {
    const { t, book, call, queued } = transport(10_000);
    book.expect(call(1));
    book.expect(call(2));
    queued[0]!(); // the first delivery's place in the queue came up before it arrived
    let woken = false;
    const delivered: number[] = [];
    void t.waitForDelivery().then(() => { woken = true; });
    book.arrived(1, () => delivered.push(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered).toEqual([1]);
    expect(woken).toBe(true);
    expect(t.inFlight).toBe(1);
  });

  it("gives up on a delivery only after the timeout passes without any arrival", async () => {
    const { t, book, call } = transport(1_000);
    for (const id of [1, 2, 3]) book.expect(call(id));
    let gaveUp = false;
    void t.waitForDelivery().then(() => { gaveUp = true; });
    await vi.advanceTimersByTimeAsync(600);
    book.arrived(1); // progress: the rest get the full time again
    await vi.advanceTimersByTimeAsync(600);
    expect(gaveUp).toBe(false);
    expect(t.inFlight).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gaveUp).toBe(true);
    expect(t.inFlight).toBe(1); // one given up, one still awaited
  });
});
