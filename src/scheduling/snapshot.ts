/**
 * Reading a scheduling snapshot from JSON: lenient about omitted optional fields (they take
 * the value Seldon's store would hold), strict about anything present but wrong. Every
 * complaint is a UserError naming the file and the JSON path.
 */
import { UserError } from "../core/errors.ts";
import { MODEL_REPLICA_STATES, MODEL_STATES, isModelReplicaState, isModelState, type ModelReplicaState } from "./states.ts";
import { didYouMean } from "../core/suggest.ts";
import type {
  ModelSnapshot,
  ModelVersionState,
  NonEmptyList,
  SchedulingSnapshot,
  ServerReplicaSnapshot,
  ServerSnapshot,
} from "./types.ts";
import { UINT64_MAX } from "./uint64.ts";

const UINT32_MAX = 4294967295;

type Json = unknown;
type JsonObject = Record<string, Json>;

function kindOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v === "number" ? "the number" : ""} ${String(v)}`.trim();
  if (typeof v === "object") return "an object";
  return typeof v;
}

/** Walks a parsed JSON document, remembering the file for error messages. */
class Reader {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new UserError(message, { file: this.file, path: path === "" ? undefined : path });
  }

  expected(path: string, what: string, got: Json): never {
    this.fail(path, `expected ${what}, got ${kindOf(got)}`);
  }

  /** An object whose keys are all among `allowed`. */
  object(v: Json, path: string, allowed: readonly string[], what = "an object"): JsonObject {
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.expected(path, what, v);
    const obj = v as JsonObject;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.fail(
          join(path, key),
          `unknown field "${key}"${didYouMean(key, allowed)}; allowed fields: ${allowed.join(", ")}`,
        );
      }
    }
    return obj;
  }

  array(v: Json, path: string, what = "an array"): Json[] {
    if (!Array.isArray(v)) this.expected(path, what, v);
    return v;
  }

  string(v: Json, path: string, what = "a string"): string {
    if (typeof v !== "string") this.expected(path, what, v);
    return v;
  }

  nonEmptyString(v: Json, path: string): string {
    const s = this.string(v, path, "a non-empty string");
    if (s === "") this.fail(path, "expected a non-empty string, got the empty string");
    return s;
  }

  bool(v: Json, path: string): boolean {
    if (typeof v !== "boolean") this.expected(path, "true or false", v);
    return v;
  }

  integer(v: Json, path: string, min: number, max: number, what: string): number {
    if (typeof v !== "number" || !Number.isInteger(v)) this.expected(path, what, v);
    if (v < min || v > max) this.fail(path, `expected ${what}, got ${v} (out of range ${min}..${max})`);
    return v;
  }

  uint32(v: Json, path: string): number {
    return this.integer(v, path, 0, UINT32_MAX, "a non-negative integer (uint32)");
  }

  /** A uint64 as a JSON integer (exact up to 2^53) or a decimal string. */
  uint64(v: Json, path: string): bigint {
    const what = 'a non-negative integer number of bytes (a JSON integer, or a decimal string such as "18446744073709551615")';
    let value: bigint;
    if (typeof v === "number") {
      if (!Number.isInteger(v)) this.expected(path, what, v);
      if (v < 0) this.fail(path, `expected ${what}, got the negative number ${v}`);
      if (!Number.isSafeInteger(v)) {
        this.fail(path, `the number ${v} is too large to be exact in JSON; write it as a decimal string`);
      }
      value = BigInt(v);
    } else if (typeof v === "string") {
      if (!/^[0-9]+$/.test(v)) {
        this.fail(path, `expected ${what}, got ${kindOf(v)}${v.startsWith("-") ? " (negative)" : ""}`);
      }
      value = BigInt(v);
    } else {
      this.expected(path, what, v);
    }
    if (value > UINT64_MAX) this.fail(path, `expected at most ${UINT64_MAX} (uint64), got ${value}`);
    return value;
  }

  stringList(v: Json, path: string): string[] {
    return this.array(v, path, "an array of strings").map((item, i) => this.string(item, `${path}[${i}]`));
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function opt<T>(obj: JsonObject, key: string, fallback: T, read: (v: Json) => T): T {
  const v = obj[key];
  return v === undefined ? fallback : read(v);
}

function need<T>(r: Reader, obj: JsonObject, path: string, key: string, read: (v: Json) => T): T {
  const v = obj[key];
  if (v === undefined) r.fail(join(path, key), `missing required field "${key}"`);
  return read(v);
}

const TOP_FIELDS = ["servers", "model", "description"] as const;
const SERVER_FIELDS = ["name", "shared", "expectedReplicas", "replicas"] as const;
const REPLICA_FIELDS = [
  "idx",
  "serverName",
  "memoryBytes",
  "availableMemoryBytes",
  "reservedMemoryBytes",
  "capabilities",
  "overCommitPercentage",
  "draining",
  "loadedModels",
] as const;
const MODEL_FIELDS = [
  "name",
  "requirements",
  "memoryBytes",
  "replicas",
  "minReplicas",
  "maxReplicas",
  "server",
  "explainer",
  "deleted",
  "existingState",
] as const;
const EXISTING_STATE_FIELDS = ["versions"] as const;
const VERSION_FIELDS = ["version", "scheduledServer", "modelState", "replicaStates"] as const;

function readReplica(r: Reader, v: Json, path: string, serverName: string): ServerReplicaSnapshot {
  const o = r.object(v, path, REPLICA_FIELDS);
  const idx = need(r, o, path, "idx", (x) =>
    r.integer(x, join(path, "idx"), 0, Number.MAX_SAFE_INTEGER, "a non-negative integer replica index"),
  );
  const ownName = opt(o, "serverName", serverName, (x) => r.string(x, join(path, "serverName")));
  if (ownName !== serverName) {
    r.fail(
      join(path, "serverName"),
      `replica names server "${ownName}" but is listed under server "${serverName}" (the store always uses the owning server's name)`,
    );
  }
  return {
    idx,
    serverName,
    memoryBytes: opt(o, "memoryBytes", 0n, (x) => r.uint64(x, join(path, "memoryBytes"))),
    availableMemoryBytes: opt(o, "availableMemoryBytes", 0n, (x) => r.uint64(x, join(path, "availableMemoryBytes"))),
    reservedMemoryBytes: opt(o, "reservedMemoryBytes", 0n, (x) => r.uint64(x, join(path, "reservedMemoryBytes"))),
    capabilities: opt(o, "capabilities", [], (x) => r.stringList(x, join(path, "capabilities"))),
    overCommitPercentage: opt(o, "overCommitPercentage", 0, (x) => r.uint32(x, join(path, "overCommitPercentage"))),
    draining: opt(o, "draining", false, (x) => r.bool(x, join(path, "draining"))),
    loadedModels: opt(o, "loadedModels", [], (x) => r.stringList(x, join(path, "loadedModels"))),
  };
}

function readServer(r: Reader, v: Json, path: string): ServerSnapshot {
  const o = r.object(v, path, SERVER_FIELDS);
  const name = need(r, o, path, "name", (x) => r.nonEmptyString(x, join(path, "name")));
  const replicasPath = join(path, "replicas");
  const replicas = opt(o, "replicas", [] as ServerReplicaSnapshot[], (x) =>
    r.array(x, replicasPath).map((item, i) => readReplica(r, item, `${replicasPath}[${i}]`, name)),
  );
  const seen = new Map<number, number>();
  replicas.forEach((rep, i) => {
    const first = seen.get(rep.idx);
    if (first !== undefined) {
      r.fail(`${replicasPath}[${i}].idx`, `replica index ${rep.idx} already used by ${replicasPath}[${first}]`);
    }
    seen.set(rep.idx, i);
  });
  return {
    name,
    shared: opt(o, "shared", false, (x) => r.bool(x, join(path, "shared"))),
    expectedReplicas: opt(o, "expectedReplicas", -1, (x) =>
      r.integer(
        x,
        join(path, "expectedReplicas"),
        -2147483648,
        2147483647,
        "an integer (-1 = unknown, 0 = server being deleted)",
      ),
    ),
    replicas,
  };
}

function readReplicaStates(r: Reader, v: Json, path: string): Map<number, ModelReplicaState> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    r.expected(path, 'an object mapping replica indexes to replica states, e.g. {"0": "Available"}', v);
  }
  const out = new Map<number, ModelReplicaState>();
  for (const [key, state] of Object.entries(v as JsonObject)) {
    const p = join(path, key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || !Number.isSafeInteger(Number(key))) {
      r.fail(p, `expected a replica index (a non-negative integer) as key, got "${key}"`);
    }
    const s = r.string(state, p, "a replica state name");
    if (!isModelReplicaState(s)) {
      r.fail(
        p,
        `unknown replica state "${s}"${didYouMean(s, MODEL_REPLICA_STATES)}; valid states: ${MODEL_REPLICA_STATES.join(", ")}`,
      );
    }
    out.set(Number(key), s);
  }
  return out;
}

function readVersion(r: Reader, v: Json, path: string, position: number): ModelVersionState {
  const o = r.object(v, path, VERSION_FIELDS);
  const modelState = opt(o, "modelState", "ModelStateUnknown", (x) => {
    const s = r.string(x, join(path, "modelState"), "a model state name");
    if (!isModelState(s)) {
      r.fail(
        join(path, "modelState"),
        `unknown model state "${s}"${didYouMean(s, MODEL_STATES)}; valid states (Seldon Core v2.9.0): ${MODEL_STATES.join(", ")}`,
      );
    }
    return s;
  });
  return {
    version: opt(o, "version", position + 1, (x) => r.uint32(x, join(path, "version"))),
    scheduledServer: opt(o, "scheduledServer", "", (x) => r.string(x, join(path, "scheduledServer"))),
    modelState,
    replicaStates: opt(o, "replicaStates", new Map<number, ModelReplicaState>(), (x) =>
      readReplicaStates(r, x, join(path, "replicaStates")),
    ),
  };
}

const FRESH_VERSION: ModelVersionState = {
  version: 1,
  scheduledServer: "",
  modelState: "ModelStateUnknown",
  replicaStates: new Map(),
};

function readVersions(r: Reader, v: Json, path: string): NonEmptyList<ModelVersionState> {
  const o = r.object(v, path, EXISTING_STATE_FIELDS);
  const vp = join(path, "versions");
  const list = need(r, o, path, "versions", (x) => r.array(x, vp)).map((item, i) => readVersion(r, item, `${vp}[${i}]`, i));
  const [first, ...rest] = list;
  if (first === undefined) {
    r.fail(vp, "expected at least one version (Seldon refuses to schedule a model without a latest version)");
  }
  list.forEach((ver, i) => {
    const prev = list[i - 1];
    if (prev !== undefined && ver.version <= prev.version) {
      r.fail(`${vp}[${i}].version`, `versions must be listed in increasing order; ${ver.version} follows ${prev.version}`);
    }
  });
  return [first, ...rest];
}

function readModel(r: Reader, v: Json, path: string): ModelSnapshot {
  const o = r.object(v, path, MODEL_FIELDS);
  const p = (k: string) => join(path, k);
  return {
    name: need(r, o, path, "name", (x) => r.nonEmptyString(x, p("name"))),
    requirements: opt(o, "requirements", [], (x) => r.stringList(x, p("requirements"))),
    memoryBytes: opt(o, "memoryBytes", 0n, (x) => (x === null ? 0n : r.uint64(x, p("memoryBytes")))),
    replicas: need(r, o, path, "replicas", (x) => r.uint32(x, p("replicas"))),
    minReplicas: opt(o, "minReplicas", 0, (x) => r.uint32(x, p("minReplicas"))),
    maxReplicas: opt(o, "maxReplicas", 0, (x) => r.uint32(x, p("maxReplicas"))),
    server: opt(o, "server", null as string | null, (x) =>
      x === null ? null : r.string(x, p("server"), "a server name or null"),
    ),
    explainer: opt(o, "explainer", false, (x) => {
      if (x === null) return false;
      if (typeof x === "boolean") return x;
      if (typeof x === "object" && !Array.isArray(x)) return true;
      return r.expected(p("explainer"), "true, false, null or an explainer spec object", x);
    }),
    deleted: opt(o, "deleted", false, (x) => r.bool(x, p("deleted"))),
    existingState: {
      versions: opt(o, "existingState", [FRESH_VERSION] as NonEmptyList<ModelVersionState>, (x) =>
        readVersions(r, x, p("existingState")),
      ),
    },
  };
}

/** Validates an already parsed JSON value as a snapshot. */
export function snapshotFromJson(value: unknown, file: string): SchedulingSnapshot {
  const r = new Reader(file);
  const top = r.object(value, "", TOP_FIELDS, "a snapshot object with \"servers\" and \"model\"");
  if (top.description !== undefined) r.string(top.description, "description");
  const servers = need(r, top, "", "servers", (x) => r.array(x, "servers")).map((s, i) =>
    readServer(r, s, `servers[${i}]`),
  );
  const seen = new Map<string, number>();
  servers.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) r.fail(`servers[${i}].name`, `server name "${s.name}" already used by servers[${first}]`);
    seen.set(s.name, i);
  });
  const model = need(r, top, "", "model", (x) => readModel(r, x, "model"));
  return { servers, model };
}

/** Parses and validates a snapshot document; `file` is only used in error messages. */
export function parseSnapshot(text: string, file: string): SchedulingSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /at position (\d+)/.exec(message);
    if (m?.[1] !== undefined) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split("\n").length;
      const column = pos - before.lastIndexOf("\n");
      throw new UserError(`invalid JSON: ${message}`, { file, line, column });
    }
    throw new UserError(`invalid JSON: ${message}`, { file });
  }
  return snapshotFromJson(value, file);
}
