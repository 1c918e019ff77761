/**
 * Builds schema/scenario.schema.json (JSON Schema draft 2020-12) from the loader's own
 * vocabularies, so the schema an editor completes with and the loader cannot drift apart:
 * test/scenario/parse-schema.test.ts fails when the file differs from what this builds.
 *
 * Regenerate with: `npx tsx src/scenario/schema-gen.ts > schema/scenario.schema.json`
 *
 * The schema is for completion and early squiggles; the loader remains the judge (it also checks
 * what a schema cannot: that references name declared namespaces, servers and models).
 */
import { FAULT_SCHEMA } from "../faults/schema.ts";
import { MODEL_STATES, REPLICA_STATES } from "../scheduler/states.ts";
import { API_VERSION, OBJECT_META_SHAPES, SPEC_SHAPES, SUPPORTED_KINDS, type Shape } from "./parse-crd.ts";
import {
  ACTIONS,
  STATUS_NAMES_LIST,
  TRAFFIC_PROTOCOLS,
  AGENT_ENV_NAMES,
  CHAIN_FIELDS,
  AGENT_FLAGS,
  CONTAINERS,
  DEFAULTS,
  LOG_LEVELS,
  NETWORK_MODES,
  REPLICA_FILTERS,
  ROLES,
  SERVER_FILTERS,
  SERVER_TYPES,
} from "./parse.ts";
import { PLUGIN_REGISTRY } from "../scheduling/registry.ts";
import { DEFAULT_INSTALL, INSTALL_KINDS } from "../cluster/install.ts";
import { propertyNames } from "../properties/catalog.ts";

type Schema = Record<string, unknown>;

const DURATION_PATTERN = "^(0|((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)$";
const QUANTITY_PATTERN = "^\\+?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?$";
const SIGNED_QUANTITY_PATTERN = "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?$";
const REF_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$";
const NAMESPACE_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

const str = (description?: string): Schema => ({ type: "string", ...(description ? { description } : {}) });
const int = (description: string, minimum = 0): Schema => ({ type: "integer", minimum, description });
const bool = (description: string, dflt?: boolean): Schema => ({ type: "boolean", description, ...(dflt !== undefined ? { default: dflt } : {}) });
const ref = (name: string, description?: string): Schema => ({ $ref: `#/$defs/${name}`, ...(description ? { description } : {}) });
const enumOf = (values: readonly string[], description: string, dflt?: string): Schema => ({
  type: "string",
  enum: [...values],
  description,
  ...(dflt !== undefined ? { default: dflt } : {}),
});
const object = (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema => ({
  type: "object",
  ...(description ? { description } : {}),
  properties,
  ...(required.length ? { required } : {}),
  additionalProperties: false,
});
const list = (items: Schema, description: string): Schema => ({ type: ["array", "null"], items, description });

/**
 * A CRD shape as JSON Schema (null allowed where Kubernetes takes it as "not set"). Shapes with a
 * `def` name are emitted once into `defs` and referenced.
 */
export function shapeSchema(shape: Shape, defs?: Record<string, Schema>): Schema {
  if (shape.t === "object" && shape.def !== undefined && defs) {
    if (!(shape.def in defs)) {
      defs[shape.def] = {}; // placeholder against recursion
      defs[shape.def] = shapeSchema({ ...shape, def: undefined } as Shape, defs);
    }
    return { $ref: `#/$defs/${shape.def}` };
  }
  switch (shape.t) {
    case "any":
      return {};
    case "string":
      return { type: ["string", "null"] };
    case "int":
      return { type: ["integer", "null"], ...(shape.min !== undefined ? { minimum: shape.min } : {}) };
    case "bool":
      return { type: ["boolean", "null"] };
    case "intOrString":
      return { type: ["integer", "string", "null"] };
    case "quantity":
      return shape.nonNegative
        ? { anyOf: [{ type: "string", pattern: QUANTITY_PATTERN }, { type: "number", minimum: 0 }, { type: "null" }] }
        : { anyOf: [{ type: "string", pattern: SIGNED_QUANTITY_PATTERN }, { type: "number" }, { type: "null" }] };
    case "list":
      return { type: ["array", "null"], items: shapeSchema(shape.of, defs) };
    case "map":
      return { type: ["object", "null"], additionalProperties: shapeSchema(shape.of, defs) };
    case "object":
      return {
        type: ["object", "null"],
        description: shape.what,
        properties: Object.fromEntries(Object.entries(shape.fields).map(([k, s]) => [k, shapeSchema(s, defs)])),
        ...(shape.required?.length ? { required: shape.required } : {}),
        additionalProperties: false,
      };
  }
}

const DURATION: Schema = {
  description: "A duration: `500ms`, `10s`, `2m`, `1h30m` (Go syntax; whole milliseconds). A bare number other than 0 is refused.",
  anyOf: [{ type: "string", pattern: DURATION_PATTERN }, { const: 0 }],
};
const BYTES: Schema = {
  description: "A Kubernetes quantity of bytes: `1Gi`, `500Mi`, `2G`, `1e9`, or a plain number. Rounded up to whole bytes.",
  anyOf: [{ type: "string", pattern: QUANTITY_PATTERN }, { type: "integer", minimum: 0 }],
};
const MODEL_REF = { type: "string", pattern: REF_PATTERN, description: "`namespace/name` of a Model applied in this scenario (`name` alone when exactly one namespace is declared)." };
const SERVER_REF = { type: "string", pattern: REF_PATTERN, description: "`namespace/name` of a server in the cluster (`name` alone when exactly one namespace is declared)." };
/** When a model or server expectation is judged (default: at the end of the run). */
const MOMENT_PROPS: Record<string, Schema> = {
  at: { $ref: "#/$defs/duration", description: "Judge the state at this run time instead of at the end." },
  during: object({ from: { $ref: "#/$defs/duration" }, to: { $ref: "#/$defs/duration" } }, ["from", "to"], "The state must hold throughout this interval of run time."),
  never: { type: "boolean", const: true, description: "The described state must not hold at any moment of the run." },
};
const POD_REF = { type: "string", pattern: REF_PATTERN, description: "`namespace/pod`, e.g. `seldon-mesh/mlserver-0`, `seldon-mesh/seldon-scheduler-0`, `seldon-system/seldon-v2-controller-manager-0`." };

function defs(): Record<string, Schema> {
  const inferenceFields = {
    loadDelay: ref("duration", "How long every model load takes on the inference server. Default 0."),
    loadFailure: { type: ["string", "null"], description: "When set, every load fails with this message. Default null (loads succeed)." },
    outOfMemory: bool("Loads fail as out of memory.", false),
  };
  const endpoint: Schema = {
    description: "Which processes a side of the rule matches: a role name, or a selector whose given fields must all match.",
    anyOf: [
      enumOf(ROLES, "Shorthand for `{role: <role>}`."),
      object({
        role: enumOf(ROLES, "The component: scheduler, agent, mlserver (the inference server), controller or rclone (beside each agent)."),
        namespace: { type: "string", pattern: NAMESPACE_PATTERN, description: "Namespace of the process." },
        pod: str("Pod name: `<server>-<replica>`, `seldon-scheduler-0` or `seldon-v2-controller-manager-0`."),
        server: str("Server name (agents and inference servers of that server)."),
        replica: int("Server replica index."),
        port: { type: "integer", minimum: 1, maximum: 65535, description: "The port called (for the `to` side)." },
      }),
    ],
  };
  const rule = (idDefault: string): Schema =>
    object(
      {
        id: str(`Identifies the rule for \`heal\`. Default: \`${idDefault}\`.`),
        from: ref("endpoint", "The calling side."),
        to: ref("endpoint", "The called side."),
        samePod: bool("Only between processes of the same pod (e.g. an agent and its own inference server)."),
        mode: enumOf(NETWORK_MODES, "refuse: connection refused; blackhole: packets dropped (calls hang until their deadline); delay: extra one-way latency; reset: connection reset; flap: refused for `down` at the start of every `period`.", "refuse"),
        delay: ref("duration", "Extra one-way latency (mode delay only; required there)."),
        period: ref("duration", `Flap period (mode flap only). Default ${DEFAULTS.flapPeriodMs / 1000}s.`),
        down: ref("duration", "How long the link is refused at the start of each period (mode flap only). Default: half the period."),
      },
      ["from", "to"],
    );

  const resourceBase = (kinds: readonly string[]): Schema => ({
    type: "object",
    properties: {
      apiVersion: { const: API_VERSION, description: "Seldon's API version." },
      kind: { enum: [...kinds], description: "Model, Server, SeldonRuntime or ServerConfig." },
      metadata: {
        type: "object",
        description: "Kubernetes object metadata. `namespace` defaults to the only declared namespace (ServerConfig: the controller's namespace).",
        properties: Object.fromEntries(
          Object.entries(OBJECT_META_SHAPES).map(([k, s]) => [k, k === "namespace" ? { type: ["string", "null"], pattern: NAMESPACE_PATTERN } : shapeSchema(s)]),
        ),
        required: ["name"],
        additionalProperties: false,
      },
      spec: { description: "The resource's spec, as in Seldon v2.9.0's CRD." },
      status: { description: "Accepted and ignored (as the API server ignores status on create)." },
    },
    required: ["apiVersion", "kind", "metadata"],
    additionalProperties: false,
    allOf: SUPPORTED_KINDS.map((k) => ({
      if: { properties: { kind: { const: k } }, required: ["kind"] },
      then: { properties: { spec: ref(`${k}Spec`) }, ...(k === "ServerConfig" ? {} : { required: ["spec"] }) },
    })),
  });

  const step: Schema = {
    type: "object",
    description: "One step: an optional `at` and exactly one action.",
    properties: {
      at: ref("duration", "Absolute run time the step happens at. Default: right after the previous step."),
      apply: ref("resourceEntry", "Apply a Seldon resource (or every resource of `{file: path}`, as consecutive steps)."),
      delete: {
        description: "Delete a resource applied earlier: `{kind, namespace, name}` or `Kind/namespace/name`.",
        anyOf: [
          { type: "string", pattern: `^(${SUPPORTED_KINDS.join("|")})/[^/\\s]+(/[^/\\s]+)?$` },
          object({ kind: enumOf(SUPPORTED_KINDS, "The resource kind."), namespace: str("Default: the only declared namespace."), name: str("Resource name.") }, ["kind", "name"]),
        ],
      },
      scale: object({ server: SERVER_REF, replicas: int("The server's new pod count.") }, ["server", "replicas"], "Scale a server's pods (the StatefulSet)."),
      crash: ref("container", "Kill a container; Kubernetes restarts it with back-off."),
      restart: ref("container", "Restart a container now (a crash if it is running, then a start)."),
      drain: object({ server: SERVER_REF, replica: int("Replica index.") }, ["server", "replica"], "Drain a server replica, as its preStop hook does."),
      block: ref("ruleInTimeline", "Put a network rule in place from this step on."),
      heal: str("Remove the network rule or fault with this id."),
      fault: ref("fault", "Put a link toxic or message rule in place from this step on (docs/faults.md)."),
      inference: object(
        { server: SERVER_REF, replica: { type: ["integer", "null"], minimum: 0, description: "Replica index; omit for every replica." }, ...inferenceFields },
        ["server"],
        "Change how the inference server behaves from now on (only the given fields).",
      ),
      traffic: {
        ...object(
          {
            model: MODEL_REF,
            requests: int("How many requests (with `every`).", 1),
            every: ref("duration", "Time between two requests (with `requests`). Default 0: all at once."),
            rate: { type: "integer", minimum: 1, maximum: 1000, description: "Requests per second (with `for`)." },
            for: ref("duration", "How long to send at `rate`."),
            protocol: enumOf(TRAFFIC_PROTOCOLS, "How the request reaches the agent: REST (reverse proxy HTTP port, the default) or gRPC (reverse proxy gRPC port)."),
          },
          ["model"],
          "Send inference requests to a model through its namespace's Envoy, from this step on (the timeline goes on meanwhile).",
        ),
        oneOf: [{ required: ["requests"] }, { required: ["rate", "for"] }],
      },
      advance: ref("duration", "Let this much run time pass."),
      wait: object(
        {
          for: {
            type: "object",
            description: "Exactly one condition.",
            properties: {
              modelReady: MODEL_REF,
              modelState: object({ model: MODEL_REF, state: enumOf(MODEL_STATES, "The scheduler's model state.") }, ["model", "state"]),
              log: object({ component: enumOf(ROLES, "Which component logs it."), namespace: str("Only this namespace."), contains: str("Text the log line contains.") }, ["component", "contains"]),
            },
            additionalProperties: false,
            oneOf: ["modelReady", "modelState", "log"].map((k) => ({ required: [k] })),
          },
          timeout: ref("duration", `Give up (and fail the run) after this long. Default ${DEFAULTS.waitTimeoutMs / 60000}m.`),
        },
        ["for"],
        "Run until a condition holds.",
      ),
    },
    additionalProperties: false,
    oneOf: ACTIONS.map((a) => ({ required: [a] })),
  };

  const crdDefs: Record<string, Schema> = {};
  const specDefs = Object.fromEntries(SUPPORTED_KINDS.map((k) => [`${k}Spec`, shapeSchema(SPEC_SHAPES[k], crdDefs)]));
  return {
    duration: DURATION,
    bytes: BYTES,
    endpoint,
    rule: rule("network[<index>]"),
    ruleInTimeline: rule("timeline[<index>]"),
    fault: FAULT_SCHEMA,
    container: object(
      { pod: POD_REF, container: enumOf(CONTAINERS, "Container; may be left out for scheduler and controller pods.") },
      ["pod"],
    ),
    resource: resourceBase(SUPPORTED_KINDS),
    include: object({ file: str("Path of a (multi-document) YAML file of Seldon resources, relative to this scenario file.") }, ["file"], "Include every resource of a manifest file."),
    list: object({ apiVersion: { const: "v1" }, kind: { const: "List" }, metadata: {}, items: { type: "array", items: ref("resource") } }, ["kind", "items"], "A Kubernetes List, as `kubectl get -o yaml` writes it."),
    secret: object(
      {
        apiVersion: { const: "v1" },
        kind: { const: "Secret" },
        metadata: object({ name: str("Secret name."), namespace: { type: ["string", "null"], pattern: NAMESPACE_PATTERN } }, ["name"]),
        type: str("Secret type, e.g. Opaque."),
        immutable: bool("Accepted; a scenario never changes a Secret.", false),
        data: { type: "object", additionalProperties: { type: "string" }, description: "Base64-encoded values. A storage secret has exactly one key: an rclone config (name, type, parameters)." },
        stringData: { type: "object", additionalProperties: { type: "string" }, description: "Plain-text values, merged over data." },
      },
      ["apiVersion", "kind", "metadata"],
      "A Kubernetes Secret the agents read: a model's spec.secretName or a preloaded config secret (top-level resources only).",
    ),
    storageLocation: object(
      {
        type: str("The rclone backend type, as the remote's config names it: s3, gcs (also `google cloud storage`), azureblob, ..."),
        bucket: str("The bucket (or container)."),
        path: str("A path inside the bucket; everything under it exists. Default: the whole bucket."),
      },
      ["type", "bucket"],
    ),
    resourceEntry: { anyOf: [ref("include"), ref("list"), ref("secret"), ref("resource")] },
    ...specDefs,
    ...crdDefs,
    step,
    namespace: {
      anyOf: [
        { type: "string", pattern: NAMESPACE_PATTERN, description: "A namespace with a SeldonRuntime (its own scheduler)." },
        object({ name: { type: "string", pattern: NAMESPACE_PATTERN }, runtime: bool("Has a SeldonRuntime: a `seldon-scheduler-0` pod.", true) }, ["name"]),
      ],
    },
    server: object(
      {
        name: str("Server name; pods are `<name>-0`, `<name>-1`, ..."),
        namespace: str("Default: the only declared namespace."),
        replicas: int(`Pods. Default: the Server resource's spec.replicas, else ${DEFAULTS.replicas}.`),
        type: enumOf(SERVER_TYPES, "The ServerConfig it runs; sets the default capabilities. Default: the Server resource's serverConfig, else mlserver.", DEFAULTS.serverType),
        memory: ref("bytes", "The inference container's memory request → agent env MEMORY_REQUEST."),
        capabilities: {
          description: "→ agent env SELDON_SERVER_CAPABILITIES (replaces the ServerConfig's list).",
          anyOf: [{ type: "array", items: { type: "string" } }, { type: "string" }],
        },
        extraCapabilities: { description: "Added to the capabilities.", anyOf: [{ type: "array", items: { type: "string" } }, { type: "string" }] },
        overCommitPercentage: int("→ agent env SELDON_OVERCOMMIT_PERCENTAGE."),
        env: {
          type: ["object", "null"],
          description: "Agent environment by Seldon's names; wins over the shorthands above.",
          propertyNames: { enum: [...AGENT_ENV_NAMES] },
          additionalProperties: { type: ["string", "number", "boolean"] },
        },
        agentFlags: {
          type: ["object", "null"],
          description: "Agent command-line flags (without `--`); a flag wins over its env variable.",
          propertyNames: { enum: [...AGENT_FLAGS] },
          additionalProperties: { type: ["string", "number", "boolean"] },
        },
        podIp: { type: "string", pattern: "^(\\d{1,3}\\.){3}\\d{1,3}$", description: "IP of pod `<name>-0`. Default: assigned." },
        inference: object(inferenceFields, [], "How the inference server behaves."),
      },
      ["name"],
    ),
    modelExpectation: object(
      {
        model: MODEL_REF,
        ready: bool("The Model's Ready condition."),
        desiredReplicas: int("Replicas wanted."),
        availableReplicas: int("Replicas available."),
        state: enumOf([...MODEL_STATES, "none"], "The scheduler's state for the model's latest version; `none`: no scheduler has heard of the model."),
        reason: str("The state's reason text, exactly."),
        server: str("The server the model is scheduled on (name, in the model's namespace)."),
        replicaStates: {
          type: "object",
          description: "Server replica index → the model's replica state there.",
          propertyNames: { pattern: "^(0|[1-9]\\d*)$" },
          additionalProperties: enumOf(REPLICA_STATES, "Replica state."),
        },
        ...MOMENT_PROPS,
      },
      ["model"],
    ),
    serverExpectation: object(
      {
        server: SERVER_REF,
        connectedReplicas: int("Replicas the scheduler knows (connected agents)."),
        loadedModels: int("Models loaded on the server."),
        replicas: {
          type: "array",
          items: object(
            { idx: int("Replica index."), availableMemory: ref("bytes"), totalMemory: ref("bytes"), loadedModels: int("Models loaded on the replica.") },
            ["idx"],
          ),
        },
        status: object(
          {
            ready: bool("The Server resource's Ready condition."),
            replicas: int("`status.replicas`."),
            loadedModels: int("`status.loadedModels` (model replicas)."),
            reason: str("The Ready condition's reason."),
          },
          [],
          "The Server resource's status as the controller writes it (`kubectl get servers`).",
        ),
        ...MOMENT_PROPS,
      },
      ["server"],
    ),
    placement: object(
      {
        model: MODEL_REF,
        decisions: {
          type: "array",
          description: "Every placement decision of the model's scheduler for it, in order.",
          items: {
            oneOf: [
              object({ server: str("Server name in the model's namespace."), replicas: { type: "array", items: int("Replica index.") } }, ["server", "replicas"]),
              object({ failed: str("The reason scheduling failed, exactly.") }, ["failed"]),
            ],
          },
        },
      },
      ["model", "decisions"],
    ),
    logExpectation: {
      ...object(
        {
          component: enumOf(ROLES, "Which component logs it."),
          namespace: str("Only this namespace."),
          pod: str("Only this pod, e.g. `mlserver-0`."),
          contains: str("A line containing this text must appear."),
          absent: str("No line may contain this text."),
          level: enumOf(LOG_LEVELS, "The line's level."),
          count: int("With `contains`: exactly this many lines contain it."),
          after: { $ref: "#/$defs/duration", description: "Only lines logged at or after this run time." },
          before: { $ref: "#/$defs/duration", description: "Only lines logged before this run time." },
        },
        ["component"],
      ),
      oneOf: [{ required: ["contains"] }, { required: ["absent"] }],
    },
    trafficExpectation: object(
      {
        model: MODEL_REF,
        sent: int("Requests sent to the model (answered or not)."),
        ok: int("Requests answered OK."),
        failed: int("Requests answered with an error."),
        codes: {
          type: "object",
          description: "Answers per gRPC status name (`OK`, `NOT_FOUND`, `UNIMPLEMENTED` for no route, …).",
          propertyNames: { enum: STATUS_NAMES_LIST },
          additionalProperties: { type: "integer", minimum: 0 },
        },
      },
      ["model"],
      "Counts of a model's inference answers at the end of the run.",
    ),
    rejection: object(
      {
        model: MODEL_REF,
        server: str("Server name in the model's namespace."),
        replica: int("Replica index (replica filters only)."),
        filter: enumOf([...SERVER_FILTERS, ...REPLICA_FILTERS], "The scheduler filter that rejected it."),
      },
      ["model", "server", "filter"],
    ),
  };
}

export function scenarioJsonSchema(): Schema {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://github.com/seldon-sim/seldon-sim/schema/scenario.schema.json",
    title: "seldon-sim scenario",
    description: "A Seldon Core v2 cluster, the resources applied to it, its network, a timeline and expectations. See docs/scenarios.md.",
    type: "object",
    properties: {
      name: str("Scenario name. Default: the file name without extension."),
      description: { type: ["string", "null"], description: "What the scenario shows." },
      seed: { type: "integer", minimum: 0, default: DEFAULTS.seed, description: "Seed of every random choice; `--seed` overrides it." },
      epoch: {
        description: "Wall time of t=0 for log timestamps: RFC 3339 with a zone, or Unix milliseconds. Default 2025-01-01T00:00:00Z.",
        anyOf: [{ type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$" }, { type: "integer" }],
      },
      install: enumOf(INSTALL_KINDS, "How Seldon was installed; the server pods' defaults (agent log level, MEMORY_REQUEST, agent timing variables) follow it.", DEFAULT_INSTALL),
      scheduler: object(
        {
          ...Object.fromEntries(
            CHAIN_FIELDS.map((kind) => [kind, list({ type: "string", enum: [...PLUGIN_REGISTRY[kind].keys()] }, `The ${kind} in order (an empty list runs none). Default: Seldon's.`)]),
          ),
          readyTimeoutSeconds: int("The scheduler's --scheduler-ready-timeout-seconds: how long a (re)started scheduler holds scheduling for the servers of the first sync. Default: the install's (600)."),
          enableModelAutoscaling: bool("The schedulers' `--enable-model-autoscaling` (Helm `autoscaling.autoscalingModelEnabled`): LoadModel asks agents to collect scaling stats for models with minReplicas or maxReplicas.", false),
        },
        [],
        "Every scheduler's placement policy (plugin chains by name; default Seldon v2.9.0's), start-up ready timeout and model-autoscaling flag.",
      ),
      cluster: object(
        {
          controller: {
            description: `Namespace of the controller, false for none, or its namespace and watch scope. Default ${DEFAULTS.controllerNamespace}, clusterwide.`,
            anyOf: [
              { type: "string", pattern: NAMESPACE_PATTERN },
              { type: "boolean" },
              object(
                {
                  namespace: { type: "string", pattern: NAMESPACE_PATTERN, description: "The controller's namespace." },
                  clusterwide: bool("--clusterwide: watch every namespace. false: only watchNamespace.", true),
                  watchNamespace: { type: "string", pattern: NAMESPACE_PATTERN, description: "--namespace: the only namespace watched when not clusterwide. Default: the controller's own." },
                },
                [],
              ),
            ],
          },
          namespaces: list(ref("namespace"), `Namespaces. Default: those of SeldonRuntime resources, else ${DEFAULTS.namespace}.`),
          servers: list(ref("server"), "Server pods (agent + inference server per replica)."),
        },
        [],
        "The cluster's topology.",
      ),
      storage: list(ref("storageLocation"), "The buckets and paths that exist in the object stores the server pods' rclone reads. Default: none described, every storageUri downloads."),
      resources: list(ref("resourceEntry"), "Seldon resources applied at t=0, in order, and the Kubernetes Secrets the agents read."),
      network: list(ref("rule"), "Network rules in place from t=0; the first matching rule decides."),
      faults: list(ref("fault"), "Link toxics and message rules in place from t=0 (docs/faults.md)."),
      timeline: list(ref("step"), "Steps, run in order."),
      settle: ref("duration", `Run time after the last step before expectations are checked. Default ${DEFAULTS.settleMs / 1000}s.`),
      expect: {
        ...object(
          {
            tenantIsolation: bool("No model may ever be placed on a server of another namespace.", false),
            models: list(ref("modelExpectation"), "Model status at the end."),
            servers: list(ref("serverExpectation"), "Server status at the end (as the scheduler sees it)."),
            placements: list(ref("placement"), "Every placement decision of a model, in order."),
            logs: list(ref("logExpectation"), "Log lines that must (or must not) appear."),
            rejections: list(ref("rejection"), "Scheduler filters that must have rejected a server (or replica) for a model."),
            traffic: list(ref("trafficExpectation"), "How a model's inference requests were answered."),
            properties: list(
              { type: "string", enum: propertyNames() },
              "Properties watched during the run (see docs/properties.md); a violation fails the scenario.",
            ),
          },
          [],
          "What must be true at the end.",
        ),
        type: ["object", "null"],
      },
    },
    additionalProperties: false,
    $defs: defs(),
  };
}

/** JSON with two-space indentation, short arrays and objects kept on one line. */
export function formatSchema(schema: unknown): string {
  const fmt = (v: unknown, indent: string): string => {
    const flat = JSON.stringify(v);
    if (v === null || typeof v !== "object" || flat.length + indent.length <= 100) return flat;
    const inner = `${indent}  `;
    if (Array.isArray(v)) return `[\n${v.map((x) => inner + fmt(x, inner)).join(",\n")}\n${indent}]`;
    const entries = Object.entries(v as Record<string, unknown>);
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(",\n")}\n${indent}}`;
  };
  return `${fmt(schema, "")}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(formatSchema(scenarioJsonSchema()));
}
