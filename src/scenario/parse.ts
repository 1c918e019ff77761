/**
 * The scenario loader: YAML text → a validated `Scenario` (./types.ts).
 *
 * Every problem is reported as `file:line:col: yaml.path: what is wrong` with, for a misspelt
 * name, the name that was probably meant. Problems are collected and thrown together as one
 * `ScenarioError` (a `UserError`), one a line. Nothing in the file is ever ignored silently: an
 * unknown field is an error, in the scenario's own fields as in the Seldon resources it applies.
 *
 * The format is documented in docs/scenarios.md; schema/scenario.schema.json describes it for
 * editors.
 */
import { FaultSpecError, parseFault, type Fault } from "../faults/spec.ts";
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { isMap, parseAllDocuments } from "yaml";
import { ENV as AGENT_ENV, serverConfigAgentEnv } from "../agent/config.ts";
import { DEFAULT_INSTALL, INSTALL_KINDS } from "../cluster/install.ts";
import { UserError } from "../core/errors.ts";
import type { Endpoint, NetworkMode, NetworkRule } from "../network/rules.ts";
import { MODEL_STATES, REPLICA_STATES } from "../scheduler/states.ts";
import {
  availableMemoryReplicaFilter,
  deletedServerFilter,
  explainerFilter,
  replicaDrainingFilter,
  serverReplicaFilter,
  serverRequirementsFilter,
  sharingServerFilter,
} from "../scheduling/filters.ts";
import { isSecretManifest, readSecret, type RawSecret } from "./parse-secret.ts";
import { readStorage } from "./parse-storage.ts";
import { API_VERSION, checkShape, OBJECT_META_SHAPES, SPEC_SHAPES, SUPPORTED_KINDS, UNSUPPORTED_SELDON_KINDS, type SupportedKind } from "./parse-crd.ts";
import { PLUGIN_REGISTRY, type ChainNames } from "../scheduling/registry.ts";
import { propertyNames } from "../properties/catalog.ts";
import { documents, Issues, parseYaml, withPlainEnv, type Issue, type Obj, type Source, Val } from "./parse-reader.ts";
import { seldonRuntimeSpec, serverPodSpec, serverSpecNotes, type FieldNote } from "./manifest-fields.ts";
import { checkNamespaceName, checkObjectName, didYouMean, formatDuration, hint, isIPv4, parseBytes, parseEpoch } from "./parse-values.ts";
import type {
  ClusterSpec,
  Condition,
  ContainerRef,
  Expectations,
  InferenceBehaviour,
  K8sResource,
  SecretSpec,
  ExpectedDecision,
  LogExpectation,
  ModelExpectation,
  Moment,
  NamespaceSpec,
  Origin,
  PlacementExpectation,
  RejectionExpectation,
  Scenario,
  ServerExpectation,
  ServerTopology,
  ServerType,
  TimelineStep,
  TrafficExpectation,
} from "./types.ts";

export { ScenarioError, type Issue } from "./parse-reader.ts";

// ------------------------------------------------------------------------------------------------
// Vocabulary

export const DEFAULTS = {
  seed: 1,
  epochMs: Date.UTC(2025, 0, 1),
  controllerNamespace: "seldon-system",
  /** The namespace declared when a scenario declares none (Seldon's documented default). */
  namespace: "seldon-mesh",
  settleMs: 30_000,
  waitTimeoutMs: 300_000,
  replicas: 1,
  serverType: "mlserver" as ServerType,
  flapPeriodMs: 10_000,
} as const;

export const TOP_FIELDS = ["name", "description", "seed", "epoch", "install", "scheduler", "cluster", "storage", "resources", "network", "faults", "timeline", "settle", "expect"];
export const CHAIN_FIELDS = ["serverFilters", "replicaFilters", "serverSorters", "replicaSorters"] as const;
const SCHEDULER_FIELDS = [...CHAIN_FIELDS, "readyTimeoutSeconds", "enableModelAutoscaling"];
const CLUSTER_FIELDS = ["controller", "namespaces", "servers"];
const CONTROLLER_FIELDS = ["namespace", "clusterwide", "watchNamespace"];
const NAMESPACE_FIELDS = ["name", "runtime"];
const SERVER_FIELDS = [
  "name", "namespace", "replicas", "type", "memory", "capabilities", "extraCapabilities", "overCommitPercentage", "env", "agentFlags", "podIp", "inference",
];
const INFERENCE_FIELDS = ["loadDelay", "loadFailure", "outOfMemory"];
export const SERVER_TYPES: readonly ServerType[] = ["mlserver", "triton"];
export const ROLES = ["scheduler", "agent", "mlserver", "controller", "rclone"] as const;
export const CONTAINERS = ROLES;
export const NETWORK_MODES: readonly NetworkMode[] = ["refuse", "blackhole", "delay", "reset", "flap"];
const RULE_FIELDS = ["id", "from", "to", "samePod", "mode", "delay", "period", "down"];
const ENDPOINT_FIELDS = ["role", "namespace", "pod", "server", "replica", "port"];
export const ACTIONS = ["apply", "delete", "scale", "crash", "restart", "drain", "block", "heal", "fault", "inference", "traffic", "advance", "wait"] as const;
export const TRAFFIC_FIELDS = ["model", "requests", "every", "rate", "for", "protocol"];
export const TRAFFIC_PROTOCOLS = ["rest", "grpc"] as const;
export const TRAFFIC_EXPECT_FIELDS = ["model", "sent", "ok", "failed", "codes"];
/** gRPC status names, as the traffic answers are counted. */
export const STATUS_NAMES_LIST = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];
type Action = (typeof ACTIONS)[number];
const EXPECT_FIELDS = ["tenantIsolation", "models", "servers", "placements", "logs", "rejections", "properties", "traffic"];
/** When a model or server expectation is judged (default: at the end). */
const MOMENT_FIELDS = ["at", "during", "never"];
const MODEL_EXPECT_FIELDS = ["model", "ready", "desiredReplicas", "availableReplicas", "state", "reason", "server", "replicaStates", ...MOMENT_FIELDS];
const SERVER_EXPECT_FIELDS = ["server", "connectedReplicas", "loadedModels", "replicas", "status", ...MOMENT_FIELDS];
const SERVER_STATUS_FIELDS = ["ready", "replicas", "loadedModels", "reason"];
const DURING_FIELDS = ["from", "to"];
const PLACEMENT_EXPECT_FIELDS = ["model", "decisions"];
const DECISION_FIELDS = ["server", "replicas", "failed"];
const REPLICA_EXPECT_FIELDS = ["idx", "availableMemory", "totalMemory", "loadedModels"];
const LOG_EXPECT_FIELDS = ["component", "namespace", "pod", "contains", "absent", "level", "count", "after", "before"];
export const LOG_LEVELS = ["debug", "info", "warning", "error", "fatal"] as const;
const REJECTION_FIELDS = ["model", "server", "replica", "filter"];
const CONDITIONS = ["modelReady", "modelState", "log"] as const;

export const SERVER_FILTERS = [serverReplicaFilter, sharingServerFilter, deletedServerFilter, serverRequirementsFilter].map((f) => f.name);
export const REPLICA_FILTERS = [availableMemoryReplicaFilter, explainerFilter, replicaDrainingFilter].map((f) => f.name);

export const SCHEDULER_POD = "seldon-scheduler-0";
export const CONTROLLER_POD = "seldon-v2-controller-manager-0";

/** Environment variables the v2.9.0 agent reads, plus those its ServerConfigs set on it. */
export const AGENT_ENV_NAMES: readonly string[] = [
  ...new Set([...Object.values(AGENT_ENV), "POD_NAMESPACE", "AGENT_TLS_SECRET_NAME", "AGENT_TLS_FOLDER_PATH"]),
].sort();

/** Flags of the v2.9.0 agent (scheduler/cmd/agent/cli/flags.go). */
export const AGENT_FLAGS: readonly string[] = [
  "agent-host", "server-name", "server-idx", "scheduler-host", "scheduler-port", "scheduler-tls-port", "rclone-host", "rclone-port",
  "inference-host", "inference-http-port", "inference-grpc-port", "reverse-proxy-http-port", "reverse-proxy-grpc-port",
  "debug-grpc-port", "metrics-port", "agent-folder", "replica-config", "namespace", "config-path", "server-type", "memory-bytes",
  "capabilities", "over-commit-percentage", "log-level", "tracing-config-path", "envoy-host", "envoy-port", "drainer-port",
  "model-inference-lag-threshold", "model-inactive-seconds-threshold", "scaling-stats-period-seconds",
  "max-elapsed-time-ready-sub-service-after-start-seconds", "max-elapsed-time-ready-sub-service-before-start-minutes",
  "period-ready-sub-service-seconds", "max-load-elapsed-time-minutes", "max-unload-elapsed-time-minutes", "max-load-retry-count",
  "max-unload-retry-count", "unload-grace-period-seconds",
];

/** The inference server's container in each shipped ServerConfig (its memory request is MEMORY_REQUEST). */
const INFERENCE_CONTAINER: Record<ServerType, string> = { mlserver: "mlserver", triton: "triton" };

const defaultCapabilities = (type: ServerType): string => serverConfigAgentEnv(type)[AGENT_ENV.capabilities] ?? "";

// ------------------------------------------------------------------------------------------------
// API

/**
 * Parses and validates a scenario. `file` names it in messages and is the folder relative
 * `file:` includes resolve against; `readFile` reads those includes.
 */
export function parseScenario(text: string, file: string, readFile: (path: string) => string): Scenario {
  return new Loader(file, readFile).load(text);
}

/**
 * True when YAML text is a Kubernetes manifest (its first document has `apiVersion` and `kind`)
 * rather than a scenario: for a runner walking a folder, to skip the files scenarios include.
 */
export function isManifestText(text: string): boolean {
  try {
    const docs = withPlainEnv(() => parseAllDocuments(text));
    const first = Array.isArray(docs) ? docs.find((d) => d.contents !== null) : undefined;
    const c = first?.contents;
    return !!c && isMap(c) && c.has("apiVersion") && c.has("kind");
  } catch {
    return false;
  }
}

/**
 * Parses Seldon resources (YAML or JSON, one or more documents, or a `kind: List`) to apply to a
 * running cluster, checked as a scenario's resources are; a resource without a namespace goes
 * to the cluster's only namespace. `file` names the text in messages.
 */
export function parseManifests(text: string, file: string, cluster: ClusterSpec): K8sResource[] {
  return new Loader(file, () => {
    throw new Error("includes are not available here");
  }).manifests(text, cluster);
}

/** Reads a scenario file from disk and parses it. */
export function loadScenarioFile(path: string): Scenario {
  return parseScenario(readScenarioText(path), path, readScenarioText);
}

/** A scenario or manifest file's text; a file that is not text is said to be so, not parsed. */
export function readScenarioText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, expected a YAML file" : `cannot read: ${(e as Error).message}`, { file: path });
  }
  const text = bytes.toString("utf8");
  if (bytes.includes(0) || (text.match(/\uFFFD/g)?.length ?? 0) > 0) {
    throw new UserError("not a text file (binary or not UTF-8); expected a YAML scenario or manifest", { file: path });
  }
  return text;
}

// ------------------------------------------------------------------------------------------------
// Loader

interface RawResource {
  kind: SupportedKind;
  apiVersion: string;
  name: string;
  /** As written, or null to default. */
  namespace: string | null;
  val: Val;
  nsVal: Val | undefined;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  origin: Origin;
}

interface RawNamespace {
  name: string;
  runtime: boolean | undefined;
  val: Val;
}

interface RawServer {
  obj: Obj;
  name: string | undefined;
  namespace: Val | undefined;
}

interface RawStep {
  val: Val;
  at: number | null;
  atVal: Val | undefined;
  action: Action;
  actionVal: Val;
  /** For `apply`. */
  resources: RawResource[];
}

type Ref = { namespace: string; name: string };

class Loader {
  private readonly issues = new Issues();
  /** Fields of the applied manifests that the simulator does not act on, by where they are. */
  private readonly warnings: Issue[] = [];
  /** `scheduler.enableModelAutoscaling`. */
  private namespaces: NamespaceSpec[] = [];
  private namespaceSet = new Set<string>();
  /** True when no namespace was declared and `seldon-mesh` was assumed. */
  private implicitNamespace = false;
  private controllerNamespace: string | null = DEFAULTS.controllerNamespace;
  /** The only namespace the controller watches; undefined when clusterwide. */
  private controllerWatch: string | undefined;
  private servers: ServerTopology[] = [];
  private readonly models = new Map<string, Origin>();
  private readonly resourceKeys = new Map<string, Origin>();
  private readonly ruleIds = new Set<string>();
  /** Secrets of `resources`; where a Secret was found elsewhere, the error says where it belongs. */
  private readonly rawSecrets: RawSecret[] = [];
  private secretPlace: "resources" | "timeline" | "manifests" = "resources";
  /** Per namespace, its SeldonRuntime's `config.agentConfig.rclone`. */
  private readonly agentRclone = new Map<string, { configSecrets: string[]; rawConfigs: string[] }>();

  constructor(
    private readonly file: string,
    private readonly readFile: (path: string) => string,
  ) {}

  load(text: string): Scenario {
    const issues = this.issues;
    const src = parseYaml(text, this.file, issues);
    issues.throwIfAny();
    const docs = documents(src!, issues, () => "");
    if (docs.length === 0) {
      issues.add({ file: this.file, path: "", line: 1, column: 1 }, "the scenario file is empty");
      issues.throwIfAny();
    }
    const first = docs[0]!;
    if (first.kind === "map") {
      const keys = first.entries().map((e) => e.key);
      if (keys.includes("apiVersion") && keys.includes("kind")) {
        first.error("this is a Kubernetes manifest, not a scenario; list it in a scenario's `resources: [{file: <path>}]`");
        issues.throwIfAny();
      }
    }
    if (docs.length > 1) docs[1]!.error(`a scenario file holds one YAML document; found ${docs.length} (separated by \`---\`). Put Kubernetes manifests in a file of their own and include it with \`resources: [{file: ...}]\``);
    const root = first.obj(TOP_FIELDS, "the scenario");
    if (!root) issues.throwIfAny();
    const top = root!;

    const name = top.opt("name", (v) => v.name("a scenario name"), defaultName(this.file));
    const description = top.opt("description", (v) => (v.kind === "null" ? "" : v.text("a description")?.trim()), "");
    const seed = top.opt("seed", (v) => v.int({ min: 0, what: "a whole number ≥ 0 (the random seed)" }), DEFAULTS.seed);
    const epochMs = top.opt("epoch", (v) => {
      const p = parseEpoch(v.scalar);
      if (!p.ok) v.error(p.error);
      return p.ok ? p.value : undefined;
    }, DEFAULTS.epochMs);
    const settleMs = top.opt("settle", (v) => v.duration(), DEFAULTS.settleMs);
    const install = top.opt("install", (v) => v.oneOf(INSTALL_KINDS, "install"), DEFAULT_INSTALL);
    const scheduler = this.readScheduler(top.get("scheduler"));
    const schedulerChains = scheduler.chains;

    // Phase 1: the parts that need no context.
    const clusterObj = top.get("cluster")?.obj(CLUSTER_FIELDS, "cluster");
    if (clusterObj) this.readController(clusterObj);
    const rawNamespaces = clusterObj ? this.readNamespaces(clusterObj.get("namespaces")) : [];
    const rawServers = clusterObj ? this.readServers(clusterObj.get("servers")) : [];
    const storage = readStorage(top.get("storage"));
    const resources = (top.get("resources")?.optList("a list of Seldon resources (or `{file: path}` includes)") ?? []).flatMap((v) => this.readResourceEntry(v));
    this.secretPlace = "timeline";
    const steps = (top.get("timeline")?.optList("a list of timeline steps") ?? []).map((v) => this.readStep(v)).filter((s): s is RawStep => s !== undefined);
    const timelineResources = steps.flatMap((s) => s.resources);

    // Phase 2: namespaces, then everything that refers to them.
    this.declareNamespaces(rawNamespaces, [...resources, ...timelineResources]);
    const initial = this.finishResources(resources, true);
    for (const s of steps) this.finishResources(s.resources, false);
    this.buildServers(rawServers, [...resources, ...timelineResources]);
    const secrets = this.finishSecrets();

    const network = (top.get("network")?.optList("a list of network rules") ?? [])
      .map((v, i) => this.readRule(v, `network[${i}]`))
      .filter((r): r is NetworkRule => r !== undefined);
    for (const r of network) this.ruleIds.add(r.id);
    const faults = (top.get("faults")?.optList("a list of faults (link toxics or message rules)") ?? [])
      .map((v, i) => this.readFault(v, `faults[${i}]`))
      .filter((f): f is Fault => f !== undefined);

    const timeline = this.finishTimeline(steps);
    const expect = this.readExpectations(top.get("expect"));

    issues.throwIfAny();
    const cluster: ClusterSpec = {
      install, controllerNamespace: this.controllerNamespace,
      ...(this.controllerWatch !== undefined ? { controllerWatchNamespace: this.controllerWatch } : {}),
      ...(scheduler.readyTimeoutSeconds !== undefined ? { schedulerReadyTimeoutSeconds: scheduler.readyTimeoutSeconds } : {}),
      namespaces: this.namespaces, servers: this.servers,
      ...(scheduler.modelAutoscaling ? { modelAutoscaling: true } : {}),
      // Left out when the scenario says nothing of storage, Secrets or the agents' rclone config.
      ...(storage !== null || secrets.length > 0 || this.agentRclone.size > 0 ? { artifacts: { storage, secrets, agentRclone: Object.fromEntries(this.agentRclone) } } : {}),
    };
    return { name, description, file: this.file, seed, epochMs, schedulerChains, cluster, resources: initial, network, faults, timeline, expect, settleMs, warnings: this.warnings };
  }

  manifests(text: string, cluster: ClusterSpec): K8sResource[] {
    this.secretPlace = "manifests";
    this.namespaces = cluster.namespaces.map((n) => ({ ...n }));
    this.namespaceSet = new Set(this.namespaces.map((n) => n.name));
    this.controllerNamespace = cluster.controllerNamespace;
    const src = parseYaml(text, this.file, this.issues);
    this.issues.throwIfAny();
    const docs = documents(src!, this.issues, (i, n) => (n > 1 ? `document[${i}]` : ""));
    if (docs.length === 0) this.issues.add({ file: this.file, path: "", line: 1, column: 1 }, "no resources given");
    const out = this.finishResources(docs.flatMap((d) => this.readResource(d)), false);
    this.issues.throwIfAny();
    return out;
  }

  // ----------------------------------------------------------------------------------------------
  // Cluster

  private readController(cluster: Obj): void {
    const v = cluster.get("controller");
    if (!v) return;
    if (v.kind === "boolean") {
      this.controllerNamespace = v.scalar === false ? null : DEFAULTS.controllerNamespace;
      return;
    }
    if (v.kind === "map") {
      // The operator's flags: --clusterwide (watch every namespace) or --namespace (only that one).
      const o = v.obj(CONTROLLER_FIELDS, "the controller");
      if (!o) return;
      const ns = o.maybe("namespace", (x) => x.str("the controller's namespace"));
      if (ns !== undefined) {
        const bad = checkNamespaceName(ns);
        if (bad) o.get("namespace")!.error(bad);
        else this.controllerNamespace = ns;
      }
      const clusterwide = o.opt("clusterwide", (x) => x.bool(), true);
      const watch = o.maybe("watchNamespace", (x) => x.str("the namespace the controller watches"));
      if (watch !== undefined && clusterwide) o.get("watchNamespace")!.error("`watchNamespace` only applies with `clusterwide: false` (a clusterwide controller watches every namespace)");
      if (!clusterwide) this.controllerWatch = watch ?? this.controllerNamespace ?? DEFAULTS.controllerNamespace;
      return;
    }
    const ns = v.str("the controller's namespace, `false` for no controller, or `{namespace, clusterwide, watchNamespace}`");
    if (ns === undefined) return;
    const bad = checkNamespaceName(ns);
    if (bad) v.error(bad);
    else this.controllerNamespace = ns;
  }

  private readNamespaces(v: Val | undefined): RawNamespace[] {
    const out: RawNamespace[] = [];
    for (const item of v?.optList("a list of namespaces (names, or `{name, runtime}`)") ?? []) {
      let name: string | undefined;
      let runtime: boolean | undefined;
      if (item.kind === "string") {
        name = item.scalar as string;
      } else if (item.kind === "map") {
        const o = item.obj(NAMESPACE_FIELDS, "a namespace");
        name = o?.req("name")?.name("a namespace name");
        runtime = o?.maybe("runtime", (r) => r.bool());
      } else {
        item.expected("a namespace name or `{name: ..., runtime: true|false}`");
        continue;
      }
      if (name === undefined) continue;
      const bad = checkNamespaceName(name);
      if (bad) {
        item.error(bad);
        continue;
      }
      const dup = out.find((n) => n.name === name);
      if (dup) {
        item.error(`namespace \`${name}\` is declared twice (first at ${where(dup.val.origin)})`);
        continue;
      }
      out.push({ name, runtime, val: item });
    }
    return out;
  }

  private readServers(v: Val | undefined): RawServer[] {
    const out: RawServer[] = [];
    for (const item of v?.optList("a list of servers") ?? []) {
      const o = item.obj(SERVER_FIELDS, "a server");
      if (!o) continue;
      const name = o.req("name")?.name("a server name");
      if (name !== undefined) {
        const bad = checkObjectName(name);
        if (bad) o.get("name")!.error(bad);
      }
      out.push({ obj: o, name, namespace: o.get("namespace") });
    }
    return out;
  }

  private declareNamespaces(raw: RawNamespace[], resources: RawResource[]): void {
    const declared = new Map<string, { runtime: boolean | undefined; val: Val | null }>();
    for (const n of raw) declared.set(n.name, { runtime: n.runtime, val: n.val });
    const withoutScheduler = new Set<string>();
    for (const r of resources) {
      if (r.kind !== "SeldonRuntime" || r.namespace === null) continue;
      const rt = seldonRuntimeSpec(r.spec);
      this.warnAbout(r, rt.notes);
      if (rt.agentRclone && !this.agentRclone.has(r.namespace)) this.agentRclone.set(r.namespace, rt.agentRclone);
      if (rt.schedulerDisabled) withoutScheduler.add(r.namespace);
      const d = declared.get(r.namespace);
      // The operator creates the runtime's scheduler; it never sees a SeldonRuntime outside its watch.
      const unwatched = !this.watches(r.namespace);
      if (unwatched) this.warnAbout(r, [{ path: "metadata.namespace", message: this.unwatchedNote("no scheduler pod is created for it") }]);
      if (!d) declared.set(r.namespace, { runtime: !unwatched, val: r.val });
      else if (d.runtime === false) {
        (r.nsVal ?? r.val).error(`a SeldonRuntime is applied in namespace \`${r.namespace}\`, which is declared with \`runtime: false\`${d.val ? ` at ${where(d.val.origin)}` : ""}; remove one of them`);
      } else d.runtime = true;
    }
    if (declared.size === 0) {
      this.implicitNamespace = true;
      declared.set(DEFAULTS.namespace, { runtime: true, val: null });
    }
    // A SeldonRuntime whose override disables the scheduler gives the namespace no scheduler pod.
    this.namespaces = [...declared].map(([name, d]) => ({ name, runtime: (d.runtime ?? true) && !withoutScheduler.has(name) }));
    this.namespaceSet = new Set(declared.keys());
  }

  /** Whether the controller reconciles objects of this namespace (`--clusterwide`, `--namespace`). */
  private watches(namespace: string): boolean {
    return this.controllerNamespace === null || this.controllerWatch === undefined || this.controllerWatch === namespace;
  }

  private unwatchedNote(what: string): string {
    return `the controller only watches namespace \`${this.controllerWatch}\` (--clusterwide=false --namespace=${this.controllerWatch}), so ${what}; ` +
      "declare the pods under cluster.servers / cluster.namespaces if something else creates them";
  }

  private describeNamespaces(): string {
    const names = this.namespaces.map((n) => `\`${n.name}\``).join(", ");
    return this.implicitNamespace
      ? `declared: ${names}, the default when neither cluster.namespaces nor a SeldonRuntime declares one`
      : `declared: ${names}`;
  }

  /**
   * The namespace a thing is in: as written (it must be declared, or be the controller's when
   * `allowController`), else the only declared one.
   */
  private namespaceOf(written: string | null, v: Val, what: string, allowController = false): string | undefined {
    if (written !== null) {
      if (this.namespaceSet.has(written)) return written;
      if (allowController && written === this.controllerNamespace) return written;
      const candidates = [...this.namespaceSet, ...(allowController && this.controllerNamespace ? [this.controllerNamespace] : [])];
      v.error(`namespace \`${written}\` is not declared (${this.describeNamespaces()})${didYouMean(written, candidates)}; add it under cluster.namespaces`);
      return undefined;
    }
    if (this.namespaces.length === 1) return this.namespaces[0]!.name;
    v.error(`${what} needs a namespace: ${this.namespaces.length} namespaces are declared (${this.namespaces.map((n) => n.name).join(", ")})`);
    return undefined;
  }

  // ----------------------------------------------------------------------------------------------
  // Resources

  /** A `resources` entry or an `apply` action: a resource, a `kind: List`, or `{file: path}`. */
  private readResourceEntry(v: Val): RawResource[] {
    if (v.kind !== "map") {
      v.expected("a Seldon resource (apiVersion, kind, metadata, spec) or `{file: path}`");
      return [];
    }
    const keys = v.entries().map((e) => e.key);
    if (keys.includes("file") && !keys.includes("apiVersion") && !keys.includes("kind")) {
      const o = v.obj(["file"], "a file include");
      const p = o?.get("file")?.name("a path to a YAML file of Seldon resources");
      if (p === undefined) return [];
      return this.readInclude(p, o!.get("file")!);
    }
    return this.readResource(v);
  }

  private readInclude(p: string, at: Val): RawResource[] {
    const resolved = nodePath.isAbsolute(p) ? p : nodePath.join(nodePath.dirname(this.file), p);
    let text: string;
    try {
      text = this.readFile(resolved);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e);
      at.error(`cannot read \`${p}\` (${resolved}): ${reason}`);
      return [];
    }
    const src: Source | null = parseYaml(text, resolved, this.issues);
    if (!src) return [];
    const docs = documents(src, this.issues, (i, n) => (n > 1 ? `document[${i}]` : ""));
    if (docs.length === 0) at.error(`\`${p}\` holds no resources`);
    return docs.flatMap((d) => this.readResource(d));
  }

  private readResource(v: Val): RawResource[] {
    if (isSecretManifest(v)) {
      if (this.secretPlace === "resources") {
        const secret = readSecret(v);
        if (secret) this.rawSecrets.push(secret);
      } else {
        v.error(`a Secret is read by the agents from the start of the run: list it under the scenario's \`resources\`${this.secretPlace === "timeline" ? ", not in the timeline" : ""}`);
      }
      return [];
    }
    const entries = new Map(v.entries("a Seldon resource").map((e) => [e.key, e.value] as const));
    const kindVal = entries.get("kind");
    const kindText = kindVal?.kind === "string" ? (kindVal.scalar as string) : undefined;

    if (kindText === "List") {
      const o = v.obj(["apiVersion", "kind", "metadata", "items"], "a List");
      o?.req("apiVersion")?.oneOf(["v1"], "List apiVersion");
      return (o?.get("items")?.optList("a list of resources") ?? []).flatMap((item) => this.readResource(item));
    }

    const o = v.obj(["apiVersion", "kind", "metadata", "spec", "status"], "a Seldon resource");
    if (!o) return [];
    const apiVersion = o.req("apiVersion", API_VERSION)?.str("an apiVersion");
    let ok = true;
    if (apiVersion !== undefined && apiVersion !== API_VERSION) {
      o.get("apiVersion")!.error(`apiVersion \`${apiVersion}\` is not supported; the simulator applies Seldon resources of apiVersion \`${API_VERSION}\` (kinds ${SUPPORTED_KINDS.join(", ")})`);
      ok = false;
    }
    const kindV = o.req("kind", SUPPORTED_KINDS.join(" | "));
    let kind: SupportedKind | undefined;
    if (kindV) {
      const k = kindV.str("a kind");
      if (k !== undefined && (SUPPORTED_KINDS as readonly string[]).includes(k)) kind = k as SupportedKind;
      else if (k !== undefined) {
        const why = UNSUPPORTED_SELDON_KINDS.includes(k) ? `kind \`${k}\` is not simulated` : `kind \`${k}\` is not supported`;
        kindV.error(`${why}; supported kinds: ${SUPPORTED_KINDS.join(", ")}${didYouMean(k, SUPPORTED_KINDS)}`);
      }
    }
    const metaV = o.req("metadata", "name and namespace");
    const meta = metaV?.obj(Object.keys(OBJECT_META_SHAPES), "metadata");
    let name: string | undefined;
    let namespace: string | null = null;
    if (meta) {
      for (const k of meta.keys()) if (k !== "name" && k !== "namespace") checkShape(meta.get(k)!, OBJECT_META_SHAPES[k]!);
      const nameV = meta.req("name");
      name = nameV?.name("a resource name");
      if (name !== undefined) {
        const bad = checkObjectName(name);
        if (bad) {
          nameV!.error(bad);
          name = undefined;
        }
      }
      const nsV = meta.get("namespace");
      if (nsV && nsV.kind !== "null") {
        const ns = nsV.name("a namespace name");
        if (ns !== undefined) {
          const bad = checkNamespaceName(ns);
          if (bad) nsV.error(bad);
          else namespace = ns;
        }
      }
    }
    const specV = o.get("spec");
    if (kind) {
      if (specV && specV.kind !== "null") checkShape(specV, SPEC_SHAPES[kind]);
      else if (kind !== "ServerConfig") (specV ?? v).error(`missing required field \`spec\` in ${kind}`);
    }
    if (!ok || !kind || name === undefined || !meta) return [];
    const metadata = (metaV!.plain() ?? {}) as Record<string, unknown>;
    const spec = (specV?.plain() ?? {}) as Record<string, unknown>;
    return [{ kind, apiVersion: apiVersion!, name, namespace, val: v, nsVal: meta.get("namespace"), metadata, spec, origin: v.origin }];
  }

  /** The Secrets' namespaces (defaulted as other resources') and duplicates. */
  private finishSecrets(): SecretSpec[] {
    const out: SecretSpec[] = [];
    const seen = new Map<string, Origin>();
    for (const r of this.rawSecrets) {
      const ns = this.namespaceOf(r.namespace, r.nsVal ?? r.val, `Secret \`${r.name}\` (metadata.namespace)`);
      if (ns === undefined) continue;
      const key = `${ns}/${r.name}`;
      const first = seen.get(key);
      if (first) {
        r.val.error(`Secret \`${key}\` is listed twice in resources (first at ${where(first)})`);
        continue;
      }
      seen.set(key, r.origin);
      out.push({ namespace: ns, name: r.name, data: r.data, origin: r.origin });
    }
    return out;
  }

  /** Namespaces and duplicates; records models and resource names for references. */
  private finishResources(raw: RawResource[], initial: boolean): K8sResource[] {
    const out: K8sResource[] = [];
    for (const r of raw) {
      const at = r.nsVal ?? r.val;
      let ns: string | undefined;
      if (r.kind === "ServerConfig") {
        // Seldon looks ServerConfigs up in the controller's namespace.
        if (r.namespace !== null) ns = this.namespaceOf(r.namespace, at, "ServerConfig", true);
        else ns = this.controllerNamespace ?? this.namespaceOf(null, at, `ServerConfig \`${r.name}\``);
      } else {
        ns = this.namespaceOf(r.namespace, at, `${r.kind} \`${r.name}\` (metadata.namespace)`);
      }
      if (ns === undefined) continue;
      r.namespace = ns;
      const key = `${r.kind}/${ns}/${r.name}`;
      const first = this.resourceKeys.get(key);
      if (initial && first) {
        r.val.error(`${r.kind} \`${ns}/${r.name}\` is listed twice in resources (first at ${where(first)}); to change it later, \`apply\` it in the timeline`);
        continue;
      }
      if (!first) this.resourceKeys.set(key, r.origin);
      if (r.kind === "Model" && !this.models.has(`${ns}/${r.name}`)) this.models.set(`${ns}/${r.name}`, r.origin);
      out.push({ apiVersion: r.apiVersion, kind: r.kind, metadata: { ...r.metadata, name: r.name, namespace: ns }, spec: r.spec, origin: r.origin });
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------
  // Servers

  private buildServers(raw: RawServer[], resources: RawResource[]): void {
    const serverCRs = new Map<string, RawResource>();
    for (const r of resources) {
      if (r.kind === "Server" && r.namespace !== null && !serverCRs.has(`${r.namespace}/${r.name}`)) serverCRs.set(`${r.namespace}/${r.name}`, r);
    }
    const seen = new Map<string, Origin>();
    const topologies: ServerTopology[] = [];
    for (const s of raw) {
      if (s.name === undefined) continue;
      const nsWritten = s.namespace?.kind === "null" || s.namespace === undefined ? null : s.namespace.name("a namespace name") ?? null;
      const ns = this.namespaceOf(nsWritten, s.namespace ?? s.obj.val, `server \`${s.name}\``);
      if (ns === undefined) continue;
      const key = `${ns}/${s.name}`;
      const dup = seen.get(key);
      if (dup) {
        s.obj.val.error(`server \`${key}\` is declared twice (first at ${where(dup)})`);
        continue;
      }
      seen.set(key, s.obj.origin);
      const t = this.serverFromEntry(s.obj, s.name, ns, serverCRs.get(key));
      if (t) topologies.push(t);
    }
    for (const [key, cr] of serverCRs) {
      if (seen.has(key)) continue;
      const t = this.serverFromResource(cr);
      if (!t) continue;
      // The operator tells the namespace's scheduler first (ServerNotify) and only then builds the
      // StatefulSet; without a SeldonRuntime that call fails, so the server never gets pods.
      if (!this.namespaces.find((n) => n.name === t.namespace)?.runtime) t.replicas = 0;
      // Nor does a Server the operator does not watch get a StatefulSet.
      if (!this.watches(t.namespace)) {
        this.warnAbout(cr, [{ path: "metadata.namespace", message: this.unwatchedNote("no StatefulSet (no pod) is created for it") }]);
        t.replicas = 0;
      }
      topologies.push(t);
    }
    this.servers = topologies;
  }

  /** What a Server resource says about its pods: type, replicas, agent env. */
  private fromServerCR(cr: RawResource): { type: ServerType | undefined; replicas: number | undefined; env: Record<string, string> } {
    const spec = cr.spec;
    const sc = spec["serverConfig"];
    const type = typeof sc === "string" && (SERVER_TYPES as readonly string[]).includes(sc) ? (sc as ServerType) : undefined;
    const replicas = typeof spec["replicas"] === "number" ? spec["replicas"] : undefined;
    const env: Record<string, string> = {};
    const caps = stringList(spec["capabilities"]);
    const extra = stringList(spec["extraCapabilities"]);
    if (caps.length > 0) env[AGENT_ENV.capabilities] = caps.join(",");
    else if (extra.length > 0) env[AGENT_ENV.capabilities] = `${defaultCapabilities(type ?? DEFAULTS.serverType)},${extra.join(",")}`;
    // The operator merges podSpec into the ServerConfig's: the agent's env, the inference
    // container's memory request (→ MEMORY_REQUEST); everything else is reported.
    const pod = serverPodSpec(spec["podSpec"], INFERENCE_CONTAINER[type ?? DEFAULTS.serverType], AGENT_ENV_NAMES);
    Object.assign(env, pod.agentEnv);
    if (pod.inferenceMemoryRequest !== undefined) {
      const b = parseBytes(pod.inferenceMemoryRequest);
      if (b.ok) env[AGENT_ENV.memoryRequest] = b.value.toString();
    }
    this.warnAbout(cr, [...pod.notes, ...serverSpecNotes(spec)]);
    return { type, replicas, env };
  }

  private warnAbout(r: RawResource, notes: readonly FieldNote[]): void {
    for (const n of notes) {
      const w: Issue = { ...r.origin, path: `${r.origin.path}.${n.path}`, message: `${r.kind} ${r.namespace ?? ""}/${r.name}: ${n.message}` };
      if (!this.warnings.some((x) => x.path === w.path && x.message === w.message)) this.warnings.push(w);
    }
  }

  private serverFromResource(cr: RawResource): ServerTopology | undefined {
    const { type, replicas, env } = this.fromServerCR(cr);
    const sc = cr.spec["serverConfig"];
    if (type === undefined && typeof sc === "string") {
      cr.val.error(
        `Server \`${cr.namespace}/${cr.name}\` uses serverConfig \`${sc}\`, which is not one of Seldon's shipped ServerConfigs (${SERVER_TYPES.join(", ")}); ` +
          `add a cluster.servers entry with \`type:\` to say which kind of inference server it runs`,
      );
      return undefined;
    }
    return {
      name: cr.name,
      namespace: cr.namespace!,
      replicas: replicas ?? DEFAULTS.replicas,
      type: type ?? DEFAULTS.serverType,
      env,
      agentFlags: {},
      inference: defaultInference(),
      origin: cr.origin,
    };
  }

  private serverFromEntry(o: Obj, name: string, namespace: string, cr: RawResource | undefined): ServerTopology | undefined {
    const fromCR = cr ? this.fromServerCR(cr) : { type: undefined, replicas: undefined, env: {} };
    const typeV = o.get("type");
    const type = typeV ? typeV.oneOf(SERVER_TYPES, "server type") : undefined;
    if (type !== undefined && fromCR.type !== undefined && type !== fromCR.type) {
      typeV!.error(`\`type: ${type}\` contradicts the Server resource's \`serverConfig: ${fromCR.type}\` (at ${where(cr!.origin)})`);
    }
    const finalType = type ?? fromCR.type ?? DEFAULTS.serverType;
    const replicas = o.maybe("replicas", (v) => v.int({ min: 0 })) ?? fromCR.replicas ?? DEFAULTS.replicas;

    const env: Record<string, string> = { ...fromCR.env };
    const mem = o.maybe("memory", (v) => v.bytes());
    if (mem !== undefined) env[AGENT_ENV.memoryRequest] = mem.toString();
    const caps = o.maybe("capabilities", (v) => capabilityList(v));
    if (caps !== undefined) env[AGENT_ENV.capabilities] = caps.join(",");
    const extra = o.maybe("extraCapabilities", (v) => capabilityList(v));
    if (extra !== undefined && extra.length > 0) {
      env[AGENT_ENV.capabilities] = `${env[AGENT_ENV.capabilities] ?? defaultCapabilities(finalType)},${extra.join(",")}`;
    }
    const oc = o.maybe("overCommitPercentage", (v) => v.int({ min: 0, what: "a whole percentage ≥ 0" }));
    if (oc !== undefined) env[AGENT_ENV.overCommitPercentage] = String(oc);
    const envV = o.get("env");
    if (envV && envV.kind !== "null") {
      for (const e of envV.entries("a mapping of agent environment variables")) {
        if (!AGENT_ENV_NAMES.includes(e.key)) {
          e.keyVal.error(`\`${e.key}\` is not an environment variable the v2.9.0 agent reads${didYouMean(e.key, AGENT_ENV_NAMES)}`);
          continue;
        }
        const t = e.value.text("a string value");
        if (t !== undefined) env[e.key] = t;
      }
    }
    const agentFlags: Record<string, string> = {};
    const flagsV = o.get("agentFlags");
    if (flagsV && flagsV.kind !== "null") {
      for (const e of flagsV.entries("a mapping of agent flags (without the leading --)")) {
        const flag = e.key.replace(/^--?/, "");
        if (!AGENT_FLAGS.includes(flag)) {
          e.keyVal.error(`\`${e.key}\` is not a flag of the v2.9.0 agent${didYouMean(flag, AGENT_FLAGS)}`);
          continue;
        }
        const t = e.value.text("a string value");
        if (t !== undefined) agentFlags[flag] = t;
      }
    }
    const podIp = o.maybe("podIp", (v) => {
      const s = v.str("an IPv4 address");
      if (s !== undefined && !isIPv4(s)) return v.expected("an IPv4 address such as `10.42.0.70`");
      return s;
    });
    const inference = defaultInference();
    const infV = o.get("inference");
    if (infV && infV.kind !== "null") {
      const io = infV.obj(INFERENCE_FIELDS, "inference behaviour");
      if (io) Object.assign(inference, this.readBehaviour(io));
    }
    return {
      name,
      namespace,
      replicas,
      type: finalType,
      env,
      agentFlags,
      ...(podIp !== undefined ? { podIp } : {}),
      inference,
      origin: o.origin,
    };
  }

  private readBehaviour(o: Obj): Partial<InferenceBehaviour> {
    const out: Partial<InferenceBehaviour> = {};
    const d = o.maybe("loadDelay", (x) => x.duration());
    if (d !== undefined) out.loadDelayMs = d;
    const f = o.get("loadFailure");
    if (f) {
      if (f.kind === "null") out.loadFailure = null;
      else {
        const t = f.text("an error message (or null for none)");
        if (t !== undefined) out.loadFailure = t;
      }
    }
    const oom = o.maybe("outOfMemory", (x) => x.bool());
    if (oom !== undefined) out.outOfMemory = oom;
    return out;
  }

  private findServer(ref: Ref): ServerTopology | undefined {
    return this.servers.find((s) => s.namespace === ref.namespace && s.name === ref.name);
  }

  /** A `namespace/name` (or `name` with one namespace declared) reference. */
  private ref(v: Val, what: string): Ref | undefined {
    const s = v.name(`a ${what} reference (\`namespace/name\`)`);
    if (s === undefined) return undefined;
    const parts = s.split("/");
    if (parts.length > 2 || parts.some((p) => p === "")) {
      v.error(`expected a ${what} reference \`namespace/name\`, got \`${s}\``);
      return undefined;
    }
    if (parts.length === 1) {
      if (this.namespaces.length !== 1) {
        v.error(`write the ${what} as \`namespace/${s}\`: ${this.namespaces.length} namespaces are declared (${this.namespaces.map((n) => n.name).join(", ")})`);
        return undefined;
      }
      return { namespace: this.namespaces[0]!.name, name: s };
    }
    const ns = this.namespaceOf(parts[0]!, v, what);
    return ns === undefined ? undefined : { namespace: ns, name: parts[1]! };
  }

  private serverRef(v: Val): Ref | undefined {
    const r = this.ref(v, "server");
    if (!r) return undefined;
    if (!this.findServer(r)) {
      const known = this.servers.map((s) => `${s.namespace}/${s.name}`);
      v.error(`no server \`${r.namespace}/${r.name}\` in the cluster${hint(`${r.namespace}/${r.name}`, known) || "; no servers are declared"}`);
      return undefined;
    }
    return r;
  }

  private modelRef(v: Val): Ref | undefined {
    const r = this.ref(v, "model");
    if (!r) return undefined;
    const key = `${r.namespace}/${r.name}`;
    if (!this.models.has(key)) {
      const known = [...this.models.keys()];
      v.error(`no Model \`${key}\` is applied in this scenario${known.length ? hint(key, known) : " (no Model resources at all)"}`);
      return undefined;
    }
    return r;
  }

  /** A server name in a namespace (expectations name servers as the scheduler does: without namespace). */
  private serverName(v: Val, namespace: string): string | undefined {
    const s = v.str("a server name");
    if (s === undefined || s === "") return s;
    if (!this.servers.some((t) => t.namespace === namespace && t.name === s)) {
      const names = this.servers.filter((t) => t.namespace === namespace).map((t) => t.name);
      v.error(`no server \`${s}\` in namespace \`${namespace}\`${names.length ? hint(s, names) : " (it has no servers)"}`);
      return undefined;
    }
    return s;
  }

  // ----------------------------------------------------------------------------------------------
  // Network

  private readRule(v: Val, defaultId: string, allowed: string[] = RULE_FIELDS): NetworkRule | undefined {
    const o = v.obj(allowed, "a network rule");
    if (!o) return undefined;
    const id = o.opt("id", (x) => x.name("a rule id"), defaultId);
    const from = this.readEndpoint(o.req("from", "a selector such as `{role: agent}`"));
    const to = this.readEndpoint(o.req("to", "a selector such as `{role: scheduler}`"));
    const mode = o.opt("mode", (x) => x.oneOf(NETWORK_MODES, "network mode"), "refuse" as NetworkMode);
    const rule: NetworkRule = { id, from: from ?? {}, to: to ?? {}, mode };
    const samePod = o.maybe("samePod", (x) => x.bool());
    if (samePod !== undefined) rule.samePod = samePod;
    const only = (field: string, m: NetworkMode): void => {
      const f = o.keyOf(field);
      if (f && mode !== m) f.error(`\`${field}\` applies only to \`mode: ${m}\` (this rule has \`mode: ${mode}\`)`);
    };
    only("delay", "delay");
    only("period", "flap");
    only("down", "flap");
    if (mode === "delay") {
      const d = o.req("delay", "a duration such as `200ms`")?.duration();
      if (d !== undefined) rule.delayMs = d;
    }
    if (mode === "flap") {
      const period = o.opt("period", (x) => x.duration(), DEFAULTS.flapPeriodMs);
      const down = o.maybe("down", (x) => x.duration());
      if (period === 0) o.get("period")?.error("the flap period must be longer than 0");
      if (down !== undefined && down > period) o.get("down")!.error(`\`down: ${formatDuration(down)}\` is longer than the period (${formatDuration(period)})`);
      rule.periodMs = period;
      rule.downMs = down ?? period / 2;
    }
    if (from === undefined || to === undefined) return undefined;
    return rule;
  }

  /** A link toxic or message rule; its fields are checked by the faults module's own validator. */
  private readFault(v: Val, defaultId: string): Fault | undefined {
    try {
      const f = parseFault(v.plain(), "", defaultId);
      this.ruleIds.add(f.id);
      return f;
    } catch (e) {
      if (!(e instanceof FaultSpecError)) throw e;
      v.error(e.message);
      return undefined;
    }
  }

  private readEndpoint(v: Val | undefined): Endpoint | undefined {
    if (!v) return undefined;
    if (v.kind === "string") {
      const role = v.oneOf(ROLES, "role");
      return role === undefined ? undefined : { role };
    }
    const o = v.obj(ENDPOINT_FIELDS, "a network selector");
    if (!o) return undefined;
    const e: Endpoint = {};
    let ok = true;
    const set = <K extends keyof Endpoint>(k: K, val: Endpoint[K] | undefined): void => {
      if (val === undefined) ok = false;
      else e[k] = val;
    };
    if (o.has("role")) set("role", o.get("role")!.oneOf(ROLES, "role"));
    if (o.has("namespace")) {
      const nsV = o.get("namespace")!;
      const ns = nsV.name("a namespace name");
      set("namespace", ns === undefined ? undefined : this.namespaceOf(ns, nsV, "selector", true));
    }
    if (o.has("server")) {
      const sV = o.get("server")!;
      const s = sV.name("a server name");
      if (s !== undefined) {
        const candidates = this.servers.filter((t) => e.namespace === undefined || t.namespace === e.namespace).map((t) => t.name);
        if (!candidates.includes(s)) {
          sV.error(`no server \`${s}\`${e.namespace ? ` in namespace \`${e.namespace}\`` : ""}${candidates.length ? hint(s, candidates) : " (no servers are declared)"}`);
          ok = false;
        } else e.server = s;
      } else ok = false;
    }
    if (o.has("pod")) {
      const pV = o.get("pod")!;
      const p = pV.name("a pod name such as `mlserver-0`");
      const kind = p === undefined ? undefined : this.podKind(p, e.namespace);
      if (p !== undefined && !kind) {
        pV.error(`no pod \`${p}\`${e.namespace ? ` in namespace \`${e.namespace}\`` : ""}; pods are ${this.podFamilies(e.namespace)}`);
        ok = false;
      } else if (kind && e.role !== undefined && !(kind.containers as readonly string[]).includes(e.role)) {
        pV.error(`no ${e.role} runs in pod \`${p}\` (its containers: ${kind.containers.join(", ")}), so this selector matches nothing`);
        ok = false;
      } else set("pod", p);
    }
    if (o.has("replica")) set("replica", o.get("replica")!.int({ min: 0 }));
    if (o.has("port")) set("port", o.get("port")!.int({ min: 1, max: 65535, what: "a port number (1-65535)" }));
    return ok ? e : undefined;
  }

  /** The kind of pod a name designates in a namespace (null namespace: any). */
  private podKind(pod: string, namespace: string | undefined): { containers: ContainerRef["container"][]; namespace?: string } | undefined {
    if (pod === CONTROLLER_POD && this.controllerNamespace !== null && (namespace === undefined || namespace === this.controllerNamespace)) {
      return { containers: ["controller"], namespace: this.controllerNamespace };
    }
    if (pod === SCHEDULER_POD && this.namespaces.some((n) => n.runtime && (namespace === undefined || n.name === namespace))) {
      return { containers: ["scheduler"] };
    }
    const m = /^(.+)-(0|[1-9]\d*)$/.exec(pod);
    if (m && this.servers.some((s) => s.name === m[1] && (namespace === undefined || s.namespace === namespace))) {
      return { containers: ["rclone", "agent", "mlserver"] };
    }
    return undefined;
  }

  private podFamilies(namespace: string | undefined): string {
    const servers = this.servers.filter((s) => namespace === undefined || s.namespace === namespace).map((s) => `\`${s.name}-<replica>\``);
    const list = [...servers];
    if (this.namespaces.some((n) => n.runtime && (namespace === undefined || n.name === namespace))) list.push(`\`${SCHEDULER_POD}\``);
    if (this.controllerNamespace !== null && (namespace === undefined || namespace === this.controllerNamespace)) list.push(`\`${CONTROLLER_POD}\``);
    return list.length ? list.join(", ") : "none here";
  }

  // ----------------------------------------------------------------------------------------------
  // Timeline

  private readStep(v: Val): RawStep | undefined {
    const o = v.obj(["at", ...ACTIONS], "a timeline step");
    if (!o) return undefined;
    const actions = o.keys().filter((k) => k !== "at") as Action[];
    if (actions.length === 0) {
      v.error(`a timeline step needs one action: ${ACTIONS.join(", ")}`);
      return undefined;
    }
    if (actions.length > 1) {
      o.keyOf(actions[1]!)!.error(`a timeline step takes exactly one action, this one has ${actions.length} (${actions.map((a) => `\`${a}\``).join(", ")}); split it into ${actions.length} steps`);
      return undefined;
    }
    const action = actions[0]!;
    const atVal = o.get("at");
    const at = atVal ? atVal.duration() ?? null : null;
    const actionVal = o.get(action)!;
    const resources = action === "apply" ? this.readResourceEntry(actionVal) : [];
    return { val: v, at, atVal, action, actionVal, resources };
  }

  private finishTimeline(steps: RawStep[]): TimelineStep[] {
    const out: TimelineStep[] = [];
    let lastAt: { ms: number; val: Val } | null = null;
    for (const s of steps) {
      if (s.at !== null && s.atVal) {
        if (lastAt && s.at < lastAt.ms) {
          s.atVal.error(`\`at: ${formatDuration(s.at)}\` is earlier than a previous step's \`at: ${formatDuration(lastAt.ms)}\` (${where(lastAt.val.origin)}); steps run in the order written`);
        }
        lastAt = { ms: s.at, val: s.atVal };
      }
      const origin = s.val.origin;
      const base = { at: s.at, origin };
      const v = s.actionVal;
      switch (s.action) {
        case "apply": {
          s.resources.forEach((r, i) => {
            if (r.namespace === null) return; // reported in finishResources
            const resource: K8sResource = { apiVersion: r.apiVersion, kind: r.kind, metadata: { ...r.metadata, name: r.name, namespace: r.namespace }, spec: r.spec, origin: r.origin };
            out.push({ at: i === 0 ? s.at : null, origin, kind: "apply", resource });
          });
          break;
        }
        case "delete": {
          const d = this.readDelete(v);
          if (d) out.push({ ...base, kind: "delete", resource: d });
          break;
        }
        case "scale": {
          const o = v.obj(["server", "replicas"], "a scale action");
          if (!o) break;
          const server = this.maybeReq(o, "server", (x) => this.serverRef(x));
          const replicas = this.maybeReq(o, "replicas", (x) => x.int({ min: 0 }));
          if (server && replicas !== undefined) out.push({ ...base, kind: "scale", server, replicas });
          break;
        }
        case "crash":
        case "restart": {
          const target = this.readContainer(v, s.action);
          if (target) out.push({ ...base, kind: s.action, target });
          break;
        }
        case "drain": {
          const o = v.obj(["server", "replica"], "a drain action");
          if (!o) break;
          const server = this.maybeReq(o, "server", (x) => this.serverRef(x));
          const replica = this.maybeReq(o, "replica", (x) => x.int({ min: 0 }));
          if (server && replica !== undefined) out.push({ ...base, kind: "drain", server, replica });
          break;
        }
        case "block": {
          const rule = this.readRule(v, `timeline[${stepIndex(s.val.path)}]`);
          if (rule) {
            this.ruleIds.add(rule.id);
            out.push({ ...base, kind: "block", rule });
          }
          break;
        }
        case "fault": {
          const fault = this.readFault(v, `timeline[${stepIndex(s.val.path)}]`);
          if (fault) out.push({ ...base, kind: "fault", fault });
          break;
        }
        case "heal": {
          const id = v.name("the id of a network rule or fault");
          if (id === undefined) break;
          if (!this.ruleIds.has(id)) {
            const ids = [...this.ruleIds];
            v.error(`no network rule or fault \`${id}\` is in place at this step${ids.length ? hint(id, ids) : " (none has been set up)"}; they get ids with \`id:\` under network, faults, block or fault`);
            break;
          }
          out.push({ ...base, kind: "heal", ruleId: id });
          break;
        }
        case "inference": {
          const o = v.obj(["server", "replica", ...INFERENCE_FIELDS], "an inference action");
          if (!o) break;
          const server = this.maybeReq(o, "server", (x) => this.serverRef(x));
          const replicaV = o.get("replica");
          const replica = replicaV === undefined || replicaV.kind === "null" ? null : replicaV.int({ min: 0 });
          const behaviour = this.readBehaviour(o);
          if (!INFERENCE_FIELDS.some((f) => o.has(f))) v.error(`an inference action changes at least one of ${INFERENCE_FIELDS.join(", ")}`);
          if (server && replica !== undefined) out.push({ ...base, kind: "inference", server, replica, behaviour });
          break;
        }
        case "traffic": {
          const t = this.readTraffic(v);
          if (t) out.push({ ...base, kind: "traffic", ...t });
          break;
        }
        case "advance": {
          const ms = v.duration();
          if (ms !== undefined) out.push({ ...base, kind: "advance", ms });
          break;
        }
        case "wait": {
          const o = v.obj(["for", "timeout"], "a wait action");
          if (!o) break;
          const condition = this.maybeReq(o, "for", (x) => this.readCondition(x));
          const timeoutMs = o.opt("timeout", (x) => x.duration(), DEFAULTS.waitTimeoutMs);
          if (condition) out.push({ ...base, kind: "wait", condition, timeoutMs });
          break;
        }
      }
    }
    return out;
  }

  /** `requests` (with `every`, default all at once) or `rate` per second `for` a duration. */
  private readTraffic(v: Val): Omit<Extract<TimelineStep, { kind: "traffic" }>, "kind" | "at" | "origin"> | undefined {
    const o = v.obj(TRAFFIC_FIELDS, "a traffic action");
    if (!o) return undefined;
    const model = this.maybeReq(o, "model", (x) => this.modelRef(x));
    const protocol = o.opt("protocol", (x) => x.oneOf(TRAFFIC_PROTOCOLS, "protocol"), "rest") ?? "rest";
    let count: number | undefined;
    let intervalMs: number | undefined = 0;
    if (o.has("requests") && o.has("rate")) {
      o.keyOf("rate")!.error("a traffic action takes `requests` (with `every`) or `rate` (with `for`), not both");
      return undefined;
    }
    if (o.has("rate")) {
      if (o.has("every")) o.keyOf("every")!.error("`every` goes with `requests`; with `rate` the spacing is 1 s / rate");
      const rate = o.get("rate")!.int({ min: 1, max: 1000, what: "requests per second" });
      const forMs = this.maybeReq(o, "for", (x) => x.duration());
      if (rate === undefined || forMs === undefined) return undefined;
      count = Math.floor((rate * forMs) / 1000);
      intervalMs = 1000 / rate;
      if (count < 1) o.get("for")!.error(`\`rate: ${rate}\` for ${formatDuration(forMs)} sends no request; make \`for\` at least ${formatDuration(Math.ceil(1000 / rate))}`);
    } else if (o.has("requests")) {
      if (o.has("for")) o.keyOf("for")!.error("`for` goes with `rate`; with `requests` say `every` for the spacing");
      count = o.get("requests")!.int({ min: 1, max: 100_000, what: "a number of requests" });
      intervalMs = o.opt("every", (x) => x.duration(), 0);
    } else {
      v.error("a traffic action says how many requests: `requests: N` (with `every: 100ms`, default all at once) or `rate: N` (per second) with `for: 30s`");
      return undefined;
    }
    if (!model || count === undefined || count < 1 || intervalMs === undefined) return undefined;
    return { model, protocol, count, intervalMs };
  }

  private readTrafficExpectation(v: Val): TrafficExpectation | undefined {
    const o = v.obj(TRAFFIC_EXPECT_FIELDS, "a traffic expectation");
    if (!o) return undefined;
    const ref = this.maybeReq(o, "model", (x) => this.modelRef(x));
    if (o.keys().filter((k) => k !== "model").length === 0 && o.unknownCount === 0) v.error(`a traffic expectation checks at least one of ${TRAFFIC_EXPECT_FIELDS.slice(1).join(", ")}`);
    if (!ref) return undefined;
    const e: TrafficExpectation = { namespace: ref.namespace, model: ref.name, origin: o.origin };
    for (const k of ["sent", "ok", "failed"] as const) {
      const n = o.maybe(k, (x) => x.int({ min: 0 }));
      if (n !== undefined) e[k] = n;
    }
    const codesV = o.get("codes");
    if (codesV) {
      const codes: Record<string, number> = {};
      for (const c of codesV.entries("a mapping of gRPC status name to count")) {
        if (!STATUS_NAMES_LIST.includes(c.key)) {
          c.keyVal.error(`unknown gRPC status \`${c.key}\`${hint(c.key, STATUS_NAMES_LIST)}`);
          continue;
        }
        const n = c.value.int({ min: 0 });
        if (n !== undefined) codes[c.key] = n;
      }
      e.codes = codes;
    }
    return e;
  }

  private maybeReq<T>(o: Obj, key: string, read: (v: Val) => T | undefined): T | undefined {
    const v = o.req(key);
    return v === undefined ? undefined : read(v);
  }

  private readDelete(v: Val): { kind: K8sResource["kind"]; namespace: string; name: string } | undefined {
    let kind: SupportedKind | undefined;
    let ref: Ref | undefined;
    if (v.kind === "string") {
      // `Kind/namespace/name` or `Kind/name`
      const s = v.scalar as string;
      const slash = s.indexOf("/");
      if (slash <= 0) return v.expected("`{kind, namespace, name}` or `Kind/namespace/name`");
      const k = s.slice(0, slash);
      if (!(SUPPORTED_KINDS as readonly string[]).includes(k)) {
        v.error(`unknown kind \`${k}\`${hint(k, SUPPORTED_KINDS)}`);
        return undefined;
      }
      kind = k as SupportedKind;
      const rest = s.slice(slash + 1);
      const parts = rest.split("/");
      if (parts.length > 2 || parts.some((p) => p === "")) return v.expected("`Kind/namespace/name`");
      const ns = parts.length === 2 ? this.namespaceOf(parts[0]!, v, "delete", kind === "ServerConfig") : this.namespaceOf(null, v, `${kind} \`${rest}\``);
      if (ns === undefined) return undefined;
      ref = { namespace: ns, name: parts[parts.length - 1]! };
    } else {
      const o = v.obj(["kind", "namespace", "name"], "a delete action");
      if (!o) return undefined;
      kind = this.maybeReq(o, "kind", (x) => x.oneOf(SUPPORTED_KINDS, "kind"));
      const name = this.maybeReq(o, "name", (x) => x.name("a resource name"));
      const nsV = o.get("namespace");
      const written = nsV && nsV.kind !== "null" ? nsV.name("a namespace name") ?? null : null;
      if (nsV && written === null && nsV.kind !== "null") return undefined;
      const ns = this.namespaceOf(written, nsV ?? v, `the deleted ${kind ?? "resource"}`, kind === "ServerConfig");
      if (kind === undefined || name === undefined || ns === undefined) return undefined;
      ref = { namespace: ns, name };
    }
    const key = `${kind}/${ref.namespace}/${ref.name}`;
    if (!this.resourceKeys.has(key)) {
      const same = [...this.resourceKeys.keys()].filter((k) => k.startsWith(`${kind}/`)).map((k) => k.slice(kind!.length + 1));
      v.error(`no ${kind} \`${ref.namespace}/${ref.name}\` is applied in this scenario${same.length ? hint(`${ref.namespace}/${ref.name}`, same) : ""}`);
      return undefined;
    }
    return { kind, ...ref };
  }

  private readContainer(v: Val, action: string): ContainerRef | undefined {
    const o = v.obj(["pod", "container"], `a ${action} action`);
    if (!o) return undefined;
    const podV = o.req("pod", "`namespace/pod`, e.g. `seldon-mesh/mlserver-0`");
    if (!podV) return undefined;
    const s = podV.name("a pod reference (`namespace/pod`)");
    if (s === undefined) return undefined;
    const parts = s.split("/");
    if (parts.length > 2 || parts.some((p) => p === "")) return podV.expected("a pod reference `namespace/pod`");
    const pod = parts[parts.length - 1]!;
    let ns: string | undefined;
    if (parts.length === 2) ns = this.namespaceOf(parts[0]!, podV, "pod", true);
    else if (pod === CONTROLLER_POD && this.controllerNamespace !== null) ns = this.controllerNamespace;
    else ns = this.namespaceOf(null, podV, `pod \`${pod}\``);
    if (ns === undefined) return undefined;
    const kind = this.podKind(pod, ns);
    if (!kind) {
      podV.error(`no pod \`${pod}\` in namespace \`${ns}\`; pods there are ${this.podFamilies(ns)}`);
      return undefined;
    }
    const cV = o.get("container");
    let container: ContainerRef["container"] | undefined;
    if (cV) {
      container = cV.oneOf(CONTAINERS, "container");
      if (container !== undefined && !kind.containers.includes(container)) {
        cV.error(`pod \`${pod}\` has no container \`${container}\`; its containers: ${kind.containers.join(", ")}`);
        return undefined;
      }
    } else if (kind.containers.length === 1) {
      container = kind.containers[0];
    } else {
      const cs = kind.containers;
      o.val.error(`missing required field \`container\`: pod \`${pod}\` has ${cs.length > 1 ? `${cs.slice(0, -1).join(", ")} and ${cs.at(-1)}` : cs.join("")}`);
    }
    return container === undefined ? undefined : { namespace: ns, pod, container };
  }

  private readCondition(v: Val): Condition | undefined {
    const o = v.obj(CONDITIONS, "a wait condition");
    if (!o) return undefined;
    const keys = o.keys();
    if (keys.length !== 1) {
      v.error(keys.length === 0 ? `a wait condition needs one of ${CONDITIONS.join(", ")}` : `a wait condition takes exactly one of ${CONDITIONS.join(", ")}, got ${keys.join(" and ")}`);
      return undefined;
    }
    const k = keys[0]!;
    const c = o.get(k)!;
    if (k === "modelReady") {
      const r = this.modelRef(c);
      return r && { kind: "modelReady", ...r };
    }
    if (k === "modelState") {
      const so = c.obj(["model", "state"], "a modelState condition");
      if (!so) return undefined;
      const r = this.maybeReq(so, "model", (x) => this.modelRef(x));
      const state = this.maybeReq(so, "state", (x) => x.oneOf(MODEL_STATES, "model state"));
      return r && state ? { kind: "modelState", ...r, state } : undefined;
    }
    const lo = c.obj(["component", "namespace", "contains"], "a log condition");
    if (!lo) return undefined;
    const component = this.maybeReq(lo, "component", (x) => x.oneOf(ROLES, "component"));
    const namespace = this.optNamespace(lo.get("namespace"));
    const contains = this.maybeReq(lo, "contains", (x) => x.name("the text to look for"));
    if (component === undefined || namespace === undefined || contains === undefined) return undefined;
    return { kind: "log", component, namespace, contains };
  }

  /** An optional namespace filter: null when absent, undefined on error. */
  private optNamespace(v: Val | undefined): string | null | undefined {
    if (!v || v.kind === "null") return null;
    const ns = v.name("a namespace name");
    return ns === undefined ? undefined : this.namespaceOf(ns, v, "namespace", true);
  }

  // ----------------------------------------------------------------------------------------------
  // Scheduler plugin chains

  private readScheduler(v: Val | undefined): { chains: ChainNames | null; readyTimeoutSeconds?: number; modelAutoscaling: boolean } {
    if (!v || v.kind === "null") return { chains: null, modelAutoscaling: false };
    const o = v.obj(SCHEDULER_FIELDS, "scheduler");
    if (!o) return { chains: null, modelAutoscaling: false };
    const modelAutoscaling = o.opt("enableModelAutoscaling", (x) => x.bool(), false) ?? false;
    const readyTimeoutSeconds = o.maybe("readyTimeoutSeconds", (x) => x.int({ min: 0, what: "whole seconds ≥ 0 (the scheduler's `--scheduler-ready-timeout-seconds`)" }));
    const named = CHAIN_FIELDS.some((kind) => o.get(kind) !== undefined);
    return { chains: named ? this.readChains(o) : null, modelAutoscaling, ...(readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds } : {}) };
  }

  private readChains(o: Obj): ChainNames {
    const chains: { -readonly [K in keyof ChainNames]: string[] } = {};
    for (const kind of CHAIN_FIELDS) {
      const list = o.get(kind);
      if (!list) continue;
      const valid = [...PLUGIN_REGISTRY[kind].keys()];
      chains[kind] = list.optList(`a list of plugin names (${valid.join(", ")})`).map((x) => x.oneOf(valid, "plugin")).filter(defined);
    }
    return chains;
  }

  // ----------------------------------------------------------------------------------------------
  // Expectations

  private readExpectations(v: Val | undefined): Expectations {
    const e: Expectations = { models: [], servers: [], placements: [], logs: [], rejections: [], tenantIsolation: false, properties: [], traffic: [] };
    if (!v || v.kind === "null") return e;
    const o = v.obj(EXPECT_FIELDS, "expect");
    if (!o) return e;
    e.tenantIsolation = o.opt("tenantIsolation", (x) => x.bool(), false);
    e.models = (o.get("models")?.optList() ?? []).map((x) => this.readModelExpectation(x)).filter(defined);
    e.servers = (o.get("servers")?.optList() ?? []).map((x) => this.readServerExpectation(x)).filter(defined);
    e.placements = (o.get("placements")?.optList() ?? []).map((x) => this.readPlacementExpectation(x)).filter(defined);
    e.logs = (o.get("logs")?.optList() ?? []).map((x) => this.readLogExpectation(x)).filter(defined);
    e.rejections = (o.get("rejections")?.optList() ?? []).map((x) => this.readRejection(x)).filter(defined);
    e.traffic = (o.get("traffic")?.optList() ?? []).map((x) => this.readTrafficExpectation(x)).filter(defined);
    e.properties = (o.get("properties")?.optList("a list of property names") ?? []).map((x) => x.oneOf(propertyNames(), "property")).filter(defined);
    return e;
  }

  private readModelExpectation(v: Val): ModelExpectation | undefined {
    const o = v.obj(MODEL_EXPECT_FIELDS, "a model expectation");
    if (!o) return undefined;
    const ref = this.maybeReq(o, "model", (x) => this.modelRef(x));
    const checked = o.keys().filter((k) => k !== "model" && !MOMENT_FIELDS.includes(k));
    if (checked.length === 0 && o.unknownCount === 0) v.error(`a model expectation checks at least one of ${MODEL_EXPECT_FIELDS.slice(1).filter((f) => !MOMENT_FIELDS.includes(f)).join(", ")}`);
    const when = this.readMoment(o);
    if (!ref) return undefined;
    const m: ModelExpectation = { namespace: ref.namespace, name: ref.name, when, origin: o.origin };
    const ready = o.maybe("ready", (x) => x.bool());
    if (ready !== undefined) m.ready = ready;
    const desired = o.maybe("desiredReplicas", (x) => x.int({ min: 0 }));
    if (desired !== undefined) m.desiredReplicas = desired;
    const available = o.maybe("availableReplicas", (x) => x.int({ min: 0 }));
    if (available !== undefined) m.availableReplicas = available;
    // `none`: no scheduler has heard of the model (never reconciled into one).
    const state = o.maybe("state", (x) => x.oneOf([...MODEL_STATES, "none"], "model state"));
    if (state !== undefined) m.state = state;
    const reason = o.maybe("reason", (x) => x.text("the status reason text"));
    if (reason !== undefined) m.reason = reason;
    const server = o.maybe("server", (x) => this.serverName(x, ref.namespace));
    if (server !== undefined) m.server = server;
    const rsV = o.get("replicaStates");
    if (rsV) {
      const rs: Record<string, string> = {};
      for (const e of rsV.entries("a mapping of replica index to replica state")) {
        if (!/^(0|[1-9]\d*)$/.test(e.key)) {
          e.keyVal.error(`replica index \`${e.key}\` is not a whole number ≥ 0`);
          continue;
        }
        const st = e.value.oneOf(REPLICA_STATES, "replica state");
        if (st !== undefined) rs[e.key] = st;
      }
      m.replicaStates = rs;
    }
    return m;
  }

  private readServerExpectation(v: Val): ServerExpectation | undefined {
    const o = v.obj(SERVER_EXPECT_FIELDS, "a server expectation");
    if (!o) return undefined;
    const ref = this.maybeReq(o, "server", (x) => this.serverRef(x));
    const checked = o.keys().filter((k) => k !== "server" && !MOMENT_FIELDS.includes(k));
    if (checked.length === 0 && o.unknownCount === 0) v.error(`a server expectation checks at least one of ${SERVER_EXPECT_FIELDS.slice(1).filter((f) => !MOMENT_FIELDS.includes(f)).join(", ")}`);
    const when = this.readMoment(o);
    if (!ref) return undefined;
    const s: ServerExpectation = { namespace: ref.namespace, name: ref.name, when, origin: o.origin };
    const stV = o.get("status");
    if (stV) {
      const so = stV.obj(SERVER_STATUS_FIELDS, "a Server resource status");
      if (so) {
        const st: NonNullable<ServerExpectation["status"]> = {};
        const ready = so.maybe("ready", (x) => x.bool());
        if (ready !== undefined) st.ready = ready;
        const replicas = so.maybe("replicas", (x) => x.int({ min: 0 }));
        if (replicas !== undefined) st.replicas = replicas;
        const lm = so.maybe("loadedModels", (x) => x.int({ min: 0 }));
        if (lm !== undefined) st.loadedModels = lm;
        const reason = so.maybe("reason", (x) => x.text("the Ready condition's reason"));
        if (reason !== undefined) st.reason = reason;
        if (Object.keys(st).length === 0 && so.unknownCount === 0) stV.error(`a Server resource status checks at least one of ${SERVER_STATUS_FIELDS.join(", ")}`);
        s.status = st;
      }
    }
    const connected = o.maybe("connectedReplicas", (x) => x.int({ min: 0 }));
    if (connected !== undefined) s.connectedReplicas = connected;
    const loaded = o.maybe("loadedModels", (x) => x.int({ min: 0 }));
    if (loaded !== undefined) s.loadedModels = loaded;
    const repV = o.get("replicas");
    if (repV) {
      const seen = new Set<number>();
      s.replicas = [];
      for (const r of repV.list("a list of `{idx, availableMemory, totalMemory, loadedModels}`")) {
        const ro = r.obj(REPLICA_EXPECT_FIELDS, "a server replica expectation");
        if (!ro) continue;
        const idx = this.maybeReq(ro, "idx", (x) => x.int({ min: 0 }));
        if (idx === undefined) continue;
        if (seen.has(idx)) {
          ro.get("idx")!.error(`replica ${idx} is listed twice`);
          continue;
        }
        seen.add(idx);
        const rep: NonNullable<ServerExpectation["replicas"]>[number] = { idx };
        const avail = ro.maybe("availableMemory", (x) => x.bytes());
        if (avail !== undefined) rep.availableMemoryBytes = avail;
        const total = ro.maybe("totalMemory", (x) => x.bytes());
        if (total !== undefined) rep.totalMemoryBytes = total;
        const lm = ro.maybe("loadedModels", (x) => x.int({ min: 0 }));
        if (lm !== undefined) rep.loadedModels = lm;
        s.replicas.push(rep);
      }
    }
    return s;
  }

  /** `at`, `during` or `never` of a state expectation; at most one. */
  private readMoment(o: Obj): Moment {
    const given = MOMENT_FIELDS.filter((f) => o.get(f) !== undefined);
    if (given.length > 1) {
      o.get(given[1]!)!.error(`\`${given[0]}\` and \`${given[1]}\` both say when to check; give one`);
      return { kind: "end" };
    }
    const at = o.maybe("at", (x) => x.duration());
    if (at !== undefined) return { kind: "at", ms: at };
    const duringV = o.get("during");
    if (duringV) {
      const d = duringV.obj(DURING_FIELDS, "an interval `{from, to}`");
      if (!d) return { kind: "end" };
      const from = this.maybeReq(d, "from", (x) => x.duration());
      const to = this.maybeReq(d, "to", (x) => x.duration());
      if (from === undefined || to === undefined) return { kind: "end" };
      if (to < from) {
        d.get("to")!.error(`the interval ends (${formatDuration(to)}) before it starts (${formatDuration(from)})`);
        return { kind: "end" };
      }
      return { kind: "during", fromMs: from, toMs: to };
    }
    const never = o.maybe("never", (x) => x.bool());
    if (never === false) o.get("never")!.error("`never: false` is the default; leave it out, or use `never: true`");
    return never ? { kind: "never" } : { kind: "end" };
  }

  private readPlacementExpectation(v: Val): PlacementExpectation | undefined {
    const o = v.obj(PLACEMENT_EXPECT_FIELDS, "a placement expectation");
    if (!o) return undefined;
    const ref = this.maybeReq(o, "model", (x) => this.modelRef(x));
    const decisions: ExpectedDecision[] = [];
    const dV = this.maybeReq(o, "decisions", (x) => x.list("a list of decisions: `{server, replicas}` or `{failed: reason}`"));
    for (const d of dV ?? []) {
      const dO = d.obj(DECISION_FIELDS, "a placement decision");
      if (!dO) continue;
      const failed = dO.maybe("failed", (x) => x.text("the reason scheduling failed"));
      if (failed !== undefined) {
        if (dO.get("server") || dO.get("replicas")) dO.get("failed")!.error("a decision is `{server, replicas}` (placed) or `{failed: reason}`, not both");
        else decisions.push({ kind: "failed", reason: failed });
        continue;
      }
      const server = ref ? this.maybeReq(dO, "server", (x) => this.serverName(x, ref.namespace)) : undefined;
      const replicas = this.maybeReq(dO, "replicas", (x) => x.list("a list of replica indexes").map((r) => r.int({ min: 0 })).filter(defined));
      if (server !== undefined && replicas !== undefined) decisions.push({ kind: "placed", server, replicas });
    }
    if (!ref || dV === undefined) return undefined;
    return { namespace: ref.namespace, model: ref.name, decisions, origin: o.origin };
  }

  private readLogExpectation(v: Val): LogExpectation | undefined {
    const o = v.obj(LOG_EXPECT_FIELDS, "a log expectation");
    if (!o) return undefined;
    const component = this.maybeReq(o, "component", (x) => x.oneOf(ROLES, "component"));
    const namespace = this.optNamespace(o.get("namespace"));
    const podV = o.get("pod");
    let pod: string | null = null;
    if (podV && podV.kind !== "null") {
      const p = podV.name("a pod name");
      if (p === undefined) return undefined;
      const kind = this.podKind(p, namespace ?? undefined);
      if (!kind) {
        podV.error(`no pod \`${p}\`${namespace ? ` in namespace \`${namespace}\`` : ""}; pods are ${this.podFamilies(namespace ?? undefined)}`);
        return undefined;
      }
      if (component !== undefined && !kind.containers.includes(component)) {
        podV.error(`the ${component} does not run in pod \`${p}\` (its containers: ${kind.containers.join(", ")})`);
        return undefined;
      }
      pod = p;
    }
    const has = o.has("contains");
    const hasAbsent = o.has("absent");
    if (has && hasAbsent) {
      o.keyOf("absent")!.error("a log expectation takes `contains` (the line must appear) or `absent` (it must not), not both");
      return undefined;
    }
    if (!has && !hasAbsent) {
      v.error("a log expectation needs `contains: text` (the line must appear) or `absent: text` (it must not)");
      return undefined;
    }
    const text = o.get(has ? "contains" : "absent")!.name("the text to look for");
    const level = o.maybe("level", (x) => x.oneOf(LOG_LEVELS, "log level"));
    const count = o.maybe("count", (x) => x.int({ min: 1, what: "how many lines must match, a whole number ≥ 1 (`absent` says none)" }));
    if (count !== undefined && !has) o.keyOf("count")!.error("`count` goes with `contains` (how many lines contain it); `absent` already means none");
    const after = o.maybe("after", (x) => x.duration());
    const before = o.maybe("before", (x) => x.duration());
    if (after !== undefined && before !== undefined && before <= after) o.keyOf("before")!.error("`before` must be later than `after`");
    if (component === undefined || namespace === undefined || text === undefined || (o.has("level") && level === undefined)) return undefined;
    if ((o.has("count") && count === undefined) || (o.has("after") && after === undefined) || (o.has("before") && before === undefined)) return undefined;
    const l: LogExpectation = { component, namespace, pod, contains: text, present: has, origin: o.origin };
    if (level !== undefined) l.level = level;
    if (count !== undefined && has) l.count = count;
    if (after !== undefined) l.afterMs = after;
    if (before !== undefined) l.beforeMs = before;
    return l;
  }

  private readRejection(v: Val): RejectionExpectation | undefined {
    const o = v.obj(REJECTION_FIELDS, "a rejection expectation");
    if (!o) return undefined;
    const ref = this.maybeReq(o, "model", (x) => this.modelRef(x));
    const server = ref ? this.maybeReq(o, "server", (x) => this.serverName(x, ref.namespace)) : undefined;
    const filterV = o.req("filter");
    const filter = filterV?.oneOf([...SERVER_FILTERS, ...REPLICA_FILTERS], "filter");
    const replica = o.maybe("replica", (x) => x.int({ min: 0 }));
    if (filter !== undefined && REPLICA_FILTERS.includes(filter) && !o.has("replica")) {
      v.error(`\`${filter}\` is a replica filter: say which replica with \`replica: <index>\``);
      return undefined;
    }
    if (filter !== undefined && SERVER_FILTERS.includes(filter) && o.has("replica")) {
      o.keyOf("replica")!.error(`\`${filter}\` is a server filter and rejects whole servers; remove \`replica\``);
      return undefined;
    }
    if (!ref || server === undefined || filter === undefined) return undefined;
    const r: RejectionExpectation = { namespace: ref.namespace, model: ref.name, server, filter, origin: o.origin };
    if (replica !== undefined) r.replica = replica;
    return r;
  }
}

// ------------------------------------------------------------------------------------------------
// Helpers

function defined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

function defaultInference(): InferenceBehaviour {
  return { loadDelayMs: 0, loadFailure: null, outOfMemory: false };
}

function defaultName(file: string): string {
  return nodePath.basename(file).replace(/\.(ya?ml)$/i, "");
}

function where(o: Origin): string {
  return o.line !== undefined ? `${o.file}:${o.line}:${o.column ?? 1}` : o.file;
}

function stepIndex(path: string): string {
  return /\[(\d+)\]$/.exec(path)?.[1] ?? "?";
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : [];
}

/** Capabilities: a list of strings, or one comma-separated string. */
function capabilityList(v: Val): string[] | undefined {
  if (v.kind === "string") return (v.scalar as string).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (v.kind !== "list") return v.expected("a list of capabilities (or one comma-separated string)");
  const out: string[] = [];
  for (const item of v.list()) {
    const s = item.name("a capability");
    if (s !== undefined) out.push(s.trim());
  }
  return out;
}
