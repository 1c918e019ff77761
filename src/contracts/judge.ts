/**
 * Judges a contract's clauses over a recorded conversation: each clause passes or fails with the
 * reason and the entries that decided it, so a failure can be read without the whole recording.
 */
import type { RecordEntry } from "../recording/entry.ts";
import { describeSelector, select, type Seen, type Vars } from "./select.ts";
import type { Clause, Selector } from "./types.ts";

export interface ClauseVerdict {
  clause: Clause;
  passed: boolean;
  reason: string;
  /** The entries that decided the verdict, in recording order. */
  deciding: Seen[];
}

/** The entries of the conversation of the component under test (`involves` names its ends). */
export function conversation(entries: readonly RecordEntry[], involves: (end: string) => boolean): Seen[] {
  const requests = new Map<number, unknown>();
  const out: Seen[] = [];
  entries.forEach((entry, at) => {
    if (entry.kind === "message" && entry.direction === "request" && entry.index === 0) requests.set(entry.stream, entry.message);
    if (involves(entry.from) || involves(entry.to)) out.push({ at, entry, request: requests.get(entry.stream) });
  });
  return out;
}

export function judge(clause: Clause, seen: readonly Seen[]): ClauseVerdict {
  const verdict = (passed: boolean, reason: string, deciding: (Seen | undefined)[]): ClauseVerdict => ({
    clause, passed, reason,
    deciding: deciding.filter((s): s is Seen => s !== undefined).sort((a, b) => a.at - b.at),
  });
  const find = (sel: Selector, from: number, vars: Vars = {}, until = Infinity) => {
    for (let i = from; i < seen.length; i++) {
      const s = seen[i]!;
      if (s.entry.virtualMs > until) return null;
      const v = select(sel, s, vars);
      if (v) return { i, s, vars: v };
    }
    return null;
  };
  switch (clause.kind) {
    case "order": {
      const then = find(clause.then, 0);
      if (!then) return verdict(false, `no ${describeSelector(clause.then)} was seen`, []);
      const first = find(clause.first, 0, {}, Infinity);
      if (first && first.i < then.i) return verdict(true, `${describeSelector(clause.first)} came first`, [first.s, then.s]);
      return verdict(false, first ? `${describeSelector(clause.then)} came before any ${describeSelector(clause.first)}` : `${describeSelector(clause.then)} came and no ${describeSelector(clause.first)} before it`, [then.s, first?.s]);
    }
    case "content": {
      let count = 0;
      let firstMatch: Seen | undefined;
      for (const s of seen) {
        if (!select({ ...clause.match, where: clause.match.where }, s, {})) continue;
        count++;
        firstMatch ??= s;
        const ok = select({ ...clause.match, where: [...clause.match.where, ...clause.expect], bind: [] }, s, {});
        if (!ok) return verdict(false, `a ${describeSelector(clause.match)} does not have ${clause.expect.map((w) => describeSelector({ ...clause.match, where: [w] }).replace(/^.* where /, "")).join(", ")}`, [s]);
      }
      if (count === 0) return verdict(false, `no ${describeSelector(clause.match)} was seen`, []);
      return verdict(true, `all ${count} ${describeSelector(clause.match)} as expected`, [firstMatch]);
    }
    case "response": {
      let triggers = 0;
      let example: Seen[] = [];
      for (let i = 0; i < seen.length; i++) {
        const t = seen[i]!;
        const vars = select(clause.after, t, {});
        if (!vars) continue;
        triggers++;
        const found: Seen[] = [t];
        let from = i + 1;
        let env = vars;
        for (const sel of clause.expect) {
          const hit = find(sel, from, env, t.entry.virtualMs + clause.withinMs);
          if (!hit) {
            return verdict(false, `after ${describeSelector(clause.after)} at ${t.entry.virtualMs} ms, no ${describeSelector(sel)}${bindings(env)} within ${clause.withinMs} ms`, found);
          }
          found.push(hit.s);
          from = hit.i + 1;
          env = hit.vars;
        }
        if (example.length === 0) example = found;
      }
      if (triggers === 0) return verdict(false, `no ${describeSelector(clause.after)} was seen, so nothing could answer it`, []);
      return verdict(true, `each of ${triggers} ${describeSelector(clause.after)} answered within ${clause.withinMs} ms`, example);
    }
    case "never": {
      let from = 0;
      let vars: Vars = {};
      let trigger: Seen | undefined;
      if (clause.after) {
        const t = find(clause.after, 0);
        if (!t) return verdict(false, `no ${describeSelector(clause.after)} was seen, so the clause could not be judged`, []);
        from = t.i + 1;
        vars = t.vars;
        trigger = t.s;
      }
      const bad = find(clause.match, from, vars);
      if (bad) return verdict(false, `${describeSelector(clause.match)}${bindings(vars)} was seen`, [trigger, bad.s]);
      return verdict(true, `no ${describeSelector(clause.match)}${bindings(vars)}`, [trigger]);
    }
    case "retries": {
      const t = find(clause.after, 0);
      if (!t) return verdict(false, `no ${describeSelector(clause.after)} was seen, so nothing needed retrying`, []);
      // A retry is a new call: one whose first entry comes after the failure (another call that
      // failed at the same moment is not a retry).
      const firstOf = new Map<number, number>();
      for (const s of seen) if (!firstOf.has(s.entry.stream)) firstOf.set(s.entry.stream, s.at);
      const attempts: Seen[] = [];
      for (let i = t.i + 1; i < seen.length; i++) {
        const s = seen[i]!;
        if (s.entry.virtualMs > t.s.entry.virtualMs + clause.windowMs) break;
        if (firstOf.get(s.entry.stream)! > t.s.at && select(clause.attempt, s, t.vars)) attempts.push(s);
      }
      if (attempts.length < clause.min) {
        return verdict(false, `after ${describeSelector(clause.after)}, ${attempts.length} ${describeSelector(clause.attempt)} in ${clause.windowMs} ms, expected at least ${clause.min}`, [t.s, ...attempts]);
      }
      // The waits: from the failure to the first retry, then between retries.
      const tries = [t.s, ...attempts];
      let gaps = tries.slice(1).map((x, k) => Math.round(x.entry.virtualMs - tries[k]!.entry.virtualMs));
      // One reconnection at once is allowed (clients re-open a stream that had been open
      // straight away); the waits after that are the back-off's.
      let skip = 0;
      if (gaps.length > 1 && gaps[0]! < clause.minGapMs) {
        gaps = gaps.slice(1);
        skip = 1;
      }
      const short = gaps.findIndex((g) => g < clause.minGapMs);
      if (short >= 0) {
        const k = short + skip;
        return verdict(false, `retried after ${gaps[short]} ms, sooner than ${clause.minGapMs} ms: no back-off`, [t.s, tries[k]!, tries[k + 1]!]);
      }
      // Randomised and layered back-offs (a gRPC retry inside an outer one) are not monotonic;
      // a back-off still waits longer at some point than it did at first.
      if (clause.growing && !gaps.slice(1).some((g) => g > gaps[0]!)) {
        return verdict(false, `the waits between retries did not grow (${gaps.join(", ")} ms)`, [t.s, ...attempts.slice(0, 6)]);
      }
      return verdict(true, `${attempts.length} retries, waits ${gaps.join(", ")} ms`, [t.s, ...attempts.slice(0, 4)]);
    }
  }
}

function bindings(vars: Vars): string {
  const keys = Object.keys(vars);
  return keys.length === 0 ? "" : ` (${keys.map((k) => `${k}=${JSON.stringify(vars[k])}`).join(", ")})`;
}
