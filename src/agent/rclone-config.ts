/**
 * An rclone remote's configuration as Seldon stores it in a Secret or in the agent config: one
 * object with `name`, `type`, `parameters` (and `opt`, passed through), in JSON or YAML. The
 * v2.9.0 agent tries JSON first, then YAML, then checks the three fields are present.
 */
import { parse as parseYaml } from "yaml";
import { BoundedMemo } from "../core/memo.ts";

export interface RcloneRemoteConfig {
  readonly name: string;
  readonly type: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly opt: Readonly<Record<string, string>> | null;
}

export type ParsedRcloneConfig = RcloneRemoteConfig | { readonly error: string };

/**
 * Every agent of a cluster parses the same few configs (the preloaded secrets at start-up, a
 * model's secret on each download), and YAML parsing is costly: each text is parsed once. The
 * results are never written to (they are read-only by type), and the cache is bounded.
 */
const PARSED = new BoundedMemo<string, ParsedRcloneConfig>(64);

const FIELDS = ["Name", "Type", "Parameters"] as const;

export function parseRcloneConfig(raw: string): ParsedRcloneConfig {
  return PARSED.remember(raw, parse);
}

function parse(raw: string): ParsedRcloneConfig {
  let doc: unknown;
  let jsonError = "";
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    jsonError = (e as Error).message;
    try {
      doc = parseYaml(raw);
    } catch (e2) {
      return { error: `Failed to unmarshall config as json or yaml. JSON error ${jsonError}. YAML error ${(e2 as Error).message}` };
    }
  }
  const o = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const name = scalar(o.name) ?? "";
  const type = scalar(o.type) ?? "";
  const parameters = stringMap(o.parameters);
  const opt = stringMap(o.opt);
  // go-playground/validator `required`: empty strings and nil maps fail.
  const missing = FIELDS.filter((f) => (f === "Name" ? name === "" : f === "Type" ? type === "" : parameters === null));
  if (missing.length > 0) {
    return { error: missing.map((f) => `Key: 'RcloneConfigCreate.${f}' Error:Field validation for '${f}' failed on the 'required' tag`).join("\n") };
  }
  return { name, type, parameters: parameters!, opt };
}

function scalar(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** A map of scalars as yaml.v2 decodes it into map[string]string; null when absent. */
function stringMap(v: unknown): Record<string, string> | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const s = scalar(x);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** Go's encoding/json of a map: keys sorted. */
export function sortedMap(m: Readonly<Record<string, string>> | null): Record<string, string> | null {
  if (m === null) return null;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}
