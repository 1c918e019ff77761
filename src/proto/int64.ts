/**
 * 64-bit integers as they come off the wire. The loader decodes `int64`/`uint64` fields as
 * decimal strings (`PROTO_LOAD_OPTIONS.longs`), because a JavaScript number cannot hold every
 * uint64: 2^64−1 would round to 2^64 and then wrap to 0 in uint64 arithmetic. Messages our own
 * code builds may still carry plain numbers; both encode the same on the wire.
 */

/** What a decoded (or hand-built) 64-bit field can hold. */
export type Wire64 = string | number | bigint;

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function toBigInt(v: unknown): bigint | null {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return null;
}

/** A uint64 field, exactly; anything that is not a uint64 reads as Go's zero value. */
export function readUint64(v: unknown): bigint {
  const b = toBigInt(v);
  return b === null || b < 0n || b > UINT64_MAX ? 0n : b;
}

/** An int64 field, exactly; anything that is not an int64 reads as 0. */
export function readInt64(v: unknown): bigint {
  const b = toBigInt(v);
  return b === null || b < INT64_MIN || b > INT64_MAX ? 0n : b;
}

/** An int64 or uint64 field as a number, for values that only count things (rounded above 2^53). */
export function readInt64AsNumber(v: unknown): number {
  // What the decoder gives is decimal digits; up to 15 of them are exact as a number, read
  // without a BigInt (memory sizes are on every model a component reads).
  if (typeof v === "string" && v.length > 0 && v.length <= 15 && allDigits(v)) return Number(v);
  const b = toBigInt(v);
  return b === null ? 0 : Number(b);
}

function allDigits(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** How we put a uint64 on the wire: its decimal digits, exact at any size. */
export function uint64ToWire(v: bigint): string {
  return v.toString();
}
