/**
 * The agent environment Seldon's shipped ServerConfigs give every server pod (`mlserver`,
 * `triton`). A scenario's own settings are laid over these, as a Server's overrides are over its
 * ServerConfig. MEMORY_REQUEST comes from the inference container's memory request.
 */
import type { ServerType } from "../scenario/types.ts";

const COMMON: Record<string, string> = {
  SELDON_OVERCOMMIT_PERCENTAGE: "10",
  SELDON_SERVER_HTTP_PORT: "9000",
  SELDON_SERVER_GRPC_PORT: "9500",
  SELDON_REVERSE_PROXY_HTTP_PORT: "9001",
  SELDON_REVERSE_PROXY_GRPC_PORT: "9501",
  SELDON_SCHEDULER_HOST: "seldon-scheduler",
  SELDON_SCHEDULER_PORT: "9005",
  SELDON_SCHEDULER_TLS_PORT: "9055",
  SELDON_METRICS_PORT: "9006",
  SELDON_DRAINER_PORT: "9007",
  SELDON_ENVOY_HOST: "seldon-mesh",
  SELDON_ENVOY_PORT: "80",
  SELDON_LOG_LEVEL: "warn",
};

export const SERVER_CONFIG_ENV: Record<ServerType, Record<string, string>> = {
  mlserver: {
    ...COMMON,
    SELDON_SERVER_TYPE: "mlserver",
    SELDON_SERVER_CAPABILITIES: "mlserver,alibi-detect,alibi-explain,huggingface,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost",
    MEMORY_REQUEST: "500000000",
  },
  triton: {
    ...COMMON,
    SELDON_SERVER_TYPE: "triton",
    SELDON_SERVER_CAPABILITIES: "triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt",
    MEMORY_REQUEST: "500000000",
  },
};

/** The agent's environment for a pod of this server: ServerConfig defaults, then the user's. */
export function agentEnv(type: ServerType, userEnv: Record<string, string>, podName: string, namespace: string): Record<string, string> {
  return { ...SERVER_CONFIG_ENV[type], POD_NAME: podName, POD_NAMESPACE: namespace, ...userEnv };
}
