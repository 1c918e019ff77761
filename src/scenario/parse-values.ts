/**
 * The small value languages of a scenario file: durations (`200ms`, `1m30s`), Kubernetes
 * quantities (`1Gi`, `500M`, `1e9`), `namespace/name` references and "did you mean" suggestions.
 * Each parser returns a value or a sentence saying what was expected, never throws.
 */

import { editDistance, nearest } from "../core/suggest.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

// ------------------------------------------------------------------------------------------------
// Suggestions

/**
 * The candidate the user most likely meant: the nearest within edit distance 2, else one that
 * the word is a prefix of (or that is a prefix of the word), else undefined.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const n = nearest(word, candidates);
  if (n !== undefined && n.distance <= 2 && n.distance < Math.max(word.length, n.best.length)) return n.best;
  const w = word.toLowerCase();
  const byDistance = (list: string[]) => [...list].sort((a, b) => editDistance(word, a) - editDistance(word, b))[0];
  if (w.length >= 2) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(w) || w.startsWith(c.toLowerCase()));
    if (prefixed.length > 0) return byDistance(prefixed);
  }
  // A word the candidate contains (`Available` for `ModelAvailable`).
  if (w.length >= 4) {
    const containing = candidates.filter((c) => c.toLowerCase().includes(w));
    if (containing.length > 0) return byDistance(containing);
  }
  return undefined;
}

/** `; did you mean \`x\`?`, or "" when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  return s === undefined ? "" : `; did you mean \`${s}\`?`;
}

/** `; did you mean \`x\`?` or, with no close candidate, `; expected one of: a, b, c`. */
export function hint(word: string, candidates: readonly string[], listLimit = 12): string {
  const s = suggest(word, candidates);
  if (s !== undefined) return `; did you mean \`${s}\`?`;
  if (candidates.length === 0) return "";
  if (candidates.length > listLimit) return `; expected one of: ${candidates.slice(0, listLimit).join(", ")}, ...`;
  return `; expected one of: ${candidates.join(", ")}`;
}

// ------------------------------------------------------------------------------------------------
// Durations

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^((?:\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * A Go-style duration (`300ms`, `1.5s`, `2m`, `1h30m`) as whole milliseconds. A bare `0` is
 * accepted; other bare numbers are refused because their unit would be a guess.
 */
export function parseDuration(input: unknown): Parsed<number> {
  const expected = "a duration such as `500ms`, `10s`, `2m` or `1h30m`";
  if (input === 0) return ok(0);
  if (typeof input === "number") return bad(`expected ${expected}, got the bare number ${input} (add a unit, e.g. \`${input}s\`)`);
  if (typeof input !== "string") return bad(`expected ${expected}`);
  const s = input.trim();
  if (s === "0") return ok(0);
  if (s.startsWith("-")) return bad(`expected ${expected}; durations cannot be negative, got \`${input}\``);
  if (!DURATION_RE.test(s)) {
    if (/^\d+(\.\d*)?$/.test(s)) return bad(`expected ${expected}, got \`${input}\` without a unit (e.g. \`${s}s\`)`);
    return bad(`expected ${expected}, got \`${input}\` (units: ms, s, m, h)`);
  }
  // Sum in nanoseconds as integers to stay exact, then convert.
  let ns = 0n;
  for (const m of s.matchAll(DURATION_PART)) {
    const [int = "0", frac = ""] = (m[1] ?? "0").split(".");
    const unit = m[2] ?? "s";
    const unitNs = BigInt(Math.round((DURATION_UNITS[unit] ?? 1) * 1e6));
    const scale = 10n ** BigInt(frac.length);
    const num = BigInt(int || "0") * scale + BigInt(frac || "0");
    const total = num * unitNs;
    if (total % scale !== 0n) return bad(`\`${input}\` is finer than a nanosecond`);
    ns += total / scale;
  }
  if (ns % 1_000_000n !== 0n) return bad(`\`${input}\` is not a whole number of milliseconds; the simulator's clock counts milliseconds`);
  const ms = ns / 1_000_000n;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) return bad(`\`${input}\` is too long`);
  return ok(Number(ms));
}

/** Milliseconds as the shortest duration text (`90000` → `1m30s`), for messages and docs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  rest -= s * 1000;
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (s) out += `${s}s`;
  if (rest) out += `${rest}ms`;
  return out;
}

// ------------------------------------------------------------------------------------------------
// Quantities

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** An exact rational `num / den`. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** A Kubernetes quantity (`1Gi`, `500M`, `1.5G`, `1e9`, `100m`, plain numbers) as an exact rational. */
export function parseQuantity(input: unknown): Parsed<Rational> {
  const expected = "a Kubernetes quantity such as `1Gi`, `500Mi`, `2G` or a number of bytes";
  let s: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return bad(`expected ${expected}`);
    s = Number.isInteger(input) ? BigInt(input).toString() : String(input);
  } else if (typeof input === "string") {
    s = input.trim();
  } else {
    return bad(`expected ${expected}`);
  }
  const m = QUANTITY_RE.exec(s);
  if (!m) {
    const unit = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)$/.exec(s)?.[1];
    const extra = unit !== undefined ? hint(unit, ["k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]) : "";
    return bad(`expected ${expected}, got \`${String(input)}\`${unit !== undefined ? ` (unknown suffix \`${unit}\`${extra})` : ""}`);
  }
  const sign = m[1] === "-" ? -1n : 1n;
  const [int = "0", frac = ""] = (m[2] ?? "0").split(".");
  let num = sign * (BigInt(int || "0") * 10n ** BigInt(frac.length) + BigInt(frac || "0"));
  let den = 10n ** BigInt(frac.length);
  const suffix = m[3] ?? "";
  if (suffix in BINARY) {
    num *= 2n ** BigInt(BINARY[suffix] ?? 0);
  } else if (suffix in DECIMAL || /^[eE]/.test(suffix)) {
    const e = suffix in DECIMAL ? (DECIMAL[suffix] ?? 0) : Number(suffix.slice(1));
    if (Math.abs(e) > 100) return bad(`\`${String(input)}\` is out of range`);
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  return ok({ num, den });
}

/** A quantity of bytes, rounded up to a whole byte as Kubernetes' `Value()` does; refuses negatives. */
export function parseBytes(input: unknown): Parsed<bigint> {
  const q = parseQuantity(input);
  if (!q.ok) return q;
  if (q.value.num < 0n) return bad(`memory cannot be negative, got \`${String(input)}\``);
  const { num, den } = q.value;
  return ok((num + den - 1n) / den);
}

// ------------------------------------------------------------------------------------------------
// Names

/** RFC 1123 label: what Kubernetes accepts as a namespace name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: what Kubernetes accepts as most object names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkNamespaceName(name: string): string | null {
  if (name.length > 63) return `namespace name \`${name}\` is longer than 63 characters`;
  if (!DNS_LABEL.test(name)) return `\`${name}\` is not a valid namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  return null;
}

export function checkObjectName(name: string): string | null {
  if (name.length > 253) return `name \`${name}\` is longer than 253 characters`;
  if (!DNS_SUBDOMAIN.test(name)) return `\`${name}\` is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`;
  return null;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const isIPv4 = (s: string): boolean => IPV4.test(s);

/** Wall time: an RFC 3339 timestamp with a zone (`2025-07-06T14:00:00Z`) or Unix milliseconds. */
export function parseEpoch(input: unknown): Parsed<number> {
  const expected = "an RFC 3339 time with a zone, such as `2025-07-06T14:00:00Z`, or Unix milliseconds";
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input)) return bad(`expected ${expected}, got ${input}`);
    return ok(input);
  }
  if (typeof input !== "string") return bad(`expected ${expected}`);
  const re = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  if (!re.test(input.trim())) return bad(`expected ${expected}, got \`${input}\``);
  const t = Date.parse(input.trim().replace(" ", "T"));
  if (Number.isNaN(t)) return bad(`\`${input}\` is not a valid time`);
  return ok(t);
}
