/**
 * How Seldon Core v2.9.0 was installed decides the defaults every server pod gets: the agent
 * container's environment in the shipped ServerConfigs and the inference container's memory
 * request (the agent's MEMORY_REQUEST, through the downward API). The Helm chart
 * (`seldon-core-v2-setup`, default values) and the operator's kustomize manifests
 * (`operator/config/serverconfigs`) differ in the agent's log level, the inference container's
 * request and the agent timing variables Helm sets explicitly; both give the scheduler
 * `--scheduler-ready-timeout-seconds=600` (the binary's own default is 300).
 */
/** The inference servers Seldon ships ServerConfigs for. */
export type ServerType = "mlserver" | "triton";

export const INSTALL_KINDS = ["helm", "kustomize"] as const;
export type InstallKind = (typeof INSTALL_KINDS)[number];

/** The install a scenario gets when it names none. */
export const DEFAULT_INSTALL: InstallKind = "helm";

export interface InstallProfile {
  readonly kind: InstallKind;
  /** The inference container's memory request, in bytes, per server type. */
  readonly inferenceMemoryRequestBytes: Readonly<Record<ServerType, number>>;
  /** The scheduler's `--scheduler-ready-timeout-seconds`, as the install's SeldonConfig sets it. */
  readonly schedulerReadyTimeoutSeconds: number;
  /** The agent container's literal environment (without the downward-API variables). */
  agentEnv(type: ServerType): Record<string, string>;
}

const CAPABILITIES: Record<ServerType, string> = {
  mlserver: "mlserver,alibi-detect,alibi-explain,huggingface,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost",
  triton: "triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt",
};

/** What both installs' ServerConfigs give the agent. */
function commonAgentEnv(type: ServerType): Record<string, string> {
  return {
    SELDON_SERVER_CAPABILITIES: CAPABILITIES[type],
    SELDON_OVERCOMMIT_PERCENTAGE: "10",
    SELDON_MODEL_INFERENCE_LAG_THRESHOLD: "30",
    SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD: "600",
    SELDON_SCALING_STATS_PERIOD_SECONDS: "20",
    SELDON_SERVER_HTTP_PORT: "9000",
    SELDON_SERVER_GRPC_PORT: "9500",
    SELDON_REVERSE_PROXY_HTTP_PORT: "9001",
    SELDON_REVERSE_PROXY_GRPC_PORT: "9501",
    SELDON_SCHEDULER_HOST: "seldon-scheduler",
    SELDON_SCHEDULER_PORT: "9005",
    SELDON_METRICS_PORT: "9006",
    SELDON_DRAINER_PORT: "9007",
    SELDON_SERVER_TYPE: type,
    // Only the MLServer ServerConfig names the TLS port and envoy.
    ...(type === "mlserver" ? { SELDON_SCHEDULER_TLS_PORT: "9055", SELDON_ENVOY_HOST: "seldon-mesh", SELDON_ENVOY_PORT: "80" } : {}),
  };
}

const GI = 1024 ** 3;

export const INSTALLS: Readonly<Record<InstallKind, InstallProfile>> = {
  helm: {
    kind: "helm",
    // serverConfig.mlserver.resources.memory / serverConfig.triton.resources.memory
    inferenceMemoryRequestBytes: { mlserver: GI, triton: GI },
    schedulerReadyTimeoutSeconds: 600,
    agentEnv: (type) => ({
      ...commonAgentEnv(type),
      // serverConfig.agent.* values, which the chart writes out even where they equal the binary's
      SELDON_MAX_TIME_READY_SUB_SERVICE_AFTER_START_SECONDS: "30",
      SELDON_MAX_ELAPSED_TIME_READY_SUB_SERVICE_BEFORE_START_MINUTES: "15",
      SELDON_PERIOD_READY_SUB_SERVICE_SECONDS: "60",
      SELDON_MAX_LOAD_ELAPSED_TIME_MINUTES: "120",
      SELDON_MAX_UNLOAD_ELAPSED_TIME_MINUTES: "15",
      SELDON_MAX_LOAD_RETRY_COUNT: "5",
      SELDON_MAX_UNLOAD_RETRY_COUNT: "1",
      SELDON_UNLOAD_GRACE_PERIOD_SECONDS: "2",
      // serverConfig.agent.logLevel is unset: the global logging.logLevel
      SELDON_LOG_LEVEL: "info",
    }),
  },
  kustomize: {
    kind: "kustomize",
    inferenceMemoryRequestBytes: { mlserver: 500_000_000, triton: 500_000_000 },
    schedulerReadyTimeoutSeconds: 600,
    agentEnv: (type) => ({ ...commonAgentEnv(type), SELDON_LOG_LEVEL: "warn" }),
  },
};
