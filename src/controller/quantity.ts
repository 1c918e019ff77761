/**
 * Kubernetes resource quantities (`1Gi`, `100M`, `512Ki`, `1e3`, `0.5`, `100m`), parsed with the
 * rules of k8s.io/apimachinery `resource.ParseQuantity`, and the two things the Seldon operator
 * does with a Model's `spec.memory`: `AsInt64()` (which refuses anything that Kubernetes did not
 * keep as a scaled 64-bit integer) and `String()` (its canonical spelling, used in the error).
 *
 * Values are exact: every number is a bigint. A quantity is kept the way Kubernetes keeps it:
 * either as an int64 times a power of ten (the "fast path", taken for short decimal numbers and
 * whole binary numbers), or as an arbitrary decimal rounded up to nano units and capped at
 * 2^63-1 units. Only the former converts to bytes.
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** The text that was parsed (a number is first spelled as Go's JSON encoder spells it). */
  readonly text: string;
  /** The value in nano units (value × 10^9), after Kubernetes' rounding and capping. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** How Kubernetes holds the value when it took its int64 path: `value × 10^scale`; else null. */
  readonly scaled: { readonly value: bigint; readonly scale: number } | null;
  /** The string Kubernetes remembers for a quantity already written canonically, else null. */
  readonly cached: string | null;
}

/** The three parse errors of k8s.io/apimachinery, with their texts. */
export const QUANTITY_ERRORS = {
  format: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  numeric: "unable to parse numeric part of quantity",
  suffix: "unable to parse quantity's suffix",
} as const;

export class QuantityError extends Error {
  constructor(
    readonly input: string,
    readonly kind: keyof typeof QUANTITY_ERRORS,
  ) {
    super(QUANTITY_ERRORS[kind]);
    this.name = "QuantityError";
  }
}

/**
 * What the Model CRD's OpenAPI schema accepts for `spec.memory` (the API server rejects anything
 * else before the operator sees it). Slightly looser than the parser: it lets `1e1.5` through.
 */
export const CRD_QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
export const CRD_QUANTITY_PATTERN_TEXT =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const INT64_MAX = (1n << 63n) - 1n;
const NANO = 1_000_000_000n;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_LETTERS = "eEinumkKMGTP";
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** A JSON number as Go's encoding/json writes a float64 (integers without exponent below 1e21). */
export function goJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(String(n), "format");
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n); // JS and Go agree on the remaining forms ("1.5", "1e-7", "1e+21")
}

interface Parts {
  positive: boolean;
  /** Sign, digits and fraction as written (the suffix excluded). */
  value: string;
  /** Integer digits with leading zeros removed ("0" when none). */
  num: string;
  /** Fraction digits as written. */
  denom: string;
  suffix: string;
}

/** Splits `[sign] digits [. digits] [suffix letters [sign] digits]`, as Kubernetes scans it. */
function split(str: string): Parts {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (str[pos] === "0") pos++;
  if (pos >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  let num = str.slice(numStart, pos);
  if (pos >= end) return { positive, value: str, num: num || "0", denom: "", suffix: "" };
  if (num === "") num = "0";
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    const denomStart = pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, value: str, num, denom, suffix: "" };
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(str, "format");
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(str: string, suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: "DecimalSI" };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    // strconv.ParseInt(rest, 10, 64), then truncated to int32
    const rest = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) throw new QuantityError(str, "suffix");
    const parsed = BigInt(rest);
    if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) throw new QuantityError(str, "suffix");
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: "DecimalExponent" };
  }
  throw new QuantityError(str, "suffix");
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const fitsInt64 = (v: bigint): boolean => v <= INT64_MAX && v >= -INT64_MAX - 1n;

/**
 * Parses a quantity as the API server and the operator decode it (strings are trimmed first, as
 * `Quantity.UnmarshalJSON` does). Throws `QuantityError` with Kubernetes' message.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === "number" ? goJsonNumber(input) : input.trim();
  if (str.length === 0) throw new QuantityError(str, "format");
  if (str === "0") return { text: str, nanos: 0n, format: "DecimalSI", scaled: { value: 0n, scale: 0 }, cached: str };

  const p = split(str);
  const { base, exponent, format } = interpretSuffix(str, p.suffix);

  // The int64 path.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === "BinarySI") {
    if (exponent >= 0 && p.denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - p.num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (p.num.length + p.denom.length);
  }
  if (precision >= 0) {
    scale -= p.denom.length;
    if (scale >= -9) {
      const shifted = p.num + p.denom;
      const parsed = BigInt(shifted);
      const product = parsed * mantissa;
      if (fitsInt64(product)) {
        const value = p.positive ? product : -product;
        let cached: string | null = null;
        if (format === "BinarySI") {
          if (exponent % 10 === 0 && (parsed & 7n) !== 0n) cached = str;
        } else if (scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0") {
          cached = str;
        }
        const nanos = scale >= -9 ? value * pow10(scale + 9) : 0n;
        return { text: str, nanos, format, scaled: { value, scale }, cached };
      }
    }
  }

  // The arbitrary-precision path: exact decimal, rounded up to nano units, capped at 2^63-1.
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(p.value);
  if (!m || ((m[2] ?? "") === "" && (m[3] ?? "") === "")) throw new QuantityError(str, "numeric");
  const negative = m[1] === "-";
  const frac = m[3] ?? "";
  let unscaled = BigInt((m[2] ?? "") + frac || "0"); // magnitude × 10^frac.length
  let decScale = frac.length; // value = unscaled × 10^-decScale
  if (base === 10) decScale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  // to nano units, rounding away from zero
  let nanos: bigint;
  if (decScale <= 9) nanos = unscaled * pow10(9 - decScale);
  else {
    const div = pow10(decScale - 9);
    nanos = unscaled / div + (unscaled % div === 0n ? 0n : 1n);
  }
  if (nanos > INT64_MAX * NANO) nanos = INT64_MAX * NANO;
  let fmt = format;
  if (fmt === "BinarySI" && nanos > 0n && nanos < NANO) fmt = "DecimalSI";
  return { text: str, nanos: negative ? -nanos : nanos, format: fmt, scaled: null, cached: null };
}

/**
 * `Quantity.AsInt64()`: the whole number of units, or null where Kubernetes answers "not ok"
 * (a quantity kept as an arbitrary decimal, a negative scale such as `100m` or `1.5`, or an
 * int64 overflow).
 */
export function quantityAsInt64(q: Quantity): bigint | null {
  if (!q.scaled) return null;
  const { value, scale } = q.scaled;
  if (scale === 0) return value;
  if (scale < 0) return null;
  const v = value * pow10(scale);
  return fitsInt64(v) ? v : null;
}

/** `Quantity.String()`: the remembered spelling, or Kubernetes' canonical form. */
export function quantityString(q: Quantity): string {
  if (q.cached !== null) return q.cached;
  if (q.nanos === 0n) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    const whole = q.nanos % NANO === 0n;
    if ((q.nanos > -1024n * NANO && q.nanos < 1024n * NANO) || !whole) format = "DecimalSI";
    else {
      let amount = q.nanos / NANO;
      let times = 0;
      const neg = amount < 0n;
      if (neg) amount = -amount;
      while (amount >= 1024n && amount % 1024n === 0n) {
        amount /= 1024n;
        times++;
      }
      const suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][times] ?? "";
      return `${neg ? "-" : ""}${amount}${suffix}`;
    }
  }
  // decimal: move every factor of ten into the exponent, then align the exponent to a multiple of 3
  let amount = q.nanos;
  let exp = -9;
  const neg = amount < 0n;
  if (neg) amount = -amount;
  while (amount >= 10n && amount % 10n === 0n) {
    amount /= 10n;
    exp++;
  }
  while (((exp % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exp--;
  }
  let suffix: string;
  if (format === "DecimalExponent") suffix = exp === 0 ? "" : `e${exp}`;
  else suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exp)?.[0] ?? "";
  return `${neg ? "-" : ""}${amount}${suffix}`;
}
