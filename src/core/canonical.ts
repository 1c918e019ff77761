/**
 * JSON with object keys sorted and empty values dropped, so that two decodings of the same
 * protobuf message compare equal however they were built (a missing field and a field holding
 * its default are the same message on the wire).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? "null";
}

function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => normalise(v) ?? null);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = normalise((value as Record<string, unknown>)[k]);
      if (v !== undefined && v !== "" && v !== 0 && v !== false) out[k] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}
