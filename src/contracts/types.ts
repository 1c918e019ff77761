/**
 * A behavioural contract, once parsed: the component under test, the scenario around it (the
 * fakes and the stimuli, in the scenario format), and clauses judged over the recorded
 * conversation. The file format is documented in docs/contracts.md and schema/contract.schema.json.
 */
import type { Origin, Scenario } from "../scenario/types.ts";

export const SUBJECTS = ["agent", "scheduler", "mlserver", "controller"] as const;
export type Subject = (typeof SUBJECTS)[number];

export interface Contract {
  name: string;
  description: string;
  file: string;
  subject: Subject;
  /** The pod whose `subject` container the component under test replaces. */
  replaces: { namespace: string; pod: string } | null;
  scenario: Scenario;
  clauses: Clause[];
}

/** A comparison on one field of a message (or of a status: `code`, `details`). */
export type Condition =
  | { op: "eq" | "ne"; value: unknown }
  | { op: "gt" | "ge" | "lt" | "le"; value: number }
  | { op: "in"; values: unknown[] }
  | { op: "contains"; value: unknown }
  | { op: "matches"; pattern: RegExp }
  | { op: "exists"; value: boolean }
  | { op: "nonEmpty" };

/** Which recorded entries a clause talks about. String values may name bound variables: `${model}`. */
export interface Selector {
  /** Short name (`Subscribe`), `Service/Method`, or the full path. */
  method: string;
  kind: "message" | "status";
  /** Messages only; a status is always a response. null: either. */
  direction: "request" | "response" | null;
  /** Field path (dots, `[i]` for list items) → condition. For a status: `code` (a name such as
   * `UNAVAILABLE`, or a number) and `details`. */
  where: { path: string; condition: Condition }[];
  /** Variables to take from the matched entry, by field path, for later selectors. */
  bind: { name: string; path: string; pattern: RegExp | null }[];
  origin: Origin;
}

export type ClauseBody =
  /** The first `then` comes after some `first`. */
  | { kind: "order"; first: Selector; then: Selector }
  /** Every entry `match` selects satisfies `expect` (and there is at least one). */
  | { kind: "content"; match: Selector; expect: Selector["where"] }
  /** After each `after`, the `expect` entries follow in order, all within `withinMs`. */
  | { kind: "response"; after: Selector; expect: Selector[]; withinMs: number }
  /** No entry `match` selects (after `after`, when given; `after` must then be seen). */
  | { kind: "never"; after: Selector | null; match: Selector }
  /** After `after`, the component tries `attempt` again at least `min` times in `windowMs`,
   * never sooner than `minGapMs` after the previous try, waiting longer as it goes on. */
  | { kind: "retries"; after: Selector; attempt: Selector; min: number; minGapMs: number; growing: boolean; windowMs: number };

export type Clause = ClauseBody & { name: string; description: string; origin: Origin };

export const CLAUSE_KINDS = ["order", "content", "response", "never", "retries"] as const;
