/**
 * Helpers that behave like the Go standard library functions Seldon's agent and scheduler rely
 * on (`strconv.ParseUint`, `strconv.ParseInt`, `strconv.Atoi`, `strings.TrimSpace`, float32
 * arithmetic). Each returns `undefined` where Go would return an error.
 */

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** `strconv.ParseUint(s, 10, 64)`: decimal digits only, no sign, no spaces, at most 2^64-1. */
export function parseUint64(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > UINT64_MAX) return undefined;
  return Number(v);
}

/** `strconv.ParseInt(s, 10, 64)` (and `strconv.Atoi` on a 64-bit platform): optional sign, decimal digits. */
export function parseInt64(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) return undefined;
  return Number(v);
}

export const atoi = parseInt64;

/** Go's `uint32(x)` conversion of an integer: keeps the low 32 bits. */
export function toUint32(n: number): number {
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(n))));
}

/** Go's `uint8(x)` conversion of an integer. */
export function toUint8(n: number): number {
  return Number(BigInt.asUintN(8, BigInt(Math.trunc(n))));
}

/** Go's `uint64(x)` conversion of an integer (exact while |x| < 2^53). */
export function toUint64(n: number): number {
  return Number(BigInt.asUintN(64, BigInt(Math.trunc(n))));
}

// unicode.IsSpace: the ASCII white space, NEL, NBSP and the Unicode Z* space separators.
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
const LEADING = new RegExp(`^${GO_SPACE}+`, "u");
const TRAILING = new RegExp(`${GO_SPACE}+$`, "u");

/** False only for characters that are certainly not in GO_SPACE. */
function mayBeGoSpace(code: number): boolean {
  return code <= 0x20 || code >= 0x85;
}

/** `strings.TrimSpace`. Unlike `String.prototype.trim` it keeps U+FEFF and removes U+0085. */
export function goTrimSpace(s: string): string {
  // Nearly every string has nothing to trim; the regular expressions are the slow path.
  if (s.length === 0 || (!mayBeGoSpace(s.charCodeAt(0)) && !mayBeGoSpace(s.charCodeAt(s.length - 1)))) return s;
  return s.replace(LEADING, "").replace(TRAILING, "");
}

/** `float32(x)`. */
export const f32 = Math.fround;
