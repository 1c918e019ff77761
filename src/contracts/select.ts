/**
 * Which recorded entries a selector picks, and the variables it binds: the vocabulary every clause
 * is judged in. A string value may name variables bound earlier (`"${model}_${version}"`); a value
 * that is just one variable keeps the bound value's type.
 */
import type { RecordEntry } from "../recording/entry.ts";
import type { Condition, Selector } from "./types.ts";

export type Vars = Record<string, unknown>;

/** One recorded entry with its place in the recording and the request that opened its call. */
export interface Seen {
  at: number;
  entry: RecordEntry;
  request: unknown;
}

export function methodMatches(wanted: string, path: string): boolean {
  if (wanted.startsWith("/")) return wanted === path;
  if (wanted.includes("/")) return path.endsWith(`.${wanted}`) || path.endsWith(`/${wanted}`) || path === `/${wanted}`;
  return path.endsWith(`/${wanted}`);
}

/** The variables `sel` binds from `seen`, or null when it does not select it. */
export function select(sel: Selector, seen: Seen, vars: Vars): Vars | null {
  const e = seen.entry;
  if (e.kind !== sel.kind) return null;
  if (sel.direction !== null && e.direction !== sel.direction) return null;
  if (!methodMatches(sel.method, e.method)) return null;
  for (const w of sel.where) if (!holds(w.condition, lookup(seen, w.path), vars, w.path === "code" && e.kind === "status" ? e.status!.code : undefined)) return null;
  const out: Vars = { ...vars };
  for (const b of sel.bind) {
    let v = lookup(seen, b.path);
    if (b.pattern) {
      const m = typeof v === "string" ? b.pattern.exec(v) : null;
      if (!m) return null;
      v = m[1] ?? m[0];
    }
    if (v === undefined) return null;
    out[b.name] = v;
  }
  return out;
}

/** A field of the entry: of its message, or of its status (`code` as a name, `details`); paths
 * starting `$request.` read the request that opened the entry's call. */
export function lookup(seen: Seen, path: string): unknown {
  if (path.startsWith("$request.")) return walk(seen.request, path.slice("$request.".length));
  const e = seen.entry;
  const root = e.kind === "status" ? { code: e.status!.name, details: e.status!.details } : e.message;
  return walk(root, path);
}

function walk(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split(/\.|(?=\[)/)) {
    if (part === "") continue;
    if (v === null || v === undefined) return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    if (index) v = Array.isArray(v) ? v[Number(index[1])] : undefined;
    else v = typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  }
  return v;
}

/** `${name}` in a string value, replaced by bound variables; undefined when one is not bound. */
export function substitute(value: unknown, vars: Vars): unknown {
  if (typeof value !== "string") return value;
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (whole) return vars[whole[1]!];
  let missing = false;
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => {
    if (!(n in vars)) missing = true;
    return String(vars[n]);
  });
  return missing ? undefined : out;
}

/** A number as decoded: 64-bit integer fields arrive as decimal strings (exact), others as numbers. */
function numeric(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return null;
}

function holds(c: Condition, actual: unknown, vars: Vars, statusCode: number | undefined): boolean {
  switch (c.op) {
    case "eq": case "ne": {
      const want = substitute(c.value, vars);
      if (want === undefined) return false;
      const same = typeof want === "number" && statusCode !== undefined ? statusCode === want : equal(actual, want);
      return c.op === "eq" ? same : !same;
    }
    case "gt": case "ge": case "lt": case "le": {
      const n = numeric(actual);
      if (n === null) return false;
      switch (c.op) {
        case "gt": return n > c.value;
        case "ge": return n >= c.value;
        case "lt": return n < c.value;
        case "le": return n <= c.value;
      }
    }
    case "in": return c.values.some((v) => equal(actual, substitute(v, vars)));
    case "contains": {
      const want = substitute(c.value, vars);
      if (Array.isArray(actual)) return actual.some((x) => equal(x, want));
      return typeof actual === "string" && typeof want === "string" && actual.includes(want);
    }
    case "matches": return typeof actual === "string" && c.pattern.test(actual);
    case "exists": return (actual !== undefined && actual !== null) === c.value;
    case "nonEmpty":
      if (Array.isArray(actual)) return actual.length > 0;
      if (typeof actual === "string") return actual.trim() !== "";
      if (typeof actual === "number") return actual !== 0;
      return actual !== null && actual !== undefined && typeof actual === "object" && Object.keys(actual).length > 0;
  }
}

function equal(a: unknown, b: unknown): boolean {
  // 64-bit integers are decoded as exact decimal strings; a contract writes them as numbers
  if (typeof a === "number" && typeof b === "string" && b.trim() !== "" && Number(b) === a) return true;
  if (typeof a === "string" && typeof b === "number" && /^-?\d+$/.test(a) && Number(a) === b) return true;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A selector as a reader would say it: `AgentService/AgentEvent request where event = LOADED`. */
export function describeSelector(sel: Selector): string {
  const parts = [sel.method, sel.kind === "status" ? "status" : sel.direction ?? ""].filter((p) => p !== "");
  if (sel.where.length > 0) parts.push(`where ${sel.where.map((w) => `${w.path} ${describeCondition(w.condition)}`).join(", ")}`);
  return parts.join(" ");
}

function describeCondition(c: Condition): string {
  switch (c.op) {
    case "eq": return `= ${JSON.stringify(c.value)}`;
    case "ne": return `≠ ${JSON.stringify(c.value)}`;
    case "gt": return `> ${c.value}`;
    case "ge": return `≥ ${c.value}`;
    case "lt": return `< ${c.value}`;
    case "le": return `≤ ${c.value}`;
    case "in": return `in ${JSON.stringify(c.values)}`;
    case "contains": return `contains ${JSON.stringify(c.value)}`;
    case "matches": return `matches /${c.pattern.source}/`;
    case "exists": return c.value ? "is set" : "is not set";
    case "nonEmpty": return "is not empty";
  }
}
