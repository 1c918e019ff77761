import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LoadedJournal } from "../../src/scheduler/loaded-journal.ts";
import { snapshotOf } from "../../src/scheduler/placement.ts";
import { compareAfterEverySchedulerStep } from "./generated-runs.ts";

describe("a replica's loaded-model journal", () => {
  it("gives each point the set's names in the set's own order, read long after", () => {
    const journal = new LoadedJournal();
    const set = new Set<string>();
    const kept: { list: ReturnType<LoadedJournal["at"]>; want: string[] }[] = [];
    const keep = () => kept.push({ list: journal.at(set), want: [...set] });
    keep();
    set.add("a:1"); set.add("b:1"); keep();
    set.add("c:1"); keep();
    set.delete("b:1"); keep();
    // deleted and added again: it moves to the end, which a plain add after a delete gives
    set.delete("a:1"); set.add("a:1"); keep();
    set.add("d:1"); set.delete("c:1"); keep();
    // an order adds and deletes cannot give from the journal's set: a fresh start is recorded
    const reordered = ["d:1", "e:1", "a:1"];
    set.clear(); for (const k of reordered) set.add(k); keep();
    // gone from the end, then added at the end, then nothing at all
    set.delete("a:1"); keep();
    set.add("f:1"); set.add("g:1"); keep();
    keep();
    set.clear(); keep();
    for (const { list, want } of kept) expect(list.read()).toEqual(want);
  });

  it("shares one list between snapshots while nothing changed", () => {
    const journal = new LoadedJournal();
    const set = new Set(["a:1"]);
    const first = journal.at(set);
    expect(journal.at(new Set(["a:1"]))).toBe(first);
    set.add("b:1");
    expect(journal.at(set)).not.toBe(first);
  });

  it("stays in proportion to the set under endless loads and unloads, every kept list still right", () => {
    const journal = new LoadedJournal();
    const set = new Set<string>();
    const kept: { list: ReturnType<LoadedJournal["at"]>; want: string[] }[] = [];
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      set.add(`m${i}:1`);
      if (set.size > 5) set.delete(set.values().next().value!);
      const list = journal.at(set, i);
      if (i % 997 === 0) kept.push({ list, want: [...set] });
      most = Math.max(most, journal.heldChanges);
    }
    expect(most).toBeLessThan(1_000);
    for (const { list, want } of kept) expect(list.read()).toEqual(want);
  });

  it("does not walk a set whose change count stands", () => {
    const journal = new LoadedJournal();
    const set = new Set(["a:1"]);
    const first = journal.at(set, 1);
    set.add("b:1"); // a change its owner did not count is not seen
    expect(journal.at(set, 1)).toBe(first);
    expect(journal.at(set, 2).read()).toEqual(["a:1", "b:1"]);
  });

  it("takes one counted change as the owner says it was, without walking the set", () => {
    const journal = new LoadedJournal();
    const set = new Set(["a:1", "b:1"]);
    const first = journal.at(set, 1);
    set.add("c:1");
    const second = journal.at(set, 2, { added: true, key: "c:1" });
    set.delete("a:1");
    const third = journal.at(set, 3, { added: false, key: "a:1" });
    // two changes since it last looked: the set is walked
    set.add("d:1"); set.delete("b:1");
    const fourth = journal.at(set, 5, { added: false, key: "b:1" });
    expect([first, second, third, fourth].map((l) => l.read())).toEqual([
      ["a:1", "b:1"], ["a:1", "b:1", "c:1"], ["b:1", "c:1"], ["c:1", "d:1"],
    ]);
  });

  it("keeps every kept snapshot's loaded lists as the store held them, over generated runs", async () => {
    const kept: { label: string; lazy: { readonly loadedModels: readonly string[] }; want: string[] }[] = [];
    await compareAfterEverySchedulerStep(25, 22, (scheduler) => {
      const model = scheduler.store.models.values().next().value;
      if (!model?.latest()) return [];
      const servers = snapshotOf(scheduler.store, model).servers;
      for (const s of servers) {
        const live = scheduler.store.servers.get(s.name)!;
        for (const r of s.replicas) kept.push({ label: `${s.name}:${r.idx}`, lazy: r, want: [...live.replicas.get(r.idx)!.loaded] });
      }
      return [];
    });
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.some((k) => k.want.length > 1)).toBe(true);
    const wrong = kept.filter((k) => JSON.stringify(k.lazy.loadedModels) !== JSON.stringify(k.want)).map((k) => k.label);
    expect(wrong).toEqual([]);
  }, 120_000);

  it("gives every list as the set held it, over generated changes told one by one, walked or missed", () => {
    // few names, so that adds and deletes meet the same ones; a small set and many changes,
    // so that segments start over
    const name = fc.integer({ min: 0, max: 7 }).map((i) => `m${i}:1`);
    const step = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant("add" as const), key: name }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant("delete" as const), key: name }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant("reorder" as const), key: name }), weight: 1 },
    );
    const told = fc.array(fc.record({ step, snapshot: fc.boolean(), counted: fc.boolean() }), { maxLength: 600 });
    fc.assert(
      fc.property(told, (steps) => {
        const journal = new LoadedJournal();
        const set = new Set<string>();
        let changes = 0;
        let last: { added: boolean; key: string } | null = null;
        const kept: { list: ReturnType<LoadedJournal["at"]>; want: string[] }[] = [];
        for (const { step: { kind, key }, snapshot, counted } of steps) {
          if (kind === "reorder") {
            const order = [...set].reverse();
            set.clear();
            for (const k of order) set.add(k);
            changes += 2; // more than one change: the journal walks the set
          } else {
            if (kind === "add") set.add(key);
            else set.delete(key);
            changes++;
            last = { added: kind === "add", key };
          }
          if (snapshot) kept.push({ list: counted ? journal.at(set, changes, last) : journal.at(set), want: [...set] });
        }
        for (const { list, want } of kept) expect(list.read()).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
