/**
 * The shapes of the Seldon v2.9.0 custom resources a scenario may apply, from the JSON tags of
 * operator/apis/mlops/v1alpha1 (model_types.go, server_types.go, seldonruntime_types.go,
 * serverconfig_types.go, seldonconfig_types.go, podspec.go). The API server rejects (or, with
 * client-side validation off, silently prunes) a field these do not have; the loader reports it
 * with a suggestion instead, so a misspelt `requirement` never turns into a model without
 * requirements.
 *
 * Kubernetes' own types inside (containers, volumes, affinity, ...) are checked only down to the
 * field names this simulator reads; deeper structure is passed through as written.
 */
import type { Val } from "./parse-reader.ts";
import { parseQuantity } from "./parse-values.ts";

export type Shape =
  | { t: "string" }
  | { t: "int"; min?: number }
  | { t: "bool" }
  | { t: "quantity"; nonNegative?: boolean }
  | { t: "intOrString" }
  | { t: "any" }
  | { t: "list"; of: Shape }
  | { t: "map"; of: Shape }
  | { t: "object"; what: string; fields: Record<string, Shape>; required?: string[]; def?: string };

const str: Shape = { t: "string" };
const int32: Shape = { t: "int" };
const bool: Shape = { t: "bool" };
const any: Shape = { t: "any" };
const strings: Shape = { t: "list", of: str };
const stringMap: Shape = { t: "map", of: str };
const anyList: Shape = { t: "list", of: any };
const obj = (what: string, fields: Record<string, Shape>, required: string[] = [], def?: string): Shape => ({
  t: "object",
  what,
  fields,
  required,
  ...(def !== undefined ? { def } : {}),
});

export const API_VERSION = "mlops.seldon.io/v1alpha1";
export const SUPPORTED_KINDS = ["Model", "Server", "SeldonRuntime", "ServerConfig"] as const;
export type SupportedKind = (typeof SUPPORTED_KINDS)[number];
/** Other kinds of the same API group: named in the error so it says why they are refused. */
export const UNSUPPORTED_SELDON_KINDS = ["Pipeline", "Experiment", "SeldonConfig"];

/** metav1.ObjectMeta. */
export const OBJECT_META_FIELDS = [
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
];
export const OBJECT_META_SHAPES: Record<string, Shape> = {
  name: str, generateName: str, namespace: str, selfLink: str, uid: str, resourceVersion: str,
  generation: { t: "int", min: 1 }, creationTimestamp: any, deletionTimestamp: any, deletionGracePeriodSeconds: int32,
  labels: stringMap, annotations: stringMap, ownerReferences: anyList, finalizers: strings, managedFields: anyList,
};

const resourceRequirements = obj("container resources", {
  limits: { t: "map", of: { t: "quantity", nonNegative: true } },
  requests: { t: "map", of: { t: "quantity", nonNegative: true } },
  claims: anyList,
}, [], "ResourceRequirements");

/** core/v1 Container, field names only (plus `resources`, which the simulator reads). */
const container = obj("container", {
  name: str, image: str, command: strings, args: strings, workingDir: str, ports: anyList, envFrom: anyList, env: anyList,
  resources: resourceRequirements, resizePolicy: anyList, restartPolicy: str, volumeMounts: anyList, volumeDevices: anyList,
  livenessProbe: any, readinessProbe: any, startupProbe: any, lifecycle: any, terminationMessagePath: str,
  terminationMessagePolicy: str, imagePullPolicy: str, securityContext: any, stdin: bool, stdinOnce: bool, tty: bool,
}, [], "Container");

/** Seldon's own PodSpec (podspec.go): core/v1 PodSpec without a few newer fields. */
const SELDON_POD_SPEC_FIELDS: Record<string, Shape> = {
  volumes: anyList, initContainers: { t: "list", of: container }, containers: { t: "list", of: container }, restartPolicy: str,
  terminationGracePeriodSeconds: int32, activeDeadlineSeconds: int32, dnsPolicy: str, nodeSelector: stringMap,
  serviceAccountName: str, automountServiceAccountToken: bool, nodeName: str, hostNetwork: bool, hostPID: bool, hostIPC: bool,
  shareProcessNamespace: bool, securityContext: any, imagePullSecrets: anyList, hostname: str, subdomain: str, affinity: any,
  schedulerName: str, tolerations: anyList, hostAliases: anyList, priorityClassName: str, priority: int32, dnsConfig: any,
  readinessGates: anyList, runtimeClassName: str, enableServiceLinks: bool, preemptionPolicy: str, overhead: any,
  topologySpreadConstraints: anyList, setHostnameAsFQDN: bool,
};
const seldonPodSpec = obj("podSpec", SELDON_POD_SPEC_FIELDS, [], "SeldonPodSpec");
/** core/v1 PodSpec (ServerConfig uses the full Kubernetes type). */
const corePodSpec = obj("podSpec", {
  ...SELDON_POD_SPEC_FIELDS, ephemeralContainers: anyList, serviceAccount: str, os: any, hostUsers: bool,
  schedulingGates: anyList, resourceClaims: anyList, resources: any,
}, [], "PodSpec");

const scaling: Record<string, Shape> = { replicas: { t: "int", min: 0 }, minReplicas: { t: "int", min: 0 }, maxReplicas: { t: "int", min: 0 } };

export const MODEL_SPEC = obj(
  "Model spec",
  {
    modelType: str, storageUri: str, artifactVersion: { t: "int", min: 0 }, schemaUri: str, secretName: str,
    requirements: strings, memory: { t: "quantity", nonNegative: true }, ...scaling, server: str, preloaded: bool, dedicated: bool,
    logger: obj("Model spec.logger", { percent: { t: "int", min: 0 } }),
    explainer: obj("Model spec.explainer", { type: str, modelRef: str, pipelineRef: str }),
    parameters: { t: "list", of: obj("model parameter", { name: str, value: str }, ["name", "value"]) },
    llm: obj("Model spec.llm", { modelRef: str, pipelineRef: str }),
  },
  ["storageUri"],
);

export const SERVER_SPEC = obj(
  "Server spec",
  {
    serverConfig: str, extraCapabilities: strings, capabilities: strings,
    imageOverrides: obj("Server spec.imageOverrides", { agent: container, rclone: container }),
    podSpec: seldonPodSpec,
    statefulSetPersistentVolumeClaimRetentionPolicy: obj("statefulSetPersistentVolumeClaimRetentionPolicy", { whenDeleted: str, whenScaled: str }),
    ...scaling, disableAutoUpdate: bool,
  },
  ["serverConfig"],
);

const intOrStringMap: Shape = { t: "map", of: { t: "intOrString" } };
export const SELDON_RUNTIME_SPEC = obj(
  "SeldonRuntime spec",
  {
    seldonConfig: str,
    overrides: { t: "list", of: obj("SeldonRuntime override", { name: str, disable: bool, replicas: { t: "int", min: 0 }, serviceType: str, podSpec: seldonPodSpec }, ["name"]) },
    config: obj("SeldonRuntime spec.config", {
      tracingConfig: obj("tracingConfig", { disable: bool, otelExporterEndpoint: str, otelExporterProtocol: str, ratio: str }),
      kafkaConfig: obj("kafkaConfig", {
        "bootstrap.servers": str, consumerGroupIdPrefix: str, debug: str, consumer: intOrStringMap, producer: intOrStringMap,
        streams: intOrStringMap, topicPrefix: str,
      }),
      agentConfig: obj("agentConfig", { rclone: obj("agentConfig.rclone", { config_secrets: strings, config: strings }) }),
      serviceConfig: obj("serviceConfig", { grpcServicePrefix: str, serviceType: str }),
    }),
    disableAutoUpdate: bool,
  },
  ["seldonConfig"],
);

export const SERVER_CONFIG_SPEC = obj("ServerConfig spec", {
  podSpec: corePodSpec,
  volumeClaimTemplates: { t: "list", of: obj("volumeClaimTemplate", { name: str, spec: any }, ["name"]) },
});

export const SPEC_SHAPES: Record<SupportedKind, Shape> = {
  Model: MODEL_SPEC,
  Server: SERVER_SPEC,
  SeldonRuntime: SELDON_RUNTIME_SPEC,
  ServerConfig: SERVER_CONFIG_SPEC,
};

/** Checks a value against a shape, reporting every mismatch on the value's own position. */
export function checkShape(v: Val, shape: Shape): void {
  // An explicit null is what Kubernetes takes for "not set".
  if (v.kind === "null") return;
  switch (shape.t) {
    case "any":
      return;
    case "string":
      v.str();
      return;
    case "int":
      v.int(shape.min !== undefined ? { min: shape.min } : {});
      return;
    case "bool":
      v.bool();
      return;
    case "intOrString":
      if (v.kind !== "string" && v.kind !== "number") v.expected("a string or a number");
      return;
    case "quantity": {
      if (v.kind !== "string" && v.kind !== "number") {
        v.expected("a Kubernetes quantity such as `1Gi` or `500M`");
        return;
      }
      const q = parseQuantity(v.scalar);
      if (!q.ok) v.error(q.error);
      else if (shape.nonNegative && q.value.num < 0n) v.error(`expected a quantity ≥ 0, got \`${String(v.scalar)}\``);
      return;
    }
    case "list":
      for (const item of v.list()) checkShape(item, shape.of);
      return;
    case "map":
      for (const e of v.entries()) checkShape(e.value, shape.of);
      return;
    case "object": {
      const o = v.obj(Object.keys(shape.fields), shape.what);
      if (!o) return;
      for (const r of shape.required ?? []) o.req(r);
      for (const k of o.keys()) {
        const s = shape.fields[k];
        const child = o.get(k);
        if (s && child) checkShape(child, s);
      }
      return;
    }
  }
}
