/**
 * Every number the fake agent uses, with the place in Seldon Core v2.9.0 it comes from.
 * Durations are in milliseconds unless the name says otherwise.
 */
import { Status } from "../core/protocol.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

// -- scheduler/cmd/agent/cli/cli.go and flags.go: flag defaults -------------------------------

export const DEFAULT_AGENT_HOST = "0.0.0.0"; // --agent-host
export const DEFAULT_SERVER_NAME = "mlserver"; // --server-name
export const DEFAULT_SERVER_IDX = 0; // --server-idx
export const DEFAULT_SCHEDULER_HOST = "0.0.0.0"; // --scheduler-host
export const DEFAULT_SCHEDULER_PORT = 9005; // --scheduler-port
export const DEFAULT_SCHEDULER_TLS_PORT = 9055; // --scheduler-tls-port
export const DEFAULT_INFERENCE_HOST = "0.0.0.0"; // --inference-host (no env var in v2.9.0)
export const DEFAULT_INFERENCE_HTTP_PORT = 8080; // --inference-http-port
export const DEFAULT_INFERENCE_GRPC_PORT = 9500; // --inference-grpc-port
/** pkg/util/constants.go DefaultReverseProxyHTTPPort. */
export const DEFAULT_REVERSE_PROXY_HTTP_PORT = 9999;
/** pkg/agent/rproxy_grpc.go ReverseGRPCProxyPort. */
export const DEFAULT_REVERSE_PROXY_GRPC_PORT = 9998;
/** pkg/agent/agent_debug.go GRPCDebugServicePort. */
export const DEFAULT_DEBUG_GRPC_PORT = 7777;
export const DEFAULT_METRICS_PORT = 9006;
export const DEFAULT_DRAINER_PORT = 9007;
export const DEFAULT_RCLONE_HOST = "0.0.0.0"; // --rclone-host (no env var in v2.9.0)
export const DEFAULT_RCLONE_PORT = 5572; // --rclone-port
export const DEFAULT_AGENT_FOLDER = "/mnt/agent"; // --agent-folder
export const DEFAULT_SERVER_TYPE = "mlserver"; // --server-type (first of mlserver, triton)
export const DEFAULT_MEMORY_BYTES = 1_000_000; // --memory-bytes
/** --capabilities: the agent's own default. The MLServer/Triton lists come from the ServerConfigs. */
export const DEFAULT_CAPABILITIES = "sklearn,xgboost";
export const DEFAULT_OVERCOMMIT_PERCENTAGE = 0; // --over-commit-percentage
export const DEFAULT_LOG_LEVEL = "debug"; // --log-level

export const DEFAULT_MAX_ELAPSED_TIME_READY_SUB_SERVICE_AFTER_START_SECONDS = 30;
export const DEFAULT_MAX_ELAPSED_TIME_READY_SUB_SERVICE_BEFORE_START_MINUTES = 15;
/** Parsed by v2.9.0 but never used: main.go passes the after-start budget as the period. */
export const DEFAULT_PERIOD_READY_SUB_SERVICE_SECONDS = 60;
export const DEFAULT_MAX_LOAD_ELAPSED_TIME_MINUTES = 120;
export const DEFAULT_MAX_UNLOAD_ELAPSED_TIME_MINUTES = 15;
export const DEFAULT_MAX_LOAD_RETRY_COUNT = 5;
export const DEFAULT_MAX_UNLOAD_RETRY_COUNT = 1;
export const DEFAULT_UNLOAD_GRACE_SECONDS = 2;

// -- pkg/util/constants.go and grpc.go --------------------------------------------------------

/** grpc_retry interceptor on the inference-server connection: scalar of BackoffExponential. */
export const GRPC_RETRY_BACKOFF_MS = 100;
/** grpc_retry WithMax on the inference-server connection: attempts per call, first included. */
export const GRPC_RETRY_MAX_COUNT = 5;
/** Context timeout of one RepositoryModelLoad (all interceptor attempts together). */
export const GRPC_MODEL_SERVER_LOAD_TIMEOUT_MS = 60 * MINUTE;
/** Context timeout of one RepositoryModelUnload. */
export const GRPC_MODEL_SERVER_UNLOAD_TIMEOUT_MS = 2 * MINUTE;
/** Context timeout of ServerLive and RepositoryIndex. */
export const GRPC_CONTROL_PLANE_TIMEOUT_MS = 1 * MINUTE;
/** GetClientExponentialBackoff (re-subscribing to the scheduler). */
export const CLIENT_BACKOFF_INITIAL_INTERVAL_MS = 1 * SECOND;
export const CLIENT_BACKOFF_MAX_INTERVAL_MS = 15 * SECOND;
/** 0 means never give up. */
export const CLIENT_BACKOFF_MAX_ELAPSED_MS = 0;

// -- github.com/cenkalti/backoff/v4 v4.3.0 NewExponentialBackOff defaults ---------------------

export const BACKOFF_DEFAULT_INITIAL_INTERVAL_MS = 500;
export const BACKOFF_DEFAULT_RANDOMIZATION_FACTOR = 0.5;
export const BACKOFF_DEFAULT_MULTIPLIER = 1.5;
export const BACKOFF_DEFAULT_MAX_INTERVAL_MS = 60 * SECOND;
export const BACKOFF_DEFAULT_MAX_ELAPSED_MS = 15 * MINUTE;

// -- github.com/grpc-ecosystem/go-grpc-middleware v1.4.0 retry --------------------------------

/** DefaultRetriableCodes. */
export const GRPC_RETRIABLE_CODES: readonly number[] = [Status.RESOURCE_EXHAUSTED, Status.UNAVAILABLE];

// -- pkg/util/model.go --------------------------------------------------------------------------

/** GetPinnedModelVersion: the version the agent asks the inference server for. */
export const PINNED_MODEL_VERSION = 1;
/** GetVersionedModelName separator: `<model>_<version>`. */
export const VERSIONED_MODEL_SEPARATOR = "_";

// -- pkg/agent/repository --------------------------------------------------------------------

/** MLServer handler: parallel workers read from the agent's own env (default 1). */
export const ENV_MLSERVER_PARALLEL_WORKERS = "MLSERVER_PARALLEL_WORKERS";

// -- Simulator-only -------------------------------------------------------------------------

/**
 * grpc-go returns from `Subscribe()` once the HTTP/2 stream exists, before the scheduler sends
 * anything; the sans-IO vocabulary has no "stream open" input. The fake agent counts a Subscribe
 * as open when it receives its first message or when it has not failed to connect this many ms
 * after it was started, whichever is first.
 */
export const SUBSCRIBE_OPEN_AFTER_MS = 1;

/** The error grpc-go returns for calls on a connection the client has closed. */
export const GRPC_CLIENT_CONN_CLOSING = { code: Status.CANCELLED, details: "grpc: the client connection is closing" } as const;
