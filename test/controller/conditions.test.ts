import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MODEL_READY, READY, STATEFUL_SET_READY, markDependent, markDependentKeeps, type Condition, type ConditionStatus } from "../../src/controller/conditions.ts";

// The plain statement of the rule: drop the condition of that type, append the new one, sort by
// type (stable). `markDependent` must give the same list, the same objects where it keeps them,
// and the same answer.
function referenceSet(conds: Condition[], c: Omit<Condition, "lastTransitionTime">, now: number): boolean {
  const i = conds.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conds[i] : undefined;
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return false;
  if (i >= 0) conds.splice(i, 1);
  conds.push({ ...c, lastTransitionTime: now });
  conds.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return true;
}

function referenceMark(conds: Condition[], dependent: string, isTrue: boolean, reason: string, message: string, now: number): boolean {
  const status: ConditionStatus = isTrue ? "True" : "False";
  const a = referenceSet(conds, { type: dependent, status, reason, message }, now);
  const b = referenceSet(conds, { type: READY, status, reason: isTrue ? "" : reason, message: isTrue ? "" : message }, now);
  return a || b;
}

const text = fc.constantFrom("", "ModelAvailable", "ModelProgressing", "a", "b");
const condition = fc.record({
  // duplicates and unsorted lists included: lists nobody builds still get the plain rule
  type: fc.constantFrom(READY, MODEL_READY, STATEFUL_SET_READY, "Aaa", "Zzz"),
  status: fc.constantFrom<ConditionStatus>("True", "False", "Unknown"),
  reason: text,
  message: text,
  lastTransitionTime: fc.integer({ min: 0, max: 9 }),
});
const list = fc.oneof(
  fc.array(condition, { maxLength: 4 }),
  // the lists the controller builds: strictly sorted, one per type
  fc.uniqueArray(condition, { selector: (c) => c.type, maxLength: 4 }).map((cs) => cs.sort((a, b) => (a.type < b.type ? -1 : 1))),
);
const call = fc.record({ dependent: fc.constantFrom(MODEL_READY, STATEFUL_SET_READY), isTrue: fc.boolean(), reason: text, message: text });

describe("markDependent", () => {
  it("leaves the list, its objects and its answer as the plain rule does", () => {
    fc.assert(fc.property(list, fc.array(call, { minLength: 1, maxLength: 4 }), (start, calls) => {
      const mine = [...start];
      const ref = [...start];
      calls.forEach((k, t) => {
        const a = markDependent(mine, k.dependent, k.isTrue, k.reason, k.message, 100 + t);
        const b = referenceMark(ref, k.dependent, k.isTrue, k.reason, k.message, 100 + t);
        expect(a).toBe(b);
        expect(mine).toStrictEqual(ref);
        // kept conditions are the very objects that were there
        mine.forEach((c, i) => expect(start.includes(c)).toBe(start.includes(ref[i]!)));
      });
    }), { numRuns: 5_000 });
  });

  it("is foreseen by markDependentKeeps: true exactly when nothing would change", () => {
    fc.assert(fc.property(list, call, (start, k) => {
      const keeps = markDependentKeeps(start, k.dependent, k.isTrue, k.reason, k.message);
      const copy = [...start];
      const changed = referenceMark(copy, k.dependent, k.isTrue, k.reason, k.message, 100);
      expect(keeps).toBe(!changed);
      if (keeps) expect(copy).toStrictEqual(start);
    }), { numRuns: 5_000 });
  });
});
