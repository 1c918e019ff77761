/**
 * The Seldon Core v2.9.0 agent sidecar as a sans-IO component: what `cmd/agent/main.go` and
 * `pkg/agent.Client` do, on the virtual clock.
 *
 * Start-up: wait for the inference server (ServerLive under exponential back-off, 15 min budget;
 * giving up is fatal), unload whatever it already has, then subscribe to the scheduler and start
 * the readiness ticker. Subscribed: every LOAD_MODEL / UNLOAD_MODEL on the stream runs as its own
 * task (a goroutine in Go), serialised per model version by a lock; results go back as AgentEvent
 * calls. A stream that ends is re-subscribed at once, then with back-off while Subscribe fails.
 * A readiness re-check that fails (30 s budget) closes the scheduler connection; the agent then
 * shuts down (exit 0) once its subscription loop notices.
 *
 * Inferences arrive on the reverse-proxy ports (`rproxy.ts`); every scaling-stats period the
 * analyser's events go to the scheduler on the ModelScalingTrigger stream (`scaling-stats.ts`).
 * The preStop hooks reach the drainer (`drainer.ts`).
 *
 * With `rclone` in its deps (every server pod the cluster builds), the agent first waits for its
 * rclone container, configures rclone's remotes from the preloaded secrets after start-up, and
 * downloads each model's artifacts through it before loading (src/agent/rclone-client.ts). Without
 * (unit tests of other behaviour), rclone is taken to be ready and every download to succeed.
 *
 * Log lines carry Seldon's texts, levels and logrus fields. Metrics are not simulated.
 */
import type { Address, CallId, Component, Effect, GrpcStatus, Input, Listener, Millis, Observation } from "../core/protocol.ts";
import { goRpcError, Status } from "../core/protocol.ts";
import type { Rng } from "../core/rng.ts";
import { M, SERVICES, serviceOf } from "../proto/index.ts";
import { ExponentialBackOff, MaxCountBackOff, STOP } from "./backoff.ts";
import { Drainer } from "./drainer.ts";
import { type AgentConfig, type ReplicaConfigMessage, replicaConfig } from "./config.ts";
import * as C from "./constants.ts";
import { type CallResult, callOp, fieldsPerFunction, Kernel, lockOp, sleep, type Task } from "./kernel.ts";
import { AgentLifecycle, type AgentLifecycleEvent, type AgentLifecycleState } from "./lifecycle.ts";
import type { ModelEvent, ModelEventMsg, ModelOperationMsg, ModelRuntimeInfoMsg, ModelVersionMsg } from "./messages.ts";
import { OipClient } from "./oip.ts";
import { answerEffects, ReverseProxy } from "./rproxy.ts";
import { ModelScalingStats, SCALING_EVENT_NUMBER, type ScalingEvent } from "./scaling-stats.ts";
import { ArtifactConfigResolver, type SecretReader } from "./artifacts.ts";
import { RcloneClient } from "./rclone-client.ts";
import { LocalStateManager } from "./state-manager.ts";
import { modifiedModelVersion, originalModelNameAndVersion, versionedModelName } from "./state.ts";

export interface AgentDeps {
  /** `host:port` of the scheduler's AgentService, as resolved by the caller. */
  schedulerAddress: Address;
  /** `host:port` of the inference server's OIP gRPC endpoint. */
  inferenceAddress: Address;
  rng: Rng;
  /** The pod's rclone and what the agent reads to configure it; absent: rclone is not simulated. */
  rclone?: AgentRcloneDeps;
}

export interface AgentRcloneDeps {
  /** The agent's namespace (`POD_NAMESPACE`): where its preloaded secrets are read. */
  namespace: string;
  /** The Kubernetes Secrets the agent can read. */
  secrets: SecretReader;
  /** `agentConfig.rclone.config_secrets` of the `seldon-agent` ConfigMap. */
  configSecrets: readonly string[];
  /** `agentConfig.rclone.config`. */
  rawConfigs: readonly string[];
}

/** One model version as the agent sees it. */
export interface AgentModelView {
  name: string;
  version: number;
  /** `<name>_<version>`, the name on the inference server. */
  versionedName: string;
  memoryBytes: number;
  /** False once evicted (still registered, reported to the scheduler as loaded). */
  onInferenceServer: boolean;
}

/** Fields of the client's logger (`Name: Client`), optionally with `func`. */
const CLIENT = { Name: "Client" } as const;

/** What a Go process dies of when a ticker is made with a non-positive period. */
const NEW_TICKER_PANIC = "panic: non-positive interval for NewTicker";
const fn = fieldsPerFunction(CLIENT);

/** Names of the in-process services the real agent starts after unloading existing models. */
const SUB_SERVICES = [
  "Reverse HTTP/REST Proxy",
  "Reverse GRPC Proxy",
  "AgentDebug GRPC service",
  "Model Replica Scaling Trigger",
  "Agent drainer service",
];

/**
 * grpc-go fails a new stream at once when the channel cannot connect; these status details mean
 * "never connected" (grpc-go and grpc-js spellings), as opposed to a stream that broke.
 */
const DIAL_FAILURE = /while dialing|name resolver error|produced zero addresses|last connection error|No connection established/i;

interface SubscribeAttempt {
  call: CallId;
  open: boolean;
  openTimer?: string;
  scalingCall?: CallId;
  /** Cancelled by our own Stop before it was known to be open: Subscribe() itself failed. */
  cancelledBeforeOpen?: boolean;
}

/**
 * The observation of an AgentEvent: `{ type, ...msg }` written out field by field (a spread after
 * a key is a generic copy in V8, several times slower), in the message's order: its six fields,
 * then the one it may have been given after them.
 */
function observedEvent(msg: ModelEventMsg): Observation {
  const o: Observation = {
    type: "agent.modelEvent",
    serverName: msg.serverName,
    replicaIdx: msg.replicaIdx,
    modelName: msg.modelName,
    modelVersion: msg.modelVersion,
    event: msg.event,
    availableMemoryBytes: msg.availableMemoryBytes,
  };
  if ("message" in msg) o.message = msg.message;
  if ("runtimeInfo" in msg) o.runtimeInfo = msg.runtimeInfo;
  return o;
}

export class Agent implements Component {
  readonly role = "agent";
  readonly name: string;
  /** The reverse proxies' ports: Envoy's inferences for this replica arrive here. */
  readonly listeners: Listener[];

  private readonly k: Kernel;
  private readonly lifecycle = new AgentLifecycle();
  private readonly oip: OipClient;
  private readonly rclone?: RcloneClient;
  private readonly artifacts?: ArtifactConfigResolver;
  private readonly sm: LocalStateManager;
  private readonly rc: ReplicaConfigMessage;
  private readonly scheduler: Address;
  private readonly rngStartup: Rng;
  private readonly rngReadiness: Rng;
  private readonly rngSubscribe: Rng;
  private readonly rngOps: Rng;

  /**
   * The lifecycle has reached `exited` (kept by `transition`): every input asks, and the agent
   * itself is at hand where its lifecycle object may not be.
   */
  private exited = false;
  private startTime: Millis = 0;
  /** The scheduler connection was closed by Stop: every call on it fails with CANCELLED. */
  private connClosed = false;
  private stopRequested = false;
  private subscription?: SubscribeAttempt;
  private subscribeBackoff?: ExponentialBackOff;
  private readyTicker?: string;
  private checkRunning = false;
  private tickPending = false;
  /** Per versioned model: the agent-relative time of the last operation handled. */
  private readonly timestamps = new Map<string, number>();
  private readonly drainer: Drainer;
  private readonly scaling: ModelScalingStats;
  private readonly proxy: ReverseProxy;
  /** The proxies serve once the sub-services have started (after the start-up unload). */
  private proxiesStarted = false;

  constructor(
    readonly config: AgentConfig,
    deps: AgentDeps,
  ) {
    this.name = config.podName !== "" ? config.podName : config.serverName;
    this.k = new Kernel(config.logLevel);
    this.scheduler = deps.schedulerAddress;
    this.oip = new OipClient(this.k, deps.inferenceAddress);
    if (deps.rclone) {
      this.rclone = new RcloneClient(this.k, `${config.rcloneHost}:${config.rclonePort}`, {
        host: config.rcloneHost,
        port: config.rclonePort,
        localPath: `${config.agentFolder}/rclone`,
        namespace: deps.rclone.namespace,
        secrets: deps.rclone.secrets,
        configSecrets: deps.rclone.configSecrets,
        rawConfigs: deps.rclone.rawConfigs,
      });
      this.artifacts = new ArtifactConfigResolver(deps.rclone.secrets);
    }
    this.rc = replicaConfig(config);
    this.sm = new LocalStateManager(this.k, this.oip, this.rc.memoryBytes, this.rc.overCommitPercentage);
    this.rngStartup = deps.rng.fork("agent-startup");
    this.rngReadiness = deps.rng.fork("agent-readiness");
    this.rngSubscribe = deps.rng.fork("agent-subscribe");
    this.rngOps = deps.rng.fork("agent-operations");
    this.drainer = new Drainer(this.k, () => this.sendAgentDrainEvent());
    this.scaling = new ModelScalingStats({ lag: config.modelInferenceLagThreshold, inactiveSeconds: config.modelInactiveSecondsThreshold });
    this.proxy = new ReverseProxy(this.k, this.sm, this.oip, this.scaling, deps.inferenceAddress);
    const ports = [...new Set([config.reverseProxyGrpcPort, config.reverseProxyHttpPort])];
    this.listeners = ports.map((port) => ({ port, services: [SERVICES.inference] }));
  }

  // -- read-only views ---------------------------------------------------------------------------

  get state(): AgentLifecycleState {
    return this.lifecycle.state;
  }

  /** Free main memory on the inference server (never negative). */
  get availableMemoryBytes(): number {
    return this.sm.memory.availableMainMemoryBytes;
  }

  /** What the agent reports to the scheduler as `availableMemoryBytes`. */
  get availableMemoryBytesWithOverCommit(): number {
    return this.sm.availableMemoryBytesWithOverCommit;
  }

  get totalMemoryBytes(): number {
    return this.sm.memory.totalMainMemoryBytes;
  }

  /** The replica config sent on Subscribe. */
  get replicaConfig(): ReplicaConfigMessage {
    return { ...this.rc, capabilities: [...this.rc.capabilities] };
  }

  /** Registered model versions, by versioned name. */
  models(): AgentModelView[] {
    return this.sm.models.ids().map((id) => {
      const orig = originalModelNameAndVersion(id) ?? { name: id, version: 0 };
      return {
        name: orig.name,
        version: orig.version,
        versionedName: id,
        memoryBytes: this.sm.models.memoryOf(id) ?? 0,
        onInferenceServer: this.sm.cache.exists(id),
      };
    });
  }

  /**
   * Versioned names whose load or unload the inference server has not answered yet: such a
   * version is registered before the call, and the call may wait as long as its timeout (60 min
   * for a load), so views taken meanwhile need not agree.
   */
  busyModels(): string[] {
    return this.oip.pending();
  }

  /** Whether the drainer has been triggered: loads finishing from now on are reported failed. */
  get isDraining(): boolean {
    return this.drainer.isDraining;
  }

  /** preStop hooks whose `/terminate` call has not returned (they wait for the drain). */
  get preStopHooksRunning(): number {
    return this.drainer.hooksRunning;
  }

  /** Versioned names on the inference server, least recently used first (next to be evicted). */
  evictionOrder(): string[] {
    return this.sm.cache.ids();
  }

  // -- Component ---------------------------------------------------------------------------------

  handle(input: Input, now: Millis): Effect[] {
    this.k.now = now;
    if (this.exited) return [];
    switch (input.kind) {
      case "start":
        this.onStart();
        break;
      case "timer":
        this.k.onTimer(input.timer);
        break;
      case "preStop":
        this.drainer.terminate();
        break;
      case "response":
        this.k.onResponse(input.call, input.message);
        break;
      case "closed":
        this.k.onClosed(input.call, input.status);
        break;
      case "incoming":
        if (input.method === M.inference.ModelInfer && this.proxiesStarted) {
          const call = input.call;
          this.k.spawn(this.proxy.infer(input.request, input.headers), (a) => {
            for (const e of answerEffects(call, a)) this.k.emit(e);
          });
          break;
        }
        // The other servers (drainer, debug, the proxies' other methods) are not simulated.
        this.k.emit({
          kind: "finish",
          call: input.call,
          status: { code: Status.UNIMPLEMENTED, details: `unknown service ${serviceOf(input.method)}` },
        });
        break;
      default:
        break;
    }
    return this.k.flush();
  }

  // -- lifecycle ---------------------------------------------------------------------------------

  private transition(event: AgentLifecycleEvent): void {
    const from = this.lifecycle.send(event);
    const to = this.lifecycle.state;
    this.exited = to === "exited";
    this.k.observe({ type: "agent.lifecycle", from, to, event: event.type });
  }

  private onStart(): void {
    this.transition({ type: "START" });
    this.startTime = this.k.now;
    const cfg = this.config;
    // cli.UpdateArgs logs through logrus's package-level logger, which stays at info.
    for (const line of cfg.configLog) this.k.log(line.level, line.msg, line.fields, "info");
    this.k.log("info", `Setting log level to ${cfg.logLevelName}`, undefined, "info");
    this.k.log("info", `Model repository dir ${cfg.agentFolder}/models, Rclone repository dir ${cfg.agentFolder}/rclone `, undefined, "info");
    this.rclone?.logCreated();
    if (cfg.serverType === "mlserver") this.k.log("info", "Creating MLServer repository handler");
    else if (cfg.serverType === "triton") this.k.log("info", "Creating Triton repository handler");
    else this.k.log("info", "Using default as no server type requested - creating MLServer repository handler");
    this.k.log("info", `V2 (OIP) Inference Server ${cfg.inferenceHost}:${cfg.inferenceGrpcPort}`);
    this.k.log(
      "info",
      cfg.replicaConfigOverride ? "Created replicaConfig from command line" : "Created replicaConfig from environment",
      undefined,
      "info",
    );
    this.k.spawn(this.startup());
  }

  private *startup(): Task<void> {
    const err = yield* this.waitReadySubServices(true);
    if (err !== undefined) {
      this.fatal("Failed to wait for all agent dependent services to be ready", err);
      return;
    }
    if (this.rclone) {
      const rcErr = yield* this.rclone.startConfigListener();
      if (rcErr !== undefined) {
        this.fatal("Failed to initialise rclone config listener", rcErr);
        return;
      }
    }
    this.transition({ type: "EXISTING_MODELS_UNLOADED" });
    this.proxiesStarted = true;
    this.startScalingAnalyser();
    this.startClient();
  }

  /** logrus Fatal: log, then the process exits with status 1. */
  private fatal(msg: string, err: string): void {
    this.k.log("fatal", msg, { error: err });
    this.exit(1, msg);
  }

  private exit(code: number, reason: string): void {
    this.k.emit({ kind: "exit", code, reason });
    this.transition({ type: "EXIT" });
    this.k.halt();
  }

  /**
   * Readiness of what the agent depends on: rclone's no-op, then the inference server's
   * ServerLive, each retried within the budget under one back-off (reset between the two, as
   * RetryNotify does). At start-up, existing models are then unloaded.
   */
  /** One sub-service's readiness loop: check, and while it fails log and back off, until the budget ends. */
  private *waitUntilReady(check: () => Task<string | undefined>, backoff: ExponentialBackOff, notReady: string, gaveUp: string, sleepLabel: string): Task<string | undefined> {
    const fields = fn("waitReady");
    for (;;) {
      const err = yield* check();
      if (err === undefined) return undefined;
      const wait = backoff.next(this.k.now);
      if (wait === STOP) {
        this.k.log("error", gaveUp, { ...fields, error: err });
        return err;
      }
      this.k.log("error", notReady, { ...fields, error: err });
      yield* sleep(wait, sleepLabel);
    }
  }

  private *waitReadySubServices(isStartup: boolean): Task<string | undefined> {
    const fields = fn("waitReady");
    const t = this.config.timing;
    const backoff = new ExponentialBackOff(isStartup ? this.rngStartup : this.rngReadiness, this.k.now, {
      maxElapsedMs: isStartup ? t.maxElapsedReadyBeforeStartMs : t.maxElapsedReadyAfterStartMs,
    });
    if (this.rclone) {
      const rclone = this.rclone;
      const err = yield* this.waitUntilReady(() => rclone.ready(), backoff, "Rclone not ready", "Failed to wait for model repository to be ready", isStartup ? "wait-rclone" : "recheck-rclone");
      if (err !== undefined) return err;
      backoff.reset(this.k.now);
    }
    const err = yield* this.waitUntilReady(() => this.oip.live(), backoff, "Inference server not ready", "Failed to wait for inference server to be ready", isStartup ? "wait-inference-server" : "recheck-inference-server");
    if (err !== undefined) return err;
    if (isStartup) {
      this.transition({ type: "INFERENCE_SERVER_LIVE" });
      this.k.log("info", "Unloading any existing models", fields);
      const err = yield* this.unloadAllModels();
      if (err !== undefined) return err;
      for (const service of SUB_SERVICES) this.k.log("info", `Starting and waiting for ${service}`, fields);
    }
    return undefined;
  }

  private *unloadAllModels(): Task<string | undefined> {
    const index = yield* this.oip.getModels();
    if ("error" in index) return goRpcError(index.error);
    for (const m of index.models) {
      if (m.state === "READY" || m.state === "LOADING") {
        // Go prints the ServerModelInfo struct with %s: {name STATE}.
        const shown = `{${m.name} ${m.state}}`;
        this.k.log("info", `Unloading existing model ${shown}`, fn("UnloadAllModels"));
        const status = yield* this.oip.unloadModel(m.name);
        if (status !== undefined) {
          if (status.code !== Status.NOT_FOUND) return goRpcError(status);
          this.k.log("warning", `Model ${shown} not found on server`, CLIENT);
        }
      }
    }
    return undefined;
  }

  // -- scheduler connection ----------------------------------------------------------------------

  private startClient(): void {
    const f = fn("getConnection");
    this.k.log("info", "Starting plaintxt client to agent server", f);
    this.k.log("info", `Connecting (non-blocking) to scheduler at ${this.config.schedulerHost}:${this.config.schedulerPort}`, f);
    this.startReadyTicker();
    this.beginSubscribing();
  }

  /** A fresh back-off (never gives up) and an immediate Subscribe, as each turn of Start's loop. */
  private beginSubscribing(): void {
    this.subscribeBackoff = new ExponentialBackOff(this.rngSubscribe, this.k.now, {
      initialIntervalMs: C.CLIENT_BACKOFF_INITIAL_INTERVAL_MS,
      maxIntervalMs: C.CLIENT_BACKOFF_MAX_INTERVAL_MS,
      maxElapsedMs: C.CLIENT_BACKOFF_MAX_ELAPSED_MS,
    });
    this.attemptSubscribe();
  }

  private attemptSubscribe(): void {
    this.k.log("info", "Call subscribe to scheduler", fn("StartService"));
    if (this.connClosed) {
      this.subscribeFailed(goRpcError(C.GRPC_CLIENT_CONN_CLOSING));
      return;
    }
    const request = {
      serverName: this.config.serverName,
      shared: true,
      replicaIdx: this.config.replicaIdx,
      replicaConfig: this.replicaConfig,
      loadedModels: this.sm.models.versionsForAllModels(),
      availableMemoryBytes: this.sm.availableMemoryBytesWithOverCommit,
    };
    const attempt: SubscribeAttempt = { call: "", open: false };
    attempt.call = this.k.openStream(this.scheduler, M.agent.Subscribe, request, {
      onMessage: (m) => this.onSubscribeMessage(attempt, m),
      onClose: (s) => this.onSubscribeClosed(attempt, s),
    });
    attempt.openTimer = this.k.setTimer("subscribe-open", C.SUBSCRIBE_OPEN_AFTER_MS, () => {
      attempt.openTimer = undefined;
      this.onSubscribeOpen(attempt);
    });
    this.subscription = attempt;
  }

  private onSubscribeOpen(attempt: SubscribeAttempt): void {
    if (attempt.open) return;
    attempt.open = true;
    if (attempt.openTimer !== undefined) {
      this.k.clearTimer(attempt.openTimer);
      attempt.openTimer = undefined;
    }
    this.k.log("info", "Subscribed to scheduler", fn("StartService"));
    this.transition({ type: "STREAM_OPENED" });
    // The model-scaling trigger stream is opened (and later closed) as the real agent does; no
    // triggers are ever sent on it.
    attempt.scalingCall = this.k.openStream(this.scheduler, M.agent.ModelScalingTrigger, undefined, {
      onMessage: () => {},
      onClose: () => {
        attempt.scalingCall = undefined;
      },
    });
  }

  private onSubscribeMessage(attempt: SubscribeAttempt, message: unknown): void {
    if (!attempt.open) this.onSubscribeOpen(attempt);
    this.k.log("info", "Received operation", CLIENT);
    const sinceStart = this.k.now - this.startTime;
    const op = message as ModelOperationMsg;
    if (op.operation === "LOAD_MODEL") {
      this.k.log("info", "calling load model", CLIENT);
      // The task is the operation itself and its failure is logged when it ends: a wrapping
      // task would be one more level that every resumption of the operation passes through.
      this.k.spawn(this.loadModel(op, sinceStart), (err) => {
        if (err !== undefined) this.logOperationFailed("load", op, err);
      });
    } else if (op.operation === "UNLOAD_MODEL") {
      this.k.log("info", "calling unload model", CLIENT);
      this.k.spawn(this.unloadModel(op, sinceStart), (err) => {
        if (err !== undefined) this.logOperationFailed("unload", op, err);
      });
    }
  }

  private onSubscribeClosed(attempt: SubscribeAttempt, status: GrpcStatus): void {
    if (attempt.openTimer !== undefined) {
      this.k.clearTimer(attempt.openTimer);
      attempt.openTimer = undefined;
    }
    if (this.subscription === attempt) this.subscription = undefined;
    if (!attempt.open && (attempt.cancelledBeforeOpen || (status.code === Status.UNAVAILABLE && DIAL_FAILURE.test(status.details)))) {
      // Subscribe() itself returned the error.
      this.subscribeFailed(goRpcError(status));
      return;
    }
    if (!attempt.open) this.onSubscribeOpen(attempt);
    const f = fn("StartService");
    this.k.log("error", "event recv failed", { ...f, error: status.code === Status.OK ? "EOF" : goRpcError(status) });
    this.k.log("info", "Exiting", f);
    if (attempt.scalingCall !== undefined) {
      this.k.emit({ kind: "halfClose", call: attempt.scalingCall });
      this.k.forget(attempt.scalingCall);
      attempt.scalingCall = undefined;
    }
    this.k.log("info", "Subscribe ended", fn("Start"));
    if (this.stopRequested) {
      this.k.log("info", "Stopping", fn("Start"));
      this.shutdown();
      return;
    }
    this.transition({ type: "STREAM_ENDED" });
    this.beginSubscribing();
  }

  private subscribeFailed(err: string): void {
    const wait = this.subscribeBackoff!.next(this.k.now);
    if (wait === STOP) {
      // Unreachable with the client back-off (it never gives up); kept for the real semantics.
      this.k.log("fatal", "Failed to start client", { ...CLIENT, error: err });
      this.exit(1, "Failed to start client");
      return;
    }
    this.k.log("error", "Scheduler not ready", { ...CLIENT, error: err });
    this.k.setTimer("subscribe-retry", wait, () => this.attemptSubscribe());
  }

  /** Client.Stop after a failed readiness re-check: the scheduler connection is closed. */
  private stopClient(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.transition({ type: "STOP" });
    if (this.readyTicker !== undefined) {
      this.k.clearTimer(this.readyTicker);
      this.readyTicker = undefined;
    }
    this.k.log("info", "Shutting down stream to scheduler", fn("StopSchedulerStream"));
    this.connClosed = true;
    const sub = this.subscription;
    if (sub !== undefined && !sub.open) sub.cancelledBeforeOpen = true;
    const calls = this.k.openCallsTo(this.scheduler);
    // Everything else first; the subscription's end is what lets the process finish.
    const ordered = [...calls.filter((c) => c !== sub?.call), ...calls.filter((c) => c === sub?.call)];
    for (const id of ordered) this.k.cancel(id, C.GRPC_CLIENT_CONN_CLOSING);
  }

  /** main() after Start returns: the warning, the deferred Client.Stop, and a normal exit. */
  private shutdown(): void {
    this.k.log("warning", "Agent shutting down");
    this.k.log("info", "Shutting down stream to scheduler", fn("StopSchedulerStream"));
    this.k.log("warning", "Cannot close stream connection to scheduler", { ...CLIENT, error: goRpcError(C.GRPC_CLIENT_CONN_CLOSING) });
    this.exit(0, "Agent shutting down");
  }

  // -- readiness re-check ------------------------------------------------------------------------

  private startReadyTicker(): void {
    const period = this.config.timing.readyCheckPeriodMs;
    if (period <= 0) {
      // time.NewTicker panics on a non-positive period; the goroutine's panic kills the process.
      this.exit(2, NEW_TICKER_PANIC);
      return;
    }
    const tick = () => {
      this.readyTicker = this.k.setTimer("readiness-tick", period, tick);
      if (this.stopRequested) return;
      if (this.checkRunning) this.tickPending = true; // a Go ticker buffers one tick
      else this.runReadyCheck();
    };
    this.readyTicker = this.k.setTimer("readiness-tick", period, tick);
  }

  private runReadyCheck(): void {
    this.checkRunning = true;
    this.k.spawn(this.waitReadySubServices(false), (err) => {
      this.checkRunning = false;
      if (err !== undefined) {
        this.stopClient();
        return;
      }
      if (this.tickPending && !this.stopRequested) {
        this.tickPending = false;
        this.runReadyCheck();
      }
    });
  }

  // -- model scaling triggers --------------------------------------------------------------------

  /** The stats analyser's ticker, started with the sub-services. */
  private startScalingAnalyser(): void {
    const period = this.config.scalingStatsPeriodSeconds * 1000;
    if (period <= 0) {
      // time.NewTicker panics in the analyser's goroutine, which kills the process.
      this.exit(2, NEW_TICKER_PANIC);
      return;
    }
    const tick = () => {
      this.k.setTimer("scaling-stats-tick", period, tick);
      for (const e of this.scaling.analyse(this.k.now)) this.sendScalingTrigger(e);
    };
    this.k.setTimer("scaling-stats-tick", period, tick);
  }

  private sendScalingTrigger(e: ScalingEvent): void {
    const n = SCALING_EVENT_NUMBER[e.type];
    if (this.k.logs("debug")) this.k.log("debug", `Produced event ${n} on channel for model ${e.model}`, { source: "StatsAnalyzerService" });
    const orig = originalModelNameAndVersion(e.model);
    if (!orig) {
      this.k.log("warning", `Trigger model scaling event ${n} for model ${e.model} failed`, { ...CLIENT, error: `cannot extract model version from ${e.model}` });
      return;
    }
    if (this.k.logs("debug")) this.k.log("debug", `Trigger model scaling event ${n} for model ${orig.name}:${orig.version} with value ${e.value}`, CLIENT);
    const stream = this.subscription?.scalingCall;
    if (stream === undefined || this.connClosed) {
      // The last stream was closed: Send on it fails.
      this.k.log("warning", `Sending model scaling event ${n} for model ${e.model} failed`, { ...CLIENT, error: "EOF" });
      return;
    }
    const message = {
      serverName: this.config.serverName,
      replicaIdx: this.config.replicaIdx,
      modelName: orig.name,
      modelVersion: orig.version,
      trigger: e.type,
      amount: e.value,
    };
    this.k.observe({ type: "agent.scalingTrigger", ...message });
    this.k.emit({ kind: "send", call: stream, message });
  }

  // -- model operations --------------------------------------------------------------------------

  private runtimeInfo(): ModelRuntimeInfoMsg {
    if (this.config.repositoryHandler === "triton") return { triton: { cpu: [{ instanceCount: 1 }] } };
    return { mlserver: { parallelWorkers: this.config.mlserverParallelWorkers } };
  }

  /**
   * True when an operation older than the last one handled for this version arrives. The caller
   * holds the version's lock and records the operation's time when it ends (whatever happens),
   * which is the first time anyone can read it: a first operation needs no entry before that.
   */
  private isOutOfOrder(id: string, sinceStart: number): boolean {
    const last = this.timestamps.get(id);
    return last !== undefined && sinceStart < last;
  }

  /** What the operation's goroutine logs when the load or unload it ran failed. */
  private logOperationFailed(operation: "load" | "unload", op: ModelOperationMsg, err: string): void {
    const mv = op.modelVersion;
    this.k.log("error", `Failed to handle ${operation} model ${mv?.model?.meta?.name ?? ""}:${mv?.version ?? 0}`, { ...CLIENT, error: err });
  }

  private *loadModel(op: ModelOperationMsg, sinceStart: number): Task<string | undefined> {
    const mv = op.modelVersion;
    if (!mv) return "empty request received for load model";
    const f = fn("LoadModel");
    const name = mv.model?.meta?.name ?? "";
    const version = mv.version ?? 0;
    const id = versionedModelName(name, version);

    yield lockOp(id);
    try {
      this.k.log("info", `Load model ${name}:${version}`, f);
      if (this.isOutOfOrder(id, sinceStart)) {
        this.k.log("warning", `Ignoring out of order message for model ${name}:${version}`, f);
        return undefined;
      }
      try {
        const downloadErr = yield* this.downloadArtifacts(op, id, name, version);
        if (downloadErr !== undefined) return downloadErr;
        // The runtime info is also in the LOADED event, which leaves the agent: the state keeps its own.
        const request = modifiedModelVersion(id, C.PINNED_MODEL_VERSION, mv, this.runtimeInfo());
        const t = this.config.timing;
        const startedAt = this.k.now;
        let err = yield* this.attempt("load", request);
        if (err !== undefined) err = yield* this.retryAfterFailure("load", request, err, startedAt, t.maxLoadRetryCount, t.maxLoadElapsedMs, f);
        if (err !== undefined) {
          yield* this.sendModelEventError(name, version, "LOAD_FAILED", err);
          this.k.log("info", `removed model ${id}`, fn("cleanup"));
          return err;
        }
        if (op.autoscalingEnabled) {
          if (this.k.logs("debug")) this.k.log("debug", `Enabling autoscaling checks for model ${id}`, f);
          this.scaling.enable(id, this.k.now);
        }
        this.k.log("info", `Load model ${name}:${version} success`, f);
        return yield* this.sendAgentEvent(name, version, this.runtimeInfo(), "LOADED");
      } finally {
        this.timestamps.set(id, sinceStart);
      }
    } finally {
      this.k.unlock(id);
    }
  }

  /**
   * The artifact steps of LoadModel: the storage config (inline or from the model's Secret), then
   * the rclone copy into the local repository and the purge of the download. A failure is sent
   * as LOAD_FAILED with the agent's text, and is not retried.
   */
  private *downloadArtifacts(op: ModelOperationMsg, id: string, name: string, version: number): Task<string | undefined> {
    if (!this.rclone || !this.artifacts) return undefined;
    if (ArtifactConfigResolver.hasStorageConfig(op)) this.k.log("info", "Getting Rclone configuration", fn("getArtifactConfig"));
    const config = this.artifacts.resolve(op);
    if ("error" in config) {
      yield* this.sendModelEventError(name, version, "LOAD_FAILED", config.error);
      return config.error;
    }
    const uri = String((op.modelVersion?.model?.modelSpec as { uri?: unknown } | null | undefined)?.uri ?? "");
    if (this.k.logs("debug")) this.k.log("debug", `running with model ${id}:${C.PINNED_MODEL_VERSION} srcUri ${uri}`, { Name: "V2ModelRepository", func: "DownloadModelVersion" });
    const copied = yield* this.rclone.copy(id, uri, config.config);
    let err = "error" in copied ? copied.error : undefined;
    if (!("error" in copied)) {
      // The download is purged once copied into the model repository, whatever happens next.
      const purgeErr = yield* this.rclone.purgeLocal(copied.path);
      if (purgeErr !== undefined) err = purgeErr;
    }
    if (err !== undefined) {
      yield* this.sendModelEventError(name, version, "LOAD_FAILED", err);
      this.k.log("info", `removed model ${id}`, fn("cleanup"));
      return err;
    }
    this.k.log("info", `Chose path ${(copied as { path: string }).path} for model ${name}:${version}`, fn("LoadModel"));
    return undefined;
  }

  private *unloadModel(op: ModelOperationMsg, sinceStart: number): Task<string | undefined> {
    const mv = op.modelVersion;
    if (!mv) return "Empty request received for unload model";
    const f = fn("UnloadModel");
    // Grace period for envoy to drop its routes, before taking the lock.
    yield* sleep(this.config.timing.unloadGraceMs, "unload-grace");
    const name = mv.model?.meta?.name ?? "";
    const version = mv.version ?? 0;
    const id = versionedModelName(name, version);

    yield lockOp(id);
    try {
      this.k.log("info", `Unload model ${name}:${version}`, f);
      if (this.isOutOfOrder(id, sinceStart)) {
        this.k.log("warning", `Ignoring out of order message for model ${name}:${version}`, f);
        return undefined;
      }
      try {
        const request = modifiedModelVersion(id, C.PINNED_MODEL_VERSION, mv, undefined);
        const t = this.config.timing;
        const startedAt = this.k.now;
        let err = yield* this.attempt("unload", request);
        if (err !== undefined) err = yield* this.retryAfterFailure("unload", request, err, startedAt, t.maxUnloadRetryCount, t.maxUnloadElapsedMs, f);
        if (err !== undefined) {
          yield* this.sendModelEventError(name, version, "UNLOAD_FAILED", err);
          return err;
        }
        const scalingErr = this.scaling.remove(id);
        if (scalingErr !== undefined) {
          this.k.log("warning", `Cannot delete model ${id} from scaling service, likely that it was not enabled in the first place`, {
            ...f,
            error: scalingErr,
          });
        }
        this.k.log("info", `Unload model ${name}:${version} success`, f);
        return yield* this.sendAgentEvent(name, version, undefined, "UNLOADED");
      } finally {
        this.timestamps.set(id, sinceStart);
      }
    } finally {
      this.k.unlock(id);
    }
  }

  /** One attempt of the state manager's load or unload: its task as it is (no level of its own). */
  private attempt(operation: "load" | "unload", request: ModelVersionMsg): Task<string | undefined> {
    return operation === "load" ? this.sm.loadModelVersion(request) : this.sm.unloadModelVersion(request);
  }

  /**
   * backoffWithMaxNumRetry after its first attempt failed with `firstErr`: at most `maxCount`
   * attempts in all under an exponential back-off that started with the first (`startedAt`).
   * The caller makes the first attempt itself: most succeed, and their answers then resume one
   * level less.
   */
  private *retryAfterFailure(
    operation: "load" | "unload",
    request: ModelVersionMsg,
    firstErr: string,
    startedAt: Millis,
    maxCount: number,
    maxElapsedMs: number,
    fields: Record<string, string>,
  ): Task<string | undefined> {
    // Made at the first failure, as before any retry (making it draws nothing from the random source).
    const policy = new MaxCountBackOff(maxCount, new ExponentialBackOff(this.rngOps, startedAt, { maxElapsedMs }));
    let err = firstErr;
    for (let i = 0; ; i++) {
      const wait = policy.next(this.k.now);
      if (wait === STOP) return err;
      this.k.log("error", `Retry op #${i}`, { ...fields, error: err });
      yield* sleep(wait, "operation-retry");
      const next = yield* this.attempt(operation, request);
      if (next === undefined) return undefined;
      err = next;
    }
  }

  private *schedulerUnary(method: string, request: unknown): Task<CallResult> {
    if (this.connClosed) return { ok: false, status: { ...C.GRPC_CLIENT_CONN_CLOSING } };
    return (yield callOp(this.scheduler, method, request)) as CallResult;
  }

  private eventMessage(name: string, version: number, event: ModelEvent): ModelEventMsg {
    return {
      serverName: this.config.serverName,
      replicaIdx: this.config.replicaIdx,
      modelName: name,
      modelVersion: version,
      event,
      availableMemoryBytes: this.sm.availableMemoryBytesWithOverCommit,
    };
  }

  private *sendAgentEvent(
    name: string,
    version: number,
    runtimeInfo: ModelRuntimeInfoMsg | undefined,
    event: ModelEvent,
  ): Task<string | undefined> {
    // A load that succeeds once the replica is draining is taken back: the scheduler is moving
    // the replica's models elsewhere.
    if (this.drainer.isDraining && event === "LOADED") {
      yield* this.sendModelEventError(name, version, "LOAD_FAILED", "server replica is draining");
      return undefined;
    }
    const msg = this.eventMessage(name, version, event);
    if (runtimeInfo) msg.runtimeInfo = runtimeInfo;
    this.k.observe(observedEvent(msg));
    const r = yield* this.schedulerUnary(M.agent.AgentEvent, msg);
    return r.ok ? undefined : goRpcError(r.status);
  }

  /** The drain itself (drainOnRequest): AgentDrain for this replica, then its result logged. */
  private *sendAgentDrainEvent(): Task<void> {
    const r = yield* this.schedulerUnary(M.agent.AgentDrain, { serverName: this.config.serverName, replicaIdx: this.config.replicaIdx });
    if (r.ok) this.k.log("info", `Agent drain process result ${(r.message as { success?: boolean } | undefined)?.success === true}`, CLIENT);
    else this.k.log("warning", "Could not drain agent / server", { ...CLIENT, error: goRpcError(r.status) });
  }

  private *sendModelEventError(name: string, version: number, event: ModelEvent, err: string): Task<void> {
    this.k.log("error", "Failed to load model, sending error to scheduler", { ...CLIENT, error: err });
    const msg = this.eventMessage(name, version, event);
    msg.message = err;
    this.k.observe(observedEvent(msg));
    const r = yield* this.schedulerUnary(M.agent.AgentEvent, msg);
    if (!r.ok) {
      this.k.log("error", "Failed to send error back to scheduler on load model", { ...CLIENT, error: goRpcError(r.status) });
      return;
    }
    this.k.log("info", "Sent agent model event to scheduler", { ...CLIENT, modelEventResponse: "" });
  }
}
