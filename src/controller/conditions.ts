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

/** Sets one condition in place; returns whether anything but the time would differ. */
function setCondition(conds: Condition[], c: Omit<Condition, "lastTransitionTime">, now: Millis): boolean {
  const i = conds.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conds[i] : undefined;
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return false;
  if (i >= 0) conds.splice(i, 1);
  conds.push({ ...c, lastTransitionTime: now });
  conds.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return true;
}

/**
 * `MarkTrueWithReason` / `MarkFalse` on a living set with the single dependent `dependent`.
 * Returns whether the conditions changed.
 */
export function markDependent(conds: Condition[], dependent: string, isTrue: boolean, reason: string, message: string, now: Millis): boolean {
  if (isTrue) {
    const a = setCondition(conds, { type: dependent, status: "True", reason, message }, now);
    const b = setCondition(conds, { type: READY, status: "True", reason: "", message: "" }, now);
    return a || b;
  }
  const a = setCondition(conds, { type: dependent, status: "False", reason, message }, now);
  const b = setCondition(conds, { type: READY, status: "False", reason, message }, now);
  return a || b;
}

export function conditionOf(conds: Condition[], type: string): Condition | undefined {
  return conds.find((c) => c.type === type);
}

export function isTrue(conds: Condition[], type: string): boolean {
  return conditionOf(conds, type)?.status === "True";
}
