/**
 * The agent's configuration, read from its environment and flags the way the v2.9.0 agent's
 * `cli` package does: a flag that was passed always wins; otherwise a non-empty env var replaces
 * the flag default; a value that does not parse stops the real agent with `log.Fatalf`, which
 * here is a `UserError` naming the variable and what was expected.
 */
import type { PbReplicaConfig } from "../proto/messages.ts";
import { UserError } from "../core/errors.ts";
import type { Fields, LogLevel } from "../core/protocol.ts";
import * as C from "./constants.ts";
import { goStringSlice } from "../core/gofmt.ts";
import { atoi, goTrimSpace, parseInt64, parseUint64, toUint32, toUint64, toUint8 } from "../core/goparse.ts";

// Environment variable names (scheduler/cmd/agent/cli/cli.go), spelled once.
export const ENV = {
  serverHttpPort: "SELDON_SERVER_HTTP_PORT",
  serverGrpcPort: "SELDON_SERVER_GRPC_PORT",
  reverseProxyHttpPort: "SELDON_REVERSE_PROXY_HTTP_PORT",
  reverseProxyGrpcPort: "SELDON_REVERSE_PROXY_GRPC_PORT",
  debugGrpcPort: "SELDON_DEBUG_GRPC_PORT",
  metricsPort: "SELDON_METRICS_PORT",
  podName: "POD_NAME",
  schedulerHost: "SELDON_SCHEDULER_HOST",
  schedulerPort: "SELDON_SCHEDULER_PORT",
  schedulerTlsPort: "SELDON_SCHEDULER_TLS_PORT",
  replicaConfig: "SELDON_REPLICA_CONFIG",
  logLevel: "SELDON_LOG_LEVEL",
  serverType: "SELDON_SERVER_TYPE",
  memoryRequest: "MEMORY_REQUEST",
  capabilities: "SELDON_SERVER_CAPABILITIES",
  overCommitPercentage: "SELDON_OVERCOMMIT_PERCENTAGE",
  envoyHost: "SELDON_ENVOY_HOST",
  envoyPort: "SELDON_ENVOY_PORT",
  drainerPort: "SELDON_DRAINER_PORT",
  modelInferenceLagThreshold: "SELDON_MODEL_INFERENCE_LAG_THRESHOLD",
  modelInactiveSecondsThreshold: "SELDON_MODEL_INACTIVE_SECONDS_THRESHOLD",
  scalingStatsPeriodSeconds: "SELDON_SCALING_STATS_PERIOD_SECONDS",
  maxElapsedTimeReadySubServiceAfterStartSeconds: "SELDON_MAX_TIME_READY_SUB_SERVICE_AFTER_START_SECONDS",
  maxElapsedTimeReadySubServiceBeforeStartMinutes: "SELDON_MAX_ELAPSED_TIME_READY_SUB_SERVICE_BEFORE_START_MINUTES",
  periodReadySubServiceSeconds: "SELDON_PERIOD_READY_SUB_SERVICE_SECONDS",
  maxLoadElapsedTimeMinutes: "SELDON_MAX_LOAD_ELAPSED_TIME_MINUTES",
  maxUnloadElapsedTimeMinutes: "SELDON_MAX_UNLOAD_ELAPSED_TIME_MINUTES",
  maxLoadRetryCount: "SELDON_MAX_LOAD_RETRY_COUNT",
  maxUnloadRetryCount: "SELDON_MAX_UNLOAD_RETRY_COUNT",
  unloadGracePeriodSeconds: "SELDON_UNLOAD_GRACE_PERIOD_SECONDS",
  mlserverParallelWorkers: C.ENV_MLSERVER_PARALLEL_WORKERS,
} as const;

/**
 * Command-line flags. A key that is present counts as "passed" (Go's `flag.Visit`), and then the
 * corresponding env var is not consulted. Names follow the Go flags in camelCase.
 */
export interface AgentFlags {
  agentHost: string;
  serverName: string;
  serverIdx: number;
  schedulerHost: string;
  schedulerPort: number;
  schedulerTlsPort: number;
  rcloneHost: string;
  rclonePort: number;
  inferenceHost: string;
  inferenceHttpPort: number;
  inferenceGrpcPort: number;
  reverseProxyHttpPort: number;
  reverseProxyGrpcPort: number;
  debugGrpcPort: number;
  metricsPort: number;
  agentFolder: string;
  replicaConfig: string;
  logLevel: string;
  serverType: string;
  memoryBytes: number;
  /** Comma-separated, as on the command line. */
  capabilities: string;
  overCommitPercentage: number;
  envoyHost: string;
  envoyPort: number;
  drainerPort: number;
  modelInferenceLagThreshold: number;
  modelInactiveSecondsThreshold: number;
  scalingStatsPeriodSeconds: number;
  maxElapsedTimeReadySubServiceAfterStartSeconds: number;
  maxElapsedTimeReadySubServiceBeforeStartMinutes: number;
  periodReadySubServiceSeconds: number;
  maxLoadElapsedTimeMinutes: number;
  maxUnloadElapsedTimeMinutes: number;
  maxLoadRetryCount: number;
  maxUnloadRetryCount: number;
  unloadGracePeriodSeconds: number;
}

/** The `ReplicaConfig` message (agent.proto) as the agent builds it: memory as a number, as the
 * agent's own accounting keeps it. */
export type ReplicaConfigMessage = Omit<PbReplicaConfig, "memoryBytes"> & { memoryBytes: number };

export interface ConfigLogLine {
  level: LogLevel;
  msg: string;
  /** Absent when the line has none (never an empty object: the agent's log writes what it is given). */
  fields?: Fields;
}

export interface AgentTiming {
  /**
   * Period of the readiness re-check after start-up. v2.9.0's main.go passes the after-start
   * budget (30 s) here; `periodReadySubServiceSeconds` is parsed but never used.
   */
  readyCheckPeriodMs: number;
  periodReadySubServiceSeconds: number;
  maxElapsedReadyBeforeStartMs: number;
  maxElapsedReadyAfterStartMs: number;
  maxLoadElapsedMs: number;
  maxUnloadElapsedMs: number;
  /** As the client receives it: `uint8(...)`. */
  maxLoadRetryCount: number;
  maxUnloadRetryCount: number;
  unloadGraceMs: number;
}

export type RepositoryHandler = "mlserver" | "triton";

export interface AgentConfig {
  podName: string;
  serverName: string;
  replicaIdx: number;
  /** `SELDON_SERVER_TYPE` as given; any string is accepted. */
  serverType: string;
  /** Which repository handler the real agent creates for that server type. */
  repositoryHandler: RepositoryHandler;
  /** The level the agent's logger was set to (`SELDON_LOG_LEVEL`), as a LogLevel threshold. */
  logLevel: LogLevel;
  logLevelName: string;
  agentHost: string;
  /** What goes into `ReplicaConfig.inferenceSvc`: the pod name, else the agent host. */
  inferenceSvcName: string;
  inferenceHost: string;
  inferenceHttpPort: number;
  inferenceGrpcPort: number;
  reverseProxyHttpPort: number;
  reverseProxyGrpcPort: number;
  debugGrpcPort: number;
  metricsPort: number;
  drainerPort: number;
  envoyHost: string;
  envoyPort: number;
  schedulerHost: string;
  schedulerPort: number;
  schedulerTlsPort: number;
  /** `--rclone-host`, `--rclone-port`: the agent's rclone (flags only in v2.9.0). */
  rcloneHost: string;
  rclonePort: number;
  memoryBytes: number;
  capabilities: string[];
  overCommitPercentage: number;
  /** `SELDON_REPLICA_CONFIG` parsed, when set: it replaces the env-built replica config. */
  replicaConfigOverride?: ReplicaConfigMessage;
  /** `MLSERVER_PARALLEL_WORKERS` as the MLServer repository handler reads it (default 1). */
  mlserverParallelWorkers: number;
  modelInferenceLagThreshold: number;
  modelInactiveSecondsThreshold: number;
  scalingStatsPeriodSeconds: number;
  agentFolder: string;
  timing: AgentTiming;
  /** What the real agent logs while reading its configuration (package-level logger, info). */
  configLog: ConfigLogLine[];
}

function fail(env: string, value: string, expected: string, goFatal: string): never {
  throw new UserError(`${env}=${JSON.stringify(value)}: expected ${expected} (the real agent exits with "${goFatal}")`, {
    path: env,
  });
}

/** logrus.ParseLevel, mapped onto our LogLevel thresholds. */
function parseLogLevel(name: string): LogLevel | undefined {
  switch (name.toLowerCase()) {
    case "panic":
    case "fatal":
      return "fatal";
    case "error":
      return "error";
    case "warn":
    case "warning":
      return "warning";
    case "info":
      return "info";
    case "debug":
    case "trace":
      return "debug";
    default:
      return undefined;
  }
}

function int32(n: number): number {
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(n))));
}

const REPLICA_CONFIG_KEYS = new Set([
  "inferenceSvc", "inference_svc", "inferenceHttpPort", "inference_http_port", "inferenceGrpcPort", "inference_grpc_port",
  "memoryBytes", "memory_bytes", "capabilities", "overCommitPercentage", "over_commit_percentage",
]);

/** protojson.Unmarshal into ReplicaConfig, for the types this message uses. */
function parseReplicaConfigJson(json: string): ReplicaConfigMessage | string {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "not a JSON object";
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!REPLICA_CONFIG_KEYS.has(k)) return `unknown field "${k}"`;
  const get = (camel: string, snake: string): unknown => obj[camel] ?? obj[snake] ?? undefined;
  const integer = (camel: string, snake: string, parse: (s: string) => number | undefined): number | string => {
    const v = get(camel, snake);
    if (v === undefined || v === null) return 0;
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string") {
      const n = parse(v);
      if (n !== undefined) return n;
    }
    return `invalid value for ${camel}: ${JSON.stringify(v)}`;
  };
  const svc = get("inferenceSvc", "inference_svc");
  if (svc !== undefined && svc !== null && typeof svc !== "string") return "inferenceSvc must be a string";
  const caps = get("capabilities", "capabilities");
  if (caps !== undefined && caps !== null && !(Array.isArray(caps) && caps.every((c) => typeof c === "string"))) {
    return "capabilities must be a list of strings";
  }
  const http = integer("inferenceHttpPort", "inference_http_port", parseInt64);
  const grpc = integer("inferenceGrpcPort", "inference_grpc_port", parseInt64);
  const mem = integer("memoryBytes", "memory_bytes", parseUint64);
  const oc = integer("overCommitPercentage", "over_commit_percentage", parseUint64);
  for (const v of [http, grpc, mem, oc]) if (typeof v === "string") return v;
  return {
    inferenceSvc: (svc as string | undefined | null) ?? "",
    inferenceHttpPort: http as number,
    inferenceGrpcPort: grpc as number,
    memoryBytes: mem as number,
    capabilities: [...((caps as string[] | undefined | null) ?? [])],
    overCommitPercentage: oc as number,
  };
}

/**
 * Builds the agent's configuration from its environment, its pod name (`POD_NAME`) and the flags
 * passed on its command line, in the order and with the rules of the real `cli.UpdateArgs`.
 */
export function agentConfigFromEnv(
  env: Record<string, string | undefined>,
  podName: string,
  flags: Partial<AgentFlags> = {},
): AgentConfig {
  const log: ConfigLogLine[] = [];
  const info = (msg: string) => log.push({ level: "info", msg });
  const warn = (msg: string) => log.push({ level: "warning", msg });
  const passed = (k: keyof AgentFlags) => flags[k] !== undefined;
  /** Go's getEnvString: an empty value counts as unset. */
  const envStr = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const flagNumber = (k: keyof AgentFlags, def: number): number => {
    const v = flags[k];
    if (v === undefined) return def;
    if (typeof v !== "number" || !Number.isInteger(v)) throw new UserError(`flag --${k}: expected an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const flagString = (k: keyof AgentFlags, def: string): string => {
    const v = flags[k];
    if (v === undefined) return def;
    if (typeof v !== "string") throw new UserError(`flag --${k}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  };

  // parseFlags(): flag values (or defaults), then the capability list is split and logged.
  const splitCaps = (s: string) => s.split(",").map(goTrimSpace);
  let capabilities = splitCaps(flagString("capabilities", C.DEFAULT_CAPABILITIES));
  info(`Server Capabilities ${goStringSlice(capabilities)}`);
  let memoryBytes = toUint64(flagNumber("memoryBytes", C.DEFAULT_MEMORY_BYTES));
  let overCommitPercentage = flagNumber("overCommitPercentage", C.DEFAULT_OVERCOMMIT_PERCENTAGE);

  // updateFlagsFromEnv(), in the real order.
  if (!passed("overCommitPercentage")) {
    const v = envStr(ENV.overCommitPercentage);
    if (v !== undefined) {
      const n = parseUint64(v);
      if (n === undefined) fail(ENV.overCommitPercentage, v, "a non-negative whole percentage", `Failed to parse ${ENV.overCommitPercentage} for overcommit percentage`);
      info(`Setting overcommit percentage from env ${ENV.overCommitPercentage} with value ${toUint32(n)}`);
      overCommitPercentage = n;
    }
  }
  if (!passed("capabilities")) {
    const v = envStr(ENV.capabilities);
    if (v !== undefined) {
      capabilities = splitCaps(v);
      info(`Setting capabilities from env ${ENV.capabilities} with value ${goStringSlice(capabilities)}`);
    }
  }
  if (!passed("memoryBytes")) {
    const v = envStr(ENV.memoryRequest);
    if (v !== undefined) {
      const n = parseUint64(v);
      if (n === undefined) fail(ENV.memoryRequest, v, "a whole number of bytes (unsigned decimal integer, no unit suffix)", `Failed to parse ${ENV.memoryRequest} with value 0`);
      info(`Setting memory request from env ${ENV.memoryRequest} with value ${n}`);
      memoryBytes = n;
    }
  }
  const port = (flag: keyof AgentFlags, flagName: string, envName: string, def: number): number => {
    let value = flagNumber(flag, def);
    if (passed(flag)) return value;
    const v = envStr(envName);
    if (v === undefined) return value;
    const n = parseInt64(v);
    if (n === undefined) fail(envName, v, "a decimal integer port", `Failed to parse ${envName} with value 0`);
    info(`Setting ${flagName} from ${envName} to ${n}`);
    value = n;
    return value;
  };
  const inferenceHttpPort = port("inferenceHttpPort", "inference-http-port", ENV.serverHttpPort, C.DEFAULT_INFERENCE_HTTP_PORT);
  const inferenceGrpcPort = port("inferenceGrpcPort", "inference-grpc-port", ENV.serverGrpcPort, C.DEFAULT_INFERENCE_GRPC_PORT);
  const reverseProxyHttpPort = port("reverseProxyHttpPort", "reverse-proxy-http-port", ENV.reverseProxyHttpPort, C.DEFAULT_REVERSE_PROXY_HTTP_PORT);
  const reverseProxyGrpcPort = port("reverseProxyGrpcPort", "reverse-proxy-grpc-port", ENV.reverseProxyGrpcPort, C.DEFAULT_REVERSE_PROXY_GRPC_PORT);
  const debugGrpcPort = port("debugGrpcPort", "debug-grpc-port", ENV.debugGrpcPort, C.DEFAULT_DEBUG_GRPC_PORT);

  let schedulerHost = flagString("schedulerHost", C.DEFAULT_SCHEDULER_HOST);
  if (!passed("schedulerHost")) {
    const v = envStr(ENV.schedulerHost);
    if (v !== undefined) {
      info(`Setting scheduler-host from ${ENV.schedulerHost} to ${v}`);
      schedulerHost = v;
    }
  }
  const schedulerPort = port("schedulerPort", "scheduler-port", ENV.schedulerPort, C.DEFAULT_SCHEDULER_PORT);
  const schedulerTlsPort = port("schedulerTlsPort", "scheduler-tls-port", ENV.schedulerTlsPort, C.DEFAULT_SCHEDULER_TLS_PORT);
  const metricsPort = port("metricsPort", "metrics-port", ENV.metricsPort, C.DEFAULT_METRICS_PORT);

  // Server name and replica index: both flags passed, else from the pod name.
  let serverName = flagString("serverName", C.DEFAULT_SERVER_NAME);
  let replicaIdx = flagNumber("serverIdx", C.DEFAULT_SERVER_IDX);
  if (passed("serverName") && passed("serverIdx")) {
    warn(`Using passed in values for server name and server index. Server name ${serverName} server index ${replicaIdx}`);
  } else {
    info("Trying to set server name and replica index from pod name");
    if (podName !== "") {
      const dash = podName.lastIndexOf("-");
      if (dash === -1) {
        info(`Can't decypher pod name to find last dash and index. ${podName}`);
      } else {
        const suffix = podName.slice(dash + 1);
        const idx = atoi(suffix);
        if (idx === undefined) {
          fail(ENV.podName, podName, `a pod name ending in -<replica index> (got "${suffix}" after the last dash)`, `Failed to parse to integer ${ENV.podName} with value ${suffix}`);
        }
        replicaIdx = idx;
        serverName = podName.slice(0, dash);
        info(`Got server name and index from ${ENV.podName} with value ${podName}. Server name:${serverName} Replica Idx:${replicaIdx}`);
      }
    }
  }

  let replicaConfigStr = flagString("replicaConfig", "");
  if (!passed("replicaConfig")) {
    const v = envStr(ENV.replicaConfig);
    if (v === undefined) warn("No value set for replica-config");
    else {
      info(`Setting replica-config from ${ENV.replicaConfig} to ${v}`);
      replicaConfigStr = v;
    }
  }

  let logLevelName = flagString("logLevel", C.DEFAULT_LOG_LEVEL);
  if (!passed("logLevel")) {
    const v = envStr(ENV.logLevel);
    if (v !== undefined) {
      info(`Setting log-level from ${ENV.logLevel} to ${v}`);
      logLevelName = v;
    }
  }

  let serverType = flagString("serverType", C.DEFAULT_SERVER_TYPE);
  if (!passed("serverType")) {
    const v = envStr(ENV.serverType);
    if (v === undefined) warn("No value set for server-type");
    else {
      info(`Setting server-type from ${ENV.serverType} to ${v}`);
      serverType = v;
    }
  }

  let envoyHost = flagString("envoyHost", "0.0.0.0");
  if (!passed("envoyHost")) {
    const v = envStr(ENV.envoyHost);
    if (v !== undefined) {
      info(`Setting envoy-host from ${ENV.envoyHost} to ${v}`);
      envoyHost = v;
    }
  }
  const envoyPort = port("envoyPort", "envoy-port", ENV.envoyPort, 9000);
  const drainerPort = port("drainerPort", "drainer-port", ENV.drainerPort, C.DEFAULT_DRAINER_PORT);

  const fromIntEnv = (flag: keyof AgentFlags, envName: string, tag: string, def: number): number => {
    const value = flagNumber(flag, def);
    if (passed(flag)) return value;
    const v = envStr(envName);
    if (v === undefined) return value;
    const n = parseUint64(v);
    if (n === undefined) fail(envName, v, "a non-negative decimal integer", `Failed to parse ${envName} for ${tag}`);
    info(`Setting ${tag} from env ${envName} with value ${n}`);
    return n;
  };
  const modelInferenceLagThreshold = fromIntEnv("modelInferenceLagThreshold", ENV.modelInferenceLagThreshold, "inference lag threshold", 30);
  const modelInactiveSecondsThreshold = fromIntEnv("modelInactiveSecondsThreshold", ENV.modelInactiveSecondsThreshold, "inactive model seconds threshold", 30);
  const scalingStatsPeriodSeconds = fromIntEnv("scalingStatsPeriodSeconds", ENV.scalingStatsPeriodSeconds, "scaling stats period seconds", 5);
  const afterStartSeconds = fromIntEnv(
    "maxElapsedTimeReadySubServiceAfterStartSeconds", ENV.maxElapsedTimeReadySubServiceAfterStartSeconds,
    "sub service after start seconds", C.DEFAULT_MAX_ELAPSED_TIME_READY_SUB_SERVICE_AFTER_START_SECONDS,
  );
  const beforeStartMinutes = fromIntEnv(
    "maxElapsedTimeReadySubServiceBeforeStartMinutes", ENV.maxElapsedTimeReadySubServiceBeforeStartMinutes,
    "sub service before start minutes", C.DEFAULT_MAX_ELAPSED_TIME_READY_SUB_SERVICE_BEFORE_START_MINUTES,
  );
  const periodSeconds = fromIntEnv(
    "periodReadySubServiceSeconds", ENV.periodReadySubServiceSeconds, "period ready sub service seconds", C.DEFAULT_PERIOD_READY_SUB_SERVICE_SECONDS,
  );
  const maxLoadMinutes = fromIntEnv("maxLoadElapsedTimeMinutes", ENV.maxLoadElapsedTimeMinutes, "max load elapsed time minutes", C.DEFAULT_MAX_LOAD_ELAPSED_TIME_MINUTES);
  const maxUnloadMinutes = fromIntEnv(
    "maxUnloadElapsedTimeMinutes", ENV.maxUnloadElapsedTimeMinutes, "max unload elapsed time minutes", C.DEFAULT_MAX_UNLOAD_ELAPSED_TIME_MINUTES,
  );
  const maxLoadRetry = fromIntEnv("maxLoadRetryCount", ENV.maxLoadRetryCount, "max load retry count", C.DEFAULT_MAX_LOAD_RETRY_COUNT);
  const maxUnloadRetry = fromIntEnv("maxUnloadRetryCount", ENV.maxUnloadRetryCount, "max unload retry count", C.DEFAULT_MAX_UNLOAD_RETRY_COUNT);
  const unloadGraceSeconds = fromIntEnv("unloadGracePeriodSeconds", ENV.unloadGracePeriodSeconds, "unload grace seconds", C.DEFAULT_UNLOAD_GRACE_SECONDS);

  // setInferenceSvcName(): the pod name, else the agent host.
  const agentHost = flagString("agentHost", C.DEFAULT_AGENT_HOST);
  const inferenceSvcName = podName !== "" ? podName : agentHost;
  info(`Setting inference svc name to ${inferenceSvcName}`);

  // main(): log level (a bad level is fatal), then the replica config.
  const logLevel = parseLogLevel(logLevelName);
  if (logLevel === undefined) {
    fail(ENV.logLevel, logLevelName, "one of panic, fatal, error, warn, warning, info, debug, trace", `Failed to set log level ${logLevelName}`);
  }
  let replicaConfigOverride: ReplicaConfigMessage | undefined;
  if (replicaConfigStr !== "") {
    const parsed = parseReplicaConfigJson(replicaConfigStr);
    if (typeof parsed === "string") {
      fail(ENV.replicaConfig, replicaConfigStr, `a ReplicaConfig as protobuf JSON (${parsed})`, `Failed to parse replica config ${replicaConfigStr}`);
    }
    replicaConfigOverride = parsed;
  }

  // MLServer repository handler: strconv.Atoi of the env var, 1 when unset or not a number.
  let mlserverParallelWorkers = 1;
  const pw = env[ENV.mlserverParallelWorkers];
  if (pw !== undefined && pw !== "") {
    const n = atoi(pw);
    if (n !== undefined) mlserverParallelWorkers = toUint32(n);
  }

  return {
    podName,
    serverName,
    replicaIdx: toUint32(replicaIdx),
    serverType,
    repositoryHandler: serverType === "triton" ? "triton" : "mlserver",
    logLevel,
    logLevelName,
    agentHost,
    inferenceSvcName,
    inferenceHost: flagString("inferenceHost", C.DEFAULT_INFERENCE_HOST),
    inferenceHttpPort,
    inferenceGrpcPort,
    reverseProxyHttpPort,
    reverseProxyGrpcPort,
    debugGrpcPort,
    metricsPort,
    drainerPort,
    envoyHost,
    envoyPort,
    schedulerHost,
    schedulerPort,
    schedulerTlsPort,
    rcloneHost: flagString("rcloneHost", C.DEFAULT_RCLONE_HOST),
    rclonePort: flagNumber("rclonePort", C.DEFAULT_RCLONE_PORT),
    memoryBytes,
    capabilities,
    overCommitPercentage,
    replicaConfigOverride,
    mlserverParallelWorkers,
    modelInferenceLagThreshold,
    modelInactiveSecondsThreshold,
    scalingStatsPeriodSeconds,
    agentFolder: flagString("agentFolder", C.DEFAULT_AGENT_FOLDER),
    timing: {
      readyCheckPeriodMs: afterStartSeconds * 1000,
      periodReadySubServiceSeconds: periodSeconds,
      maxElapsedReadyBeforeStartMs: beforeStartMinutes * 60_000,
      maxElapsedReadyAfterStartMs: afterStartSeconds * 1000,
      maxLoadElapsedMs: maxLoadMinutes * 60_000,
      maxUnloadElapsedMs: maxUnloadMinutes * 60_000,
      maxLoadRetryCount: toUint8(maxLoadRetry),
      maxUnloadRetryCount: toUint8(maxUnloadRetry),
      unloadGraceMs: unloadGraceSeconds * 1000,
    },
    configLog: log,
  };
}

/**
 * The `ReplicaConfig` the agent sends in `AgentSubscribeRequest`: from `SELDON_REPLICA_CONFIG` when
 * set, else from the env/flags; in both cases the ports are then replaced by the agent's reverse
 * proxy ports, because the scheduler and envoy must reach the model server through the agent.
 */
export function replicaConfig(config: AgentConfig): ReplicaConfigMessage {
  const base: ReplicaConfigMessage = config.replicaConfigOverride ?? {
    inferenceSvc: config.inferenceSvcName,
    inferenceHttpPort: int32(config.inferenceHttpPort),
    inferenceGrpcPort: int32(config.inferenceGrpcPort),
    memoryBytes: config.memoryBytes,
    capabilities: config.capabilities,
    overCommitPercentage: toUint32(config.overCommitPercentage),
  };
  return {
    ...base,
    capabilities: [...base.capabilities],
    inferenceHttpPort: int32(config.reverseProxyHttpPort),
    inferenceGrpcPort: int32(config.reverseProxyGrpcPort),
  };
}

/**
 * The agent container's literal env in the ServerConfigs shipped with v2.9.0
 * (operator/config/serverconfigs/mlserver.yaml and triton.yaml). `POD_NAME` and `MEMORY_REQUEST`
 * come from the pod (downward API) and are not included. This is where the MLServer and Triton
 * capability lists live: the agent binary itself defaults to `sklearn,xgboost`.
 */
export function serverConfigAgentEnv(kind: RepositoryHandler): Record<string, string> {
  const common: Record<string, string> = {
    [ENV.overCommitPercentage]: "10",
    [ENV.modelInferenceLagThreshold]: "30",
    [ENV.modelInactiveSecondsThreshold]: "600",
    [ENV.scalingStatsPeriodSeconds]: "20",
    [ENV.serverHttpPort]: "9000",
    [ENV.serverGrpcPort]: "9500",
    [ENV.reverseProxyHttpPort]: "9001",
    [ENV.reverseProxyGrpcPort]: "9501",
    [ENV.schedulerHost]: "seldon-scheduler",
    [ENV.schedulerPort]: "9005",
    [ENV.metricsPort]: "9006",
    [ENV.drainerPort]: "9007",
    [ENV.logLevel]: "warn",
  };
  if (kind === "mlserver") {
    return {
      [ENV.capabilities]: "mlserver,alibi-detect,alibi-explain,huggingface,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost",
      ...common,
      [ENV.schedulerTlsPort]: "9055",
      [ENV.serverType]: "mlserver",
      [ENV.envoyHost]: "seldon-mesh",
      [ENV.envoyPort]: "80",
    };
  }
  return {
    [ENV.capabilities]: "triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt",
    ...common,
    [ENV.serverType]: "triton",
  };
}

/** Flag names as the agent's command line spells them (`--inference-host`) → our field names. */
function camel(flag: string): string {
  return flag.replace(/^--?/, "").replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Which flags take numbers: the ones whose default is a number. */
const NUMERIC_FLAGS = new Set<string>([
  "serverIdx", "schedulerPort", "schedulerTlsPort", "rclonePort", "inferenceHttpPort", "inferenceGrpcPort",
  "reverseProxyHttpPort", "reverseProxyGrpcPort", "debugGrpcPort", "metricsPort", "memoryBytes",
  "overCommitPercentage", "envoyPort", "drainerPort", "modelInferenceLagThreshold",
  "modelInactiveSecondsThreshold", "scalingStatsPeriodSeconds", "maxElapsedTimeReadySubServiceAfterStartSeconds",
  "maxElapsedTimeReadySubServiceBeforeStartMinutes", "periodReadySubServiceSeconds", "maxLoadElapsedTimeMinutes",
  "maxUnloadElapsedTimeMinutes", "maxLoadRetryCount", "maxUnloadRetryCount", "unloadGracePeriodSeconds",
]);

/**
 * Agent flags as written on a command line (`{"inference-host": "10.42.0.70"}`) → `AgentFlags`.
 * An unknown flag or a non-numeric value for a numeric flag is the agent's start-up failure.
 */
export function agentFlagsFromCommandLine(flags: Record<string, string>): Partial<AgentFlags> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(flags)) {
    const key = camel(name);
    if (NUMERIC_FLAGS.has(key)) {
      const n = Number(value);
      if (value.trim() === "" || !Number.isInteger(n)) throw new UserError(`flag --${name.replace(/^--?/, "")}: expected an integer, got "${value}"`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  return out as Partial<AgentFlags>;
}
