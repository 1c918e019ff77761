/** Unsigned 64-bit arithmetic and the float64 conversions Go performs on such values. */

export const UINT64_MAX = (1n << 64n) - 1n;
const TWO_POW_64 = 2 ** 64;

export function isUint64(v: bigint): boolean {
  return v >= 0n && v <= UINT64_MAX;
}

/** `a - b` on uint64: wraps modulo 2^64 when b > a. */
export function uint64Sub(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(64, a - b);
}

/** `float64(x)` for a uint64: round to nearest, ties to even (what `Number(bigint)` does too). */
export function uint64ToFloat64(x: bigint): number {
  return Number(x);
}

/**
 * `uint64(f)` for a non-negative float64 holding an integer value (truncation). Go leaves
 * values at or above 2^64 implementation-dependent; we follow amd64, where the
 * compiled conversion yields 2^63 for them (checked with Go on amd64), so we do the same.
 */
export function float64ToUint64(f: number): bigint {
  if (!(f > 0)) return 0n;
  if (f >= TWO_POW_64) return 1n << 63n;
  return BigInt(Math.trunc(f));
}
