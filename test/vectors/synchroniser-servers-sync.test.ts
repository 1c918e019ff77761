/**
 * v2.9.0's start-up synchroniser (`ServerBasedSynchroniser`) on the sequences of its own unit
 * test: replicas connecting before and after the first-sync signal, duplicates, no replicas
 * expected, the timeout, and later signals changing nothing. Decided by our `StartupSynchroniser`.
 *
 * Not covered: server events of other kinds than a replica connecting; the scheduler hands the
 * synchroniser only replica connections, so there is nothing to filter at this level.
 */
import { describe, expect, it } from "vitest";
import { StartupSynchroniser } from "../../src/scheduler/synchroniser.ts";

describe("start-up synchroniser", () => {
  it.each([
    { what: "all replicas connect after the signal", before: 0, after: 5, duplicates: false, timeout: false, readyWithoutTimeout: true },
    { what: "half before the signal, half after", before: 5, after: 5, duplicates: false, timeout: false, readyWithoutTimeout: true },
    { what: "all before the signal", before: 5, after: 0, duplicates: false, timeout: false, readyWithoutTimeout: true },
    { what: "none connect: only the timeout makes it ready", before: 0, after: 5, duplicates: false, timeout: true, readyWithoutTimeout: false },
    { what: "nothing expected: ready at the signal", before: 0, after: 0, duplicates: false, timeout: false, readyWithoutTimeout: true },
    { what: "one replica connecting again and again counts once", before: 0, after: 5, duplicates: true, timeout: false, readyWithoutTimeout: false },
  ])("$what", ({ before, after, duplicates, timeout, readyWithoutTimeout }) => {
    const s = new StartupSynchroniser();
    const idx = (i: number) => (duplicates ? 0 : i);
    if (!timeout) for (let i = 0; i < before; i++) s.replicaConnected("test", idx(i));
    const expected = before + after;
    const atSignal = s.signal(expected);
    // only the first signal counts
    s.signal(10_000);
    expect(s.expectedReplicas()).toBe(expected);
    expect(s.isReady()).toBe(expected === 0 || (before > 0 && after === 0 && !timeout));
    const outcomes = timeout ? [] : Array.from({ length: after }, (_, i) => s.replicaConnected("test", idx(before + i)));
    expect(s.isReady()).toBe(readyWithoutTimeout);
    // the replica completing the set is the one Seldon logs "All (num: N) servers connected" for
    if (readyWithoutTimeout && expected > 0) expect(after > 0 ? outcomes.at(-1) : atSignal).toBe("allConnected");
    if (expected === 0) expect(atSignal).toBe("ready");
    if (!readyWithoutTimeout) {
      expect(s.timeout()).toBe("ready");
      expect(s.isReady()).toBe(true);
    }
    // graceful once ready
    expect(s.signal(10)).toBe("unchanged");
    expect(s.replicaConnected("test", 99)).toBe("unchanged");
    expect(s.isReady()).toBe(true);
  });
});
