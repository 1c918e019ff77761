/**
 * Status conditions the way the operator keeps them: knative's "living" condition set, with one
 * dependent condition (`ModelReady` for a Model, `StatefulSetReady` for a Server) and the
 * summary `Ready`. Marking the dependent true makes `Ready` true (without reason or message);
 * marking it false makes both false with the same reason and message. A condition that would
 * change only its transition time is left as it was. Conditions are kept sorted by type.
 */
import type { Millis } from "../core/protocol.ts";

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** Run time of the last change. */
  lastTransitionTime: Millis;
}

export const READY = "Ready";
export const MODEL_READY = "ModelReady";
export const STATEFUL_SET_READY = "StatefulSetReady";

/**
 * Sets one condition in place; returns whether anything but the time would differ. The new
 * condition takes the old one's slot when the list is strictly sorted by type (as every list this
 * module builds is), which is where removing it, appending and sorting would put it; any other
 * list gets exactly that remove, append and stable sort.
 */
function setCondition(conds: Condition[], type: string, status: ConditionStatus, reason: string, message: string, now: Millis): boolean {
  let i = 0;
  while (i < conds.length && conds[i]!.type !== type) i++;
  const old = i < conds.length ? conds[i] : undefined;
  if (old && old.status === status && old.reason === reason && old.message === message) return false;
  const c: Condition = { type, status, reason, message, lastTransitionTime: now };
  if (old && strictlySorted(conds)) {
    conds[i] = c;
    return true;
  }
  if (old) conds.splice(i, 1);
  conds.push(c);
  conds.sort(byType);
  return true;
}

const byType = (a: Condition, b: Condition): number => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

function strictlySorted(conds: Condition[]): boolean {
  for (let i = 1; i < conds.length; i++) if (!(conds[i - 1]!.type < conds[i]!.type)) return false;
  return true;
}

/**
 * `MarkTrueWithReason` / `MarkFalse` on a living set with the single dependent `dependent`.
 * Returns whether the conditions changed.
 */
export function markDependent(conds: Condition[], dependent: string, isTrue: boolean, reason: string, message: string, now: Millis): boolean {
  if (isTrue) {
    const a = setCondition(conds, dependent, "True", reason, message, now);
    const b = setCondition(conds, READY, "True", "", "", now);
    return a || b;
  }
  const a = setCondition(conds, dependent, "False", reason, message, now);
  const b = setCondition(conds, READY, "False", reason, message, now);
  return a || b;
}

/** Whether `markDependent` with these arguments would leave the conditions as they are. */
export function markDependentKeeps(conds: Condition[], dependent: string, isTrue: boolean, reason: string, message: string): boolean {
  const d = conditionOf(conds, dependent);
  const r = conditionOf(conds, READY);
  if (d === undefined || r === undefined) return false;
  if (isTrue) {
    return d.status === "True" && d.reason === reason && d.message === message && r.status === "True" && r.reason === "" && r.message === "";
  }
  return d.status === "False" && d.reason === reason && d.message === message && r.status === "False" && r.reason === reason && r.message === message;
}

export function conditionOf(conds: Condition[], type: string): Condition | undefined {
  return conds.find((c) => c.type === type);
}

export function isTrue(conds: Condition[], type: string): boolean {
  return conditionOf(conds, type)?.status === "True";
}
