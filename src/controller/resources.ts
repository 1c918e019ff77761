/**
 * The Seldon Core v2 custom resources (`apiVersion: mlops.seldon.io/v1alpha1`) as users write
 * them, with the checks the API server makes against the v2.9.0 CRD schemas before the operator
 * ever sees an object: known fields only (kubectl's default strict field validation), the JSON
 * type of each field, required fields, and the `memory` quantity pattern.
 *
 * Field names and shapes follow `operator/apis/mlops/v1alpha1/*_types.go`; only the fields the
 * simulator reads are typed precisely, the pod-shaping ones (`podSpec`, `imageOverrides`, ...) are
 * kept as opaque objects.
 */
import { UserError } from "../core/errors.ts";
import { CRD_QUANTITY_PATTERN, CRD_QUANTITY_PATTERN_TEXT } from "./quantity.ts";

export * from "./quantity.ts";

export const API_VERSION = "mlops.seldon.io/v1alpha1";
export const KINDS = ["Model", "Server", "ServerConfig", "SeldonRuntime"] as const;
export type Kind = (typeof KINDS)[number];

/** Plural resource names, as Kubernetes spells them in errors (`models.mlops.seldon.io "x" not found`). */
export const RESOURCE_NAMES: Record<Kind, string> = {
  Model: "models.mlops.seldon.io",
  Server: "servers.mlops.seldon.io",
  ServerConfig: "serverconfigs.mlops.seldon.io",
  SeldonRuntime: "seldonruntimes.mlops.seldon.io",
};

export interface ObjectMeta {
  name: string;
  namespace: string;
  /** Normally set by the API server (1 on create, +1 on each spec change); a given value is kept. */
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ParameterSpec {
  name: string;
  value: string;
}

export interface ExplainerSpec {
  type?: string;
  modelRef?: string;
  pipelineRef?: string;
}

export interface LlmSpec {
  modelRef?: string;
  pipelineRef?: string;
}

export interface ModelSpec {
  /** Storage URI of the artifact (required). */
  storageUri: string;
  /** A v2 version folder to pick from the bucket. */
  artifactVersion?: number;
  schemaUri?: string;
  /** Secret holding the rclone storage configuration. */
  secretName?: string;
  /** Appended to `requirements` by the operator. */
  modelType?: string;
  requirements?: string[];
  /** A Kubernetes quantity: `1Gi`, `100M`, `512Ki`, `1e6`, or a plain number. */
  memory?: string | number;
  replicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  /** Name of the Server to load the model on. */
  server?: string;
  preloaded?: boolean;
  dedicated?: boolean;
  logger?: { percent?: number };
  explainer?: ExplainerSpec;
  parameters?: ParameterSpec[];
  llm?: LlmSpec;
}

export interface ServerSpec {
  /** Name of the ServerConfig (looked up in the controller's namespace). Required. */
  serverConfig: string;
  /** Added to the ServerConfig's `SELDON_SERVER_CAPABILITIES` (deprecated). */
  extraCapabilities?: string[];
  /** Replaces the ServerConfig's `SELDON_SERVER_CAPABILITIES`. */
  capabilities?: string[];
  imageOverrides?: { agent?: Record<string, unknown>; rclone?: Record<string, unknown> };
  podSpec?: Record<string, unknown>;
  statefulSetPersistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  replicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  disableAutoUpdate?: boolean;
}

export interface ServerConfigSpec {
  podSpec: Record<string, unknown>;
  volumeClaimTemplates?: { name: string; spec: Record<string, unknown> }[];
}

export interface SeldonRuntimeSpec {
  seldonConfig: string;
  overrides?: { name: string; disable?: boolean; replicas?: number; serviceType?: string; podSpec?: Record<string, unknown> }[];
  config?: Record<string, unknown>;
  disableAutoUpdate?: boolean;
}

interface Resource<K extends Kind, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

export type ModelResource = Resource<"Model", ModelSpec>;
export type ServerResource = Resource<"Server", ServerSpec>;
export type ServerConfigResource = Resource<"ServerConfig", ServerConfigSpec>;
export type SeldonRuntimeResource = Resource<"SeldonRuntime", SeldonRuntimeSpec>;
export type SeldonResource = ModelResource | ServerResource | ServerConfigResource | SeldonRuntimeResource;

/** What callers may hand in: anything shaped like a manifest (other top-level keys are ignored). */
export interface ResourceInput {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
}

/** The API server refused the object; the message is what kubectl prints after `Error from server`. */
export class ResourceError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "ResourceError";
  }
}

// -----------------------------------------------------------------------------------------------
// Schema checks

type FieldType =
  | "string"
  | "integer"
  | "boolean"
  | "object" // opaque object (not checked inside)
  | "quantity"
  | "strings"
  | { object: Record<string, FieldType>; required?: string[] }
  | { array: FieldType };

const EXPLAINER: FieldType = { object: { type: "string", modelRef: "string", pipelineRef: "string" } };

const SPECS: Record<Kind, { object: Record<string, FieldType>; required: string[] }> = {
  Model: {
    object: {
      storageUri: "string",
      artifactVersion: "integer",
      schemaUri: "string",
      secretName: "string",
      modelType: "string",
      requirements: "strings",
      memory: "quantity",
      replicas: "integer",
      minReplicas: "integer",
      maxReplicas: "integer",
      server: "string",
      preloaded: "boolean",
      dedicated: "boolean",
      logger: { object: { percent: "integer" } },
      explainer: EXPLAINER,
      llm: { object: { modelRef: "string", pipelineRef: "string" } },
      parameters: { array: { object: { name: "string", value: "string" }, required: ["name", "value"] } },
    },
    required: ["storageUri"],
  },
  Server: {
    object: {
      serverConfig: "string",
      extraCapabilities: "strings",
      capabilities: "strings",
      imageOverrides: { object: { agent: "object", rclone: "object" } },
      podSpec: "object",
      statefulSetPersistentVolumeClaimRetentionPolicy: { object: { whenDeleted: "string", whenScaled: "string" } },
      replicas: "integer",
      minReplicas: "integer",
      maxReplicas: "integer",
      disableAutoUpdate: "boolean",
    },
    required: ["serverConfig"],
  },
  ServerConfig: {
    object: {
      podSpec: "object",
      volumeClaimTemplates: { array: { object: { name: "string", spec: "object" }, required: ["name", "spec"] } },
    },
    required: ["podSpec"],
  },
  SeldonRuntime: {
    object: {
      seldonConfig: "string",
      overrides: {
        array: {
          object: { name: "string", disable: "boolean", replicas: "integer", serviceType: "string", podSpec: "object" },
          required: ["name"],
        },
      },
      config: "object",
      disableAutoUpdate: "boolean",
    },
    required: ["seldonConfig"],
  },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function jsonTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function shown(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

interface Problems {
  unknown: string[];
  invalid: string[];
}

/** Outside `check`, which runs for every field of every apply, so that no call makes a closure. */
function wrongType(out: Problems, path: string, value: unknown, want: string): void {
  out.invalid.push(`${path}: Invalid value: "${jsonTypeName(value)}": ${path} in body must be of type ${want}: "${jsonTypeName(value)}"`);
}

function check(path: string, value: unknown, type: FieldType, out: Problems): void {
  if (value === null || value === undefined) return; // null is "unset" for optional fields
  if (typeof type === "string") {
    switch (type) {
      case "string":
        if (typeof value !== "string") wrongType(out, path, value, "string");
        return;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) wrongType(out, path, value, "integer");
        return;
      case "boolean":
        if (typeof value !== "boolean") wrongType(out, path, value, "boolean");
        return;
      case "object":
        if (!isObject(value)) wrongType(out, path, value, "object");
        return;
      case "strings":
        if (!Array.isArray(value)) return wrongType(out, path, value, "array");
        value.forEach((v, i) => check(`${path}[${i}]`, v, "string", out));
        return;
      case "quantity": {
        if (typeof value !== "string" && typeof value !== "number") {
          out.invalid.push(`${path}: Invalid value: "${jsonTypeName(value)}": ${path} in body must be of type integer,string: "${jsonTypeName(value)}"`);
          return;
        }
        const text = typeof value === "number" ? String(value) : value;
        if (typeof value === "string" && !CRD_QUANTITY_PATTERN.test(text)) {
          out.invalid.push(`${path}: Invalid value: ${shown(value)}: ${path} in body should match '${CRD_QUANTITY_PATTERN_TEXT}'`);
        }
        return;
      }
    }
  }
  if ("array" in type) {
    if (!Array.isArray(value)) return wrongType(out, path, value, "array");
    value.forEach((v, i) => check(`${path}[${i}]`, v, type.array, out));
    return;
  }
  if (!isObject(value)) return wrongType(out, path, value, "object");
  for (const [k, v] of Object.entries(value)) {
    const t = type.object[k];
    if (t === undefined) out.unknown.push(`${path}.${k}`);
    else check(`${path}.${k}`, v, t, out);
  }
  for (const k of type.required ?? []) {
    if (value[k] === undefined || value[k] === null) out.invalid.push(`${path}.${k}: Required value`);
  }
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a manifest as the API server would and returns it typed. Throws `ResourceError` with
 * the API server's wording when it would refuse the object. A missing namespace is `default`.
 */
export function parseResource(input: ResourceInput): SeldonResource {
  const kind = input.kind;
  const apiVersion = input.apiVersion;
  if (typeof kind !== "string" || !(KINDS as readonly string[]).includes(kind)) {
    throw new ResourceError(`no matches for kind ${JSON.stringify(String(kind))} in version ${JSON.stringify(String(apiVersion))}`);
  }
  if (apiVersion !== API_VERSION) {
    throw new ResourceError(`no matches for kind "${kind}" in version ${JSON.stringify(String(apiVersion))}`);
  }
  const k = kind as Kind;
  const meta = isObject(input.metadata) ? input.metadata : {};
  const name = meta.name;
  if (typeof name !== "string" || name === "") {
    throw new ResourceError(`${k}.${API_VERSION.split("/")[0]} "" is invalid: metadata.name: Required value: name or generateName is required`);
  }
  const namespace = meta.namespace === undefined || meta.namespace === null ? "default" : meta.namespace;
  if (typeof namespace !== "string" || !DNS1123_LABEL.test(namespace) || namespace.length > 63) {
    throw new ResourceError(`namespaces ${JSON.stringify(String(namespace))} not found`);
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new ResourceError(
      `${k} ${JSON.stringify(name)} is invalid: metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  }
  const generation = meta.generation;
  if (generation !== undefined && (typeof generation !== "number" || !Number.isInteger(generation) || generation < 1)) {
    throw new ResourceError(`${k} ${JSON.stringify(name)} is invalid: metadata.generation: Invalid value: ${shown(generation)}: must be a positive integer`);
  }
  const spec = input.spec === undefined || input.spec === null ? {} : input.spec;
  const problems: Problems = { unknown: [], invalid: [] };
  check("spec", spec, { object: SPECS[k].object, required: SPECS[k].required }, problems);
  if (problems.unknown.length > 0) {
    const fields = problems.unknown.map((f) => `unknown field "${f}"`).join(", ");
    throw new ResourceError(`${k} in version "v1alpha1" cannot be handled as a ${k}: strict decoding error: ${fields}`);
  }
  if (problems.invalid.length > 0) {
    const list = problems.invalid.length === 1 ? problems.invalid[0]! : `[${problems.invalid.join(", ")}]`;
    throw new ResourceError(`${k} ${JSON.stringify(name)} is invalid: ${list}`);
  }
  const metadata: ObjectMeta = { name, namespace };
  if (typeof generation === "number") metadata.generation = generation;
  if (isObject(meta.labels)) metadata.labels = { ...(meta.labels as Record<string, string>) };
  if (isObject(meta.annotations)) metadata.annotations = { ...(meta.annotations as Record<string, string>) };
  return { apiVersion: API_VERSION, kind: k, metadata, spec: stripNulls(spec) } as SeldonResource;
}

/**
 * JSON null in an optional field means unset; drop it so `?.` and `??` read it that way. The
 * result is a copy down to the leaves (what `structuredClone` would make of a manifest), so the
 * stored spec shares nothing with what the caller holds.
 */
function stripNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map(stripNulls) as T;
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = stripNulls(x);
    return out as T;
  }
  return v;
}

/** `namespace/name`. */
export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
