/**
 * Kubernetes `v1` Secrets in a scenario's resources: the storage secrets a model's `secretName`
 * and the agent's preloaded `config_secrets` name. The API server keeps `data` (base64) with
 * `stringData` merged over it; that is what the agent reads, so that is what we keep.
 */
import { OBJECT_META_SHAPES, checkShape } from "./parse-crd.ts";
import type { Val } from "./parse-reader.ts";
import type { Origin } from "./types.ts";

export interface RawSecret {
  name: string;
  /** As written, or null to default. */
  namespace: string | null;
  nsVal: Val | undefined;
  val: Val;
  data: Record<string, string>;
  origin: Origin;
}

const SECRET_FIELDS = ["apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable"];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isSecretManifest(v: Val): boolean {
  if (v.kind !== "map") return false;
  const kind = v.entries().find((e) => e.key === "kind")?.value;
  return kind?.kind === "string" && kind.scalar === "Secret";
}

export function readSecret(v: Val): RawSecret | undefined {
  const o = v.obj(SECRET_FIELDS, "a Secret");
  if (!o) return undefined;
  const apiVersion = o.req("apiVersion", "v1")?.str("an apiVersion");
  if (apiVersion !== undefined && apiVersion !== "v1") {
    o.get("apiVersion")!.error(`a Secret has apiVersion \`v1\`, got \`${apiVersion}\``);
    return undefined;
  }
  o.get("type")?.str("a Secret type such as `Opaque`");
  o.get("immutable")?.bool();
  const meta = o.req("metadata", "name and namespace")?.obj(Object.keys(OBJECT_META_SHAPES), "metadata");
  if (!meta) return undefined;
  for (const k of meta.keys()) if (k !== "name" && k !== "namespace") checkShape(meta.get(k)!, OBJECT_META_SHAPES[k]!);
  const name = meta.req("name")?.name("a Secret name");
  const nsVal = meta.get("namespace");
  const namespace = nsVal && nsVal.kind !== "null" ? (nsVal.name("a namespace name") ?? null) : null;
  const data: Record<string, string> = {};
  let ok = true;
  const dataV = o.get("data");
  if (dataV && dataV.kind !== "null") {
    for (const e of dataV.entries("a mapping of keys to base64 values")) {
      const s = e.value.str("a base64-encoded value");
      if (s === undefined) ok = false;
      else if (!BASE64.test(s.replace(/\s+/g, "")) || s.replace(/\s+/g, "").length % 4 !== 0) {
        e.value.error("expected a base64-encoded value (the API server refuses others); put plain text under `stringData`");
        ok = false;
      } else data[e.key] = Buffer.from(s, "base64").toString("utf8");
    }
  }
  const stringV = o.get("stringData");
  if (stringV && stringV.kind !== "null") {
    for (const e of stringV.entries("a mapping of keys to strings")) {
      const s = e.value.text("a string");
      if (s === undefined) ok = false;
      else data[e.key] = s;
    }
  }
  if (!ok || name === undefined) return undefined;
  return { name, namespace, nsVal, val: v, data, origin: v.origin };
}
