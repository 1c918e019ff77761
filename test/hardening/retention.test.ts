/** A long-running serve keeps bounded memory: what it retains is bounded, and the heap stays flat under load. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { trimOldest } from "../../src/core/retention.ts";
import { EventQueue } from "../../src/runtime/queue.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("retention", () => {
  it("keeps the newest entries, trimming in batches", () => {
    const list: number[] = [];
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) {
      list.push(i);
      dropped += trimOldest(list, 100);
      expect(list.length).toBeLessThanOrEqual(150);
    }
    expect(list.at(-1)).toBe(9_999);
    expect(list[0]).toBe(10_000 - list.length);
    expect(dropped + list.length).toBe(10_000);
    const all: number[] = [];
    for (let i = 0; i < 1_000; i++) trimOldest(all, Infinity) || all.push(i);
    expect(all).toHaveLength(1_000);
  });

  it("sweeps cancelled timers out of the event queue without changing the order of the live ones", () => {
    const q = new EventQueue();
    const fired: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const t = q.push(1_000_000 + i, () => fired.push(i));
      if (i % 100 !== 0) t.cancelled = true; // re-armed timers leave their old entries behind
    }
    expect(q.size).toBeLessThan(2_048);
    for (let e = q.peek(); e; e = q.peek()) q.pop()!.run();
    expect(fired).toEqual(Array.from({ length: 500 }, (_, k) => k * 100));
  });

  it("serve's heap after GC and its open files stay flat under sustained load and agent churn", () => {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "test/hardening/fixtures/soak.ts", "160", "1000"], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    // retention was engaged and held
    expect(m.dropped.logs).toBeGreaterThan(0);
    expect(m.dropped.trace).toBeGreaterThan(0);
    expect(m.logs).toBeLessThanOrEqual(750);
    expect(m.trace).toBeLessThanOrEqual(750);
    // the second half of the load added (next to) nothing; without retention it adds ~8 MB
    expect(m.after.heap - m.middle.heap).toBeLessThan(3 * 2 ** 20);
    expect(m.after.fds).toBeLessThanOrEqual(m.middle.fds + 4);
  }, 300_000);
});
