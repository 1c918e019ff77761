/**
 * Load faults of the fake MLServer, set at run time (between inputs) by whoever drives the
 * simulation: a global behaviour plus rules for model-name patterns. The most recently set rule
 * whose pattern matches a model wins outright (rules are not merged with each other or with the
 * global behaviour); without a matching rule the global behaviour applies.
 */
import { Status, type GrpcStatus } from "../core/protocol.ts";
import { workerStopped } from "./errors.ts";

export interface LoadBehaviour {
  /** Time the load takes before it answers (and the model becomes READY). Default 0: immediate. */
  delayMs?: number;
  /** Fail the load (after the delay) with these error details. */
  fail?: string;
  /** gRPC code of the failure; default INTERNAL (what MLServer answers when a runtime's `load`
   * raises). Setting only `failCode` also makes the load fail. */
  failCode?: number;
  /** Fail the load (after the delay) as MLServer does when the worker loading the model is
   * OOM-killed: INTERNAL "Worker process stopped unexpectedly with exit code -9.". Wins over
   * `fail`. */
  outOfMemory?: boolean;
}

/** `*` matches any run of characters, `?` one character, everything else itself; or a RegExp. */
export type ModelPattern = string | RegExp;

export interface LoadOutcome {
  delayMs: number;
  /** Undefined when the load succeeds. */
  error?: GrpcStatus;
}

export const DEFAULT_FAIL_DETAILS = "injected load failure";

interface Rule {
  pattern: ModelPattern;
  matches: (name: string) => boolean;
  behaviour: LoadBehaviour;
}

function compile(pattern: ModelPattern): (name: string) => boolean {
  if (pattern instanceof RegExp) {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    return (name) => re.test(name);
  }
  const body = Array.from(pattern, (c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  const re = new RegExp(`^${body}$`, "s");
  return (name) => re.test(name);
}

function samePattern(a: ModelPattern, b: ModelPattern): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.source === b.source && a.flags === b.flags;
}

function validate(b: LoadBehaviour): LoadBehaviour {
  if (b.delayMs !== undefined && !(Number.isFinite(b.delayMs) && b.delayMs >= 0)) {
    throw new RangeError(`load delayMs must be a non-negative number, got ${b.delayMs}`);
  }
  if (b.failCode !== undefined && !(Number.isInteger(b.failCode) && b.failCode > Status.OK && b.failCode <= Status.UNAUTHENTICATED)) {
    throw new RangeError(`load failCode must be a gRPC error code (1..16), got ${b.failCode}`);
  }
  return { ...b };
}

export class LoadBehaviours {
  private global: LoadBehaviour = {};
  private rules: Rule[] = [];

  /** Sets the global behaviour, or (with `pattern`) the behaviour of matching models, replacing
   * an earlier rule with the same pattern. */
  set(behaviour: LoadBehaviour, pattern?: ModelPattern): void {
    const b = validate(behaviour);
    if (pattern === undefined) {
      this.global = b;
      return;
    }
    this.rules = this.rules.filter((r) => !samePattern(r.pattern, pattern));
    this.rules.push({ pattern, matches: compile(pattern), behaviour: b });
  }

  /** Removes the rule for `pattern`, or without a pattern every rule and the global behaviour. */
  clear(pattern?: ModelPattern): void {
    if (pattern === undefined) {
      this.global = {};
      this.rules = [];
    } else {
      this.rules = this.rules.filter((r) => !samePattern(r.pattern, pattern));
    }
  }

  /** The behaviour that applies to a model. */
  behaviourFor(model: string): LoadBehaviour {
    return { ...this.ruleFor(model) };
  }

  /** The behaviour itself, only read: every load asks, and needs no copy of it. */
  private ruleFor(model: string): Readonly<LoadBehaviour> {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i];
      if (r?.matches(model)) return r.behaviour;
    }
    return this.global;
  }

  outcomeFor(model: string): LoadOutcome {
    const b = this.ruleFor(model);
    const delayMs = b.delayMs ?? 0;
    if (b.outOfMemory) return { delayMs, error: workerStopped() };
    if (b.fail !== undefined || b.failCode !== undefined) {
      return { delayMs, error: { code: (b.failCode ?? Status.INTERNAL) as GrpcStatus["code"], details: b.fail ?? DEFAULT_FAIL_DETAILS } };
    }
    return { delayMs };
  }
}
