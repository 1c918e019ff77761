/**
 * The scheduler process as a sans-IO component: the `Scheduler` service the controller calls
 * (port 9004) and the `AgentService` the agents subscribe to (port 9005), over one store.
 *
 * What runs on goroutines and an event hub in Seldon runs here as one deterministic cascade per
 * input: an operation changes the store, the store queues events, and `drain()` hands each event
 * to the handlers Seldon registers for it (agent sync, status streams, routing).
 */
import {
  OK_STATUS,
  Status,
  type CallId,
  type Component,
  type Effect,
  type Fields,
  type GrpcStatus,
  type Input,
  type Listener,
  type LogLevel,
  type Millis,
} from "../core/protocol.ts";
import { M, SERVICES } from "../proto/index.ts";
import type {
  PbAgentDrainRequest,
  PbAgentSubscribeRequest,
  PbLoadModelRequest,
  PbModelEventMessage,
  PbModelOperationMessage,
  PbModelScalingTriggerMessage,
  PbModelStatusRequest,
  PbModelStatusResponse,
  PbModelVersionStatus,
  PbServerNotifyRequest,
  PbServerStatusRequest,
  PbServerStatusResponse,
  PbUnloadModelRequest,
} from "../proto/messages.ts";
import { uint64ToWire } from "../proto/int64.ts";
import { MemoryStore, StoreError, type StoreEvent } from "./store.ts";
import {
  readAgentDrain,
  readAgentSubscribe,
  readLoadModel,
  readModelEvent,
  readModelStatus,
  readScalingTrigger,
  readServerNotify,
  readServerStatus,
  readSubscription,
  readUnloadModel,
  type Read,
} from "./requests.ts";
import { type Model, type ModelVersion, type Server } from "./model.ts";
import type { ReplicaCause, ReplicaState } from "./states.ts";
import { placeModel, type PlacementView, type PlacementChains } from "./placement.ts";
import { V2_9_0, type SchedulerProfile } from "./profile.ts";
import { StartupSynchroniser, type SyncOutcome } from "./synchroniser.ts";
import { RouteTable, trafficShare, type RouteSplit } from "./routes.ts";
import { distinctLoadedModels } from "./loaded-models.ts";
import { shouldScaleDown, shouldScaleUp, type ServerStats } from "./server-scaling.ts";
import type { Rng } from "../core/rng.ts";

export const SCHEDULER_PORT = 9004;
export const AGENT_PORT = 9005;
/** Seldon batches routing updates and server status updates by this long. */
export const ENVOY_BATCH_WAIT_MS = V2_9_0.envoyBatchWaitMs;
export const SERVER_STATUS_BATCH_WAIT_MS = V2_9_0.serverStatusBatchWaitMs;
/** A scale-down trigger is ignored while the model changed state this recently. */
export const MODEL_SCALING_COOLDOWN_MS = V2_9_0.modelScalingCooldownMs;

export interface SchedulerOptions {
  name?: string;
  namespace?: string;
  schedulerPort?: number;
  agentPort?: number;
  chains?: Partial<PlacementChains>;
  /**
   * Seldon's `--enable-model-autoscaling`: tells agents (in LOAD_MODEL) to send scaling triggers.
   * Triggers that arrive are applied whatever the flag, as v2.9.0 does.
   */
  modelAutoscaling?: boolean;
  /** `--enable-server-autoscaling` (default true): send ServerScalingRequests to the controller. */
  serverAutoscaling?: boolean;
  /** `--server-packing-percentage` with `--server-packing-enabled` (default off: 0). */
  serverPackingPercentage?: number;
  /** Seeded randomness for server packing (only drawn from when packing is on). */
  rng?: Rng;
  /** `--scheduler-ready-timeout-seconds` (default: the profile's, 300 in v2.9.0). */
  readyTimeoutSeconds?: number;
  /** The Seldon release whose behaviour to follow (default v2.9.0). */
  profile?: SchedulerProfile;
  /**
   * Keep every placement with its store snapshot and explanation (`decisions`, and in the
   * trace). Default true; large benchmarks turn it off, since each one is as big as the store.
   */
  recordDecisions?: boolean;
}

type AgentKey = string; // "server:idx"

interface AgentStream {
  call: CallId;
  serverName: string;
  idx: number;
  /**
   * The agent has gone but its Subscribe handler has not yet noticed: in Seldon the handler only
   * watches for the end of the stream once its start-up scheduling returns, which waits for the
   * synchroniser. Sends to such a stream fail.
   */
  closed: boolean;
}

/** An AgentDrain call waiting for the drained replica's models to be available elsewhere. */
interface DrainWait {
  models: Set<string>;
  calls: CallId[];
}

const SYNC_TIMER = "synchroniser";
const XDS_TIMER = "xdsWait";
const DRAIN_TIMER_PREFIX = "drainSettle:";

export class Scheduler implements Component {
  readonly role = "scheduler";
  readonly name: string;
  readonly namespace: string;
  readonly listeners: Listener[];
  readonly store: MemoryStore;
  /** Every placement decision with its explanation, newest last. */
  readonly decisions: PlacementView[] = [];

  private now: Millis = 0;
  private out: Effect[] = [];
  private readonly chains: Partial<PlacementChains>;
  private readonly recordDecisions: boolean;
  private readonly autoscaling: boolean;
  private readonly agents = new Map<AgentKey, AgentStream>();
  private readonly agentCalls = new Map<CallId, AgentStream>();
  /**
   * Seldon serialises Subscribe per `server:idx`: a new subscription waits until the previous
   * one's handler has returned (it returns once it has seen its stream end).
   */
  private readonly subscribeHandlers = new Map<AgentKey, CallId>();
  private readonly queuedSubscribes = new Map<AgentKey, { call: CallId; req: PbAgentSubscribeRequest; cancelled: boolean }[]>();
  private readonly scalingCalls = new Set<CallId>();
  private readonly modelSubscribers = new Map<CallId, string>();
  private readonly serverSubscribers = new Map<CallId, string>();
  private readonly controlPlaneSubscribers = new Map<CallId, string>();
  /**
   * The model versions the next routing batch moves, each once, in the order first queued.
   * Seldon queues a version on every model event; moving one a second time in the same batch
   * does nothing: the batch changes only the states of the version it moves (and its older
   * versions), and leaves them where a second move finds nothing to do. A version is known by
   * its record, which is cheaper to look up than its name and number (a version queued, deleted
   * and made again may then be queued twice, which moves it the same), with its model's name;
   * the batch looks both up again, as Seldon's does.
   */
  private pendingRouting = new Map<ModelVersion, string>();
  private routingTimerSet = false;
  private lastRoutingTrigger: Millis | null = null;
  private pendingServerStatus = new Set<string>();
  private serverStatusTimerSet = false;
  private readonly profile: SchedulerProfile;
  private readonly readyTimeoutMs: Millis;
  private readonly serverAutoscaling: boolean;
  private readonly packThreshold: number;
  private readonly rng: Rng | null;
  private readonly synchroniser = new StartupSynchroniser();
  /** Work Seldon does on goroutines blocked in `WaitReady`, in the order they blocked. */
  private deferred: (() => void)[] = [];
  /** The envoy route table of the incremental processor. */
  readonly routes = new RouteTable();
  private readonly drainWaits = new Map<string, DrainWait>();
  private readonly subscriberFuncs = new Map<CallId, string>();

  constructor(options: SchedulerOptions = {}) {
    this.name = options.name ?? "seldon-scheduler-0";
    this.namespace = options.namespace ?? "seldon-mesh";
    this.listeners = [
      { port: options.schedulerPort ?? SCHEDULER_PORT, services: [SERVICES.scheduler] },
      { port: options.agentPort ?? AGENT_PORT, services: [SERVICES.agent] },
    ];
    this.chains = options.chains ?? {};
    this.recordDecisions = options.recordDecisions ?? true;
    this.autoscaling = options.modelAutoscaling ?? false;
    this.profile = options.profile ?? V2_9_0;
    this.readyTimeoutMs = (options.readyTimeoutSeconds ?? this.profile.readyTimeoutSecondsDefault) * 1000;
    this.serverAutoscaling = options.serverAutoscaling ?? this.profile.serverAutoscalingDefault;
    this.packThreshold = options.serverPackingPercentage ?? 0;
    this.rng = options.rng ?? null;
    this.store = new MemoryStore(() => this.now);
  }

  /** Whether the start-up synchroniser has released scheduling. */
  isReady(): boolean {
    return this.synchroniser.isReady();
  }

  handle(input: Input, now: Millis): Effect[] {
    this.now = now;
    this.out = [];
    switch (input.kind) {
      case "start":
        this.log("info", `Autoscaling (native) service is set to Model: ${this.autoscaling} and Server: ${this.serverAutoscaling}`);
        this.log("info", `Scheduler server running on ${this.listeners[0]!.port} mtls:false`, { source: "SchedulerServer" });
        this.log("info", `Agent server running on ${this.listeners[1]!.port} mtls:false`, { source: "AgentServer" });
        this.out.push({ kind: "setTimer", timer: SYNC_TIMER, afterMs: this.readyTimeoutMs });
        break;
      case "incoming":
        this.onCall(input.call, input.method, input.request);
        break;
      case "incomingMessage":
        if (this.scalingCalls.has(input.call)) {
          const read = readScalingTrigger(input.message);
          // Seldon only logs a trigger it cannot apply; one that does not read is dropped the same way.
          if (read.ok) this.onScalingTrigger(read.request);
        }
        break;
      case "incomingHalfClose":
        if (this.scalingCalls.delete(input.call)) this.reply(input.call, {}, OK_STATUS);
        break;
      case "incomingCancelled":
        this.onCancelled(input.call);
        break;
      case "timer":
        if (input.timer === "routing") {
          this.routingTimerSet = false;
          this.routingSync();
        } else if (input.timer === "serverStatus") {
          this.serverStatusTimerSet = false;
          this.sendServerStatuses();
        } else if (input.timer === SYNC_TIMER) {
          this.onSynchroniser(this.synchroniser.timeout());
        } else if (input.timer === XDS_TIMER) {
          this.log("info", "Scheduler is ready");
        } else if (input.timer.startsWith(DRAIN_TIMER_PREFIX)) {
          this.finishDrain(input.timer.slice(DRAIN_TIMER_PREFIX.length));
        }
        break;
      case "response":
      case "closed":
        break; // the scheduler starts no calls
    }
    this.drain();
    return this.out;
  }

  // -------------------------------------------------------------------------------------------
  // Incoming calls

  private onCall(call: CallId, method: string, request: unknown): void {
    // Every request is read (null-safe, validated) before it reaches a handler; see requests.ts.
    switch (method) {
      case M.agent.Subscribe: return this.withRequest(call, readAgentSubscribe(request), (r) => this.onAgentSubscribe(call, r));
      case M.agent.AgentEvent: return this.withRequest(call, readModelEvent(request), (r) => this.onAgentEvent(call, r));
      case M.agent.AgentDrain: return this.withRequest(call, readAgentDrain(request), (r) => this.onAgentDrain(call, r));
      case M.agent.ModelScalingTrigger:
        this.scalingCalls.add(call);
        return;
      case M.scheduler.ServerNotify: return this.withRequest(call, readServerNotify(request), (r) => this.onServerNotify(call, r));
      case M.scheduler.LoadModel: return this.withRequest(call, readLoadModel(request), (r) => this.onLoadModel(call, r));
      case M.scheduler.UnloadModel: return this.withRequest(call, readUnloadModel(request), (r) => this.onUnloadModel(call, r));
      case M.scheduler.ModelStatus: return this.withRequest(call, readModelStatus(request), (r) => this.onModelStatus(call, r));
      case M.scheduler.ServerStatus: return this.withRequest(call, readServerStatus(request), (r) => this.onServerStatus(call, r));
      case M.scheduler.SchedulerStatus:
        return this.withRequest(call, readSubscription(request), (r) => {
          this.log("info", `received status request from ${r.subscriberName}`, { source: "SchedulerServer", func: "SchedulerStatus" });
          this.reply(call, { applicationVersion: "0.0.1" }, OK_STATUS);
        });
      case M.scheduler.SubscribeModelStatus:
      case M.scheduler.SubscribeServerStatus:
      case M.scheduler.SubscribeControlPlane:
        return this.withRequest(call, readSubscription(request), (r) => this.onSubscription(call, method, r.subscriberName));
      default:
        // Pipelines and experiments belong to the data plane, which the simulator does not model.
        this.out.push({
          kind: "finish",
          call,
          status: { code: Status.UNIMPLEMENTED, details: `method ${method} is not simulated by seldon-sim` },
        });
    }
  }

  /** Runs `handler` on a request that read cleanly; otherwise the call ends with the reader's status. */
  private withRequest<T>(call: CallId, read: Read<T>, handler: (request: T) => void): void {
    if (read.ok) return handler(read.request);
    this.log("warning", `Rejected request: ${read.status.details}`, { source: "SchedulerServer" });
    this.out.push({ kind: "finish", call, status: read.status });
  }

  private onSubscription(call: CallId, method: string, who: string): void {
    switch (method) {
      case M.scheduler.SubscribeModelStatus: {
        this.log("info", `Received subscribe request from ${who}`, { source: "SchedulerServer", func: "SubscribeModelStatus" });
        this.subscriberFuncs.set(call, "SubscribeModelStatus");
        // the current statuses, and the stream's registration, wait for the synchroniser
        return this.whenReady(() => {
          if (!this.subscriberFuncs.has(call)) return;
          for (const model of this.store.models.values()) {
            const status = this.modelStatus(model, false);
            if (status) this.out.push({ kind: "reply", call, message: status });
          }
          this.modelSubscribers.set(call, who);
        });
      }
      case M.scheduler.SubscribeServerStatus: {
        this.log("info", `Received subscribe request from ${who}`, { source: "SchedulerServer", func: "SubscribeServerStatus" });
        this.subscriberFuncs.set(call, "SubscribeServerStatus");
        for (const server of this.store.servers.values()) this.out.push({ kind: "reply", call, message: serverStatus(server) });
        this.serverSubscribers.set(call, who);
        return;
      }
      case M.scheduler.SubscribeControlPlane: {
        this.log("info", `Received subscribe request from ${who}`, { source: "SchedulerServer", func: "SubscribeControlPlane" });
        this.subscriberFuncs.set(call, "SubscribeControlPlane");
        this.out.push({ kind: "reply", call, message: { event: "SEND_SERVERS" } });
        return this.whenReady(() => {
          if (!this.subscriberFuncs.has(call)) return;
          this.out.push({ kind: "reply", call, message: { event: "SEND_RESOURCES" } });
          this.controlPlaneSubscribers.set(call, who);
        });
      }
    }
  }

  private onCancelled(call: CallId): void {
    for (const queue of this.queuedSubscribes.values()) {
      const queued = queue.find((q) => q.call === call);
      if (queued) {
        queued.cancelled = true;
        return;
      }
    }
    const agent = this.agentCalls.get(call);
    if (agent) {
      agent.closed = true;
      // Seldon's Subscribe handler sees the end of the stream only after its start-up scheduling
      // has run, which waits for the synchroniser; until then the dead stream stays registered.
      this.whenReady(() => this.removeAgent(call, agent));
      return;
    }
    const func = this.subscriberFuncs.get(call);
    this.subscriberFuncs.delete(call);
    for (const subs of [this.modelSubscribers, this.serverSubscribers, this.controlPlaneSubscribers]) {
      const who = subs.get(call);
      if (who !== undefined) {
        subs.delete(call);
        this.log("info", `Stream disconnected ${who}`, { source: "SchedulerServer", ...(func ? { func } : {}) });
      }
    }
    this.scalingCalls.delete(call);
  }

  private removeAgent(call: CallId, agent: AgentStream): void {
    this.agentCalls.delete(call);
    const key = agentKey(agent.serverName, agent.idx);
    this.log("info", `Client replica ${agent.serverName}:${agent.idx} has disconnected`, { source: "AgentServer", func: "Subscribe" });
    if (this.agents.get(key)?.call === call) this.agents.delete(key);
    let models: string[] = [];
    try {
      models = this.store.removeServerReplica(agent.serverName, agent.idx);
    } catch (e) {
      this.log("error", `Failed to remove replica and redeploy models for ${agent.serverName}:${agent.idx}`, { source: "AgentServer", error: msg(e) });
    }
    this.log("debug", `Removing models [${models.join(" ")}] from server ${agent.serverName}:${agent.idx}`, { source: "AgentServer" });
    for (const name of models) {
      if (!this.schedule(name)) {
        this.log("debug", `Failed to reschedule model ${name} when server ${agent.serverName} replica ${agent.idx} disconnected`, { source: "AgentServer" });
      }
    }
    this.scheduleFailedModels();
    // the handler returns: the next subscription of this replica may start
    if (this.subscribeHandlers.get(key) === call) this.subscribeHandlers.delete(key);
    const next = this.queuedSubscribes.get(key)?.shift();
    if (this.queuedSubscribes.get(key)?.length === 0) this.queuedSubscribes.delete(key);
    if (next) {
      this.onAgentSubscribe(next.call, next.req);
      if (next.cancelled) {
        // its agent went while it waited: what its start-up scheduling sends cannot be delivered
        const stream = this.agentCalls.get(next.call);
        if (stream) stream.closed = true;
        this.drain();
        this.onCancelled(next.call);
      }
    }
  }

  private onAgentSubscribe(call: CallId, req: PbAgentSubscribeRequest): void {
    const key = agentKey(req.serverName, req.replicaIdx);
    if (this.subscribeHandlers.has(key)) {
      const queue = this.queuedSubscribes.get(key) ?? [];
      queue.push({ call, req, cancelled: false });
      this.queuedSubscribes.set(key, queue);
      return;
    }
    this.subscribeHandlers.set(key, call);
    this.log("info", `Received subscribe request from ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer", func: "Subscribe" });
    const stream: AgentStream = { call, serverName: req.serverName, idx: req.replicaIdx, closed: false };
    this.agents.set(agentKey(req.serverName, req.replicaIdx), stream);
    this.agentCalls.set(call, stream);
    this.store.addServerReplica(req);
    this.whenReady(() => {
      for (const mv of req.loadedModels) {
        const name = mv.model?.meta?.name ?? "";
        const error = this.scheduleToServer(name);
        if (error) {
          this.log("warning", `Failed to reschedule model ${name} from agent starting with state`, { source: "AgentServer", error });
        }
      }
      this.scheduleFailedModels();
    });
  }

  private onAgentEvent(call: CallId, ev: PbModelEventMessage): void {
    const [expected, desired, cause] = AGENT_EVENT_MOVES.get(ev.event) ?? UNKNOWN_AGENT_EVENT_MOVE;
    this.log("info", `Updating state for model ${ev.modelName} to ${desired}`, { source: "AgentServer", func: "AgentEvent" });
    try {
      this.store.updateModelState({
        name: ev.modelName,
        version: ev.modelVersion,
        serverName: ev.serverName,
        idx: ev.replicaIdx,
        availableMemory: BigInt(ev.availableMemoryBytes),
        expected,
        desired,
        reason: ev.message,
        cause,
        runtimeInfo: ev.runtimeInfo ?? null,
        // the event was read into fresh objects (requests.ts) that nothing else holds
        runtimeInfoHandover: "adopt",
      });
    } catch (e) {
      this.log("info", `Failed Updating state for model ${ev.modelName}`, { source: "AgentServer", func: "AgentEvent", error: msg(e) });
      this.out.push({ kind: "finish", call, status: { code: Status.INTERNAL, details: msg(e) } });
      return;
    }
    this.reply(call, {}, OK_STATUS);
  }

  /**
   * AgentDrain answers once every model of the drained replica is available elsewhere (or could
   * not be rescheduled), plus envoy's batch wait and a settling delay, as v2.9.0's waiter does.
   */
  private onAgentDrain(call: CallId, req: PbAgentDrainRequest): void {
    this.log("info", `Draining server replica ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer", func: "AgentDrain" });
    const key = drainKey(req.serverName, req.replicaIdx);
    let models: string[];
    try {
      models = this.store.drainServerReplica(req.serverName, req.replicaIdx);
    } catch (e) {
      this.log("error", `Failed to remove replica and redeploy models for ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer", error: msg(e) });
      this.finishDrain(call);
      return;
    }
    // A second drain of the same replica replaces the waiter: the first call is never answered.
    if (models.length > 0) this.drainWaits.set(key, { models: new Set(models), calls: [] });
    this.whenReady(() => {
      for (const name of models) {
        if (!this.schedule(name)) {
          this.log("debug", `Failed to reschedule model ${name} when server ${req.serverName} replica ${req.replicaIdx} draining`, { source: "AgentServer" });
          this.signalModelRelocated(name);
        }
      }
      const wait = this.drainWaits.get(key);
      if (wait && wait.models.size > 0) wait.calls.push(call);
      else this.settleDrain(call);
    });
  }

  /** A model of a draining replica is available on another replica (or gave up). */
  private signalModelRelocated(name: string): void {
    for (const [key, wait] of [...this.drainWaits]) {
      wait.models.delete(name);
      if (wait.models.size === 0) {
        this.drainWaits.delete(key);
        for (const call of wait.calls) this.settleDrain(call);
      }
    }
  }

  /** Envoy is eventually consistent: Seldon sleeps its batch wait plus a margin before answering. */
  private settleDrain(call: CallId): void {
    this.out.push({ kind: "setTimer", timer: `${DRAIN_TIMER_PREFIX}${call}`, afterMs: this.profile.envoyBatchWaitMs + this.profile.serverDrainingExtraWaitMs });
  }

  private finishDrain(call: CallId): void {
    this.reply(call, { success: true }, OK_STATUS);
  }

  /**
   * A scaling trigger from an agent: applied if the model has autoscaling (min or max replicas),
   * whatever `--enable-model-autoscaling` says; refusals are logged at debug with Seldon's reason.
   */
  private onScalingTrigger(m: PbModelScalingTriggerMessage): void {
    const trigger = m.trigger === "SCALE_UP" ? 0 : m.trigger === "SCALE_DOWN" ? 1 : m.trigger;
    this.log("debug", `Received scaling event ${trigger} from server ${m.serverName}:${m.replicaIdx} for model ${m.modelName}:${m.modelVersion}`, { source: "AgentServer", func: "ModelScalingTrigger" });
    const refuse = (reason: string): void => {
      this.log("debug", `Could not scale model ${m.modelName}:${m.modelVersion}, type: ${trigger}`, { source: "AgentServer", func: "ModelScalingTrigger", error: reason });
    };
    const model = this.store.models.get(m.modelName);
    // Seldon's store answers an unknown name with an empty model, so the refusal is the one for no versions
    if (!model) return refuse(`Model ${m.modelName} does not exist yet, possibly due to scheduler restarting`);
    const latest = model.latest();
    if (!latest) return refuse(`Model ${m.modelName} does not exist yet, possibly due to scheduler restarting`);
    const lastAvailable = model.lastAvailable();
    const down = m.trigger === "SCALE_DOWN" && !model.deleted;
    const up = m.trigger === "SCALE_UP" && lastAvailable !== undefined && lastAvailable.version === latest.version;
    if (!up && !down) return refuse(`Cannot scale model version ${m.modelName}`);
    if (latest.version !== m.modelVersion) {
      return refuse(`Model version ${m.modelName} not matching (expected: ${latest.version} - actual: ${m.modelVersion})`);
    }
    if (down && !(latest.status.at < this.now - this.profile.modelScalingCooldownMs)) {
      return refuse(`Model ${m.modelName} has changed status recently, skip scaling`);
    }
    const spec = latest.defn.deploymentSpec;
    const minReplicas = spec?.minReplicas ?? 0;
    const maxReplicas = spec?.maxReplicas ?? 0;
    const wanted = (spec?.replicas ?? 0) + (up ? 1 : -1);
    if (minReplicas === 0 && maxReplicas === 0) return refuse(`No autoscaling for model ${m.modelName}`);
    if (wanted < minReplicas || wanted < 1) return refuse(`Violating min replicas ${minReplicas} / ${wanted} for model ${m.modelName}`);
    if (wanted > maxReplicas && maxReplicas > 0) return refuse(`Violating max replicas ${maxReplicas} / ${wanted} for model ${m.modelName}`);
    const defn = structuredClone(latest.defn);
    defn.deploymentSpec = { ...spec!, replicas: wanted };
    try {
      this.store.updateModel({ model: defn }, "adopt");
    } catch (e) {
      return refuse(msg(e));
    }
    this.whenReady(() => {
      const error = this.scheduleToServer(m.modelName);
      if (error) refuse(error);
    });
  }

  private onServerNotify(call: CallId, req: PbServerNotifyRequest): void {
    let expected = 0;
    for (const s of req.servers) {
      this.log("info", `Server notification ${s.name} expectedReplicas ${s.expectedReplicas} shared ${s.shared}`, { source: "SchedulerServer", func: "ServerNotify" });
      this.store.serverNotify(s);
      if (s.expectedReplicas === 0) this.whenReady(() => this.rescheduleModelsOf(s.name));
      expected += s.expectedReplicas;
    }
    if (req.isFirstSync && !this.synchroniser.isReady()) {
      const outcome = this.synchroniser.signal(expected);
      this.log("info", `Signalling synchroniser with ${expected} expected server agents to connect`, { source: "SchedulerServer", func: "ServerNotify" });
      this.onSynchroniser(outcome);
    }
    this.reply(call, {}, OK_STATUS);
  }

  private rescheduleModelsOf(serverName: string): void {
    const server = this.store.servers.get(serverName);
    if (!server) {
      this.log("error", `Failed to get server ${serverName}`, { source: "SchedulerServer", func: "rescheduleModels", error: `Server [${serverName}] not found` });
      return;
    }
    const names = new Set<string>();
    for (const r of server.replicas.values()) for (const k of [...r.loaded, ...r.loading]) names.add(k.slice(0, k.lastIndexOf(":")));
    for (const name of names) {
      const error = this.scheduleToServer(name);
      if (error) this.log("error", `Failed to reschedule model ${name} for server ${serverName}`, { source: "SchedulerServer", func: "rescheduleModels", error });
    }
  }

  private onLoadModel(call: CallId, req: PbLoadModelRequest): void {
    try {
      // the request was read into fresh objects (requests.ts) that nothing else holds
      this.store.updateModel(req, "adopt");
    } catch (e) {
      this.out.push({ kind: "finish", call, status: { code: Status.FAILED_PRECONDITION, details: msg(e) } });
      return;
    }
    this.reply(call, {}, OK_STATUS);
    const name = req.model?.meta?.name ?? "";
    this.whenReady(() => {
      const error = this.scheduleToServer(name);
      if (error) this.log("warning", `Failed to schedule model ${name}`, { source: "SchedulerServer", func: "LoadModel", error });
    });
  }

  private onUnloadModel(call: CallId, req: PbUnloadModelRequest): void {
    try {
      this.store.removeModel(req);
    } catch (e) {
      this.out.push({ kind: "finish", call, status: { code: Status.FAILED_PRECONDITION, details: msg(e) } });
      return;
    }
    this.reply(call, {}, OK_STATUS);
    const name = req.model?.name ?? "";
    this.whenReady(() => {
      const error = this.scheduleToServer(name);
      if (error) this.log("warning", `Failed to schedule model ${name} (for unload)`, { source: "SchedulerServer", func: "UnloadModel", error });
    });
  }

  // -------------------------------------------------------------------------------------------
  // The start-up synchroniser

  /** Run `work` now if the synchroniser is ready, else once it is (in the order asked). */
  private whenReady(work: () => void): void {
    if (this.synchroniser.isReady()) work();
    else this.deferred.push(work);
  }

  private onSynchroniser(outcome: SyncOutcome): void {
    if (outcome === "waiting" || outcome === "unchanged") return;
    this.out.push({ kind: "clearTimer", timer: SYNC_TIMER });
    this.log("debug", "Synchroniser is ready", { source: "ServerBasedSynchroniser" });
    if (outcome === "allConnected") {
      this.log("info", `All (num: ${this.synchroniser.expectedReplicas()}) servers connected`, { source: "ServerBasedSynchroniser" });
    }
    this.out.push({ kind: "setTimer", timer: XDS_TIMER, afterMs: this.profile.xdsWaitMs });
    const work = this.deferred;
    this.deferred = [];
    for (const w of work) {
      w();
      this.drain();
    }
  }

  private onModelStatus(call: CallId, req: PbModelStatusRequest): void {
    this.log("info", `received status request from ${req.subscriberName}`, { source: "SchedulerServer", func: "ModelStatus" });
    if (!req.model) {
      for (const model of this.store.models.values()) {
        const s = this.modelStatus(model, req.allVersions);
        if (s) this.out.push({ kind: "reply", call, message: s });
      }
      this.out.push({ kind: "finish", call, status: OK_STATUS });
      return;
    }
    const model = this.store.models.get(req.model.name);
    const s = model && this.modelStatus(model, req.allVersions);
    if (!s) {
      this.out.push({ kind: "finish", call, status: { code: Status.FAILED_PRECONDITION, details: `Failed to find model ${req.model.name}` } });
      return;
    }
    this.out.push({ kind: "reply", call, message: s });
    this.out.push({ kind: "finish", call, status: OK_STATUS });
  }

  private onServerStatus(call: CallId, req: PbServerStatusRequest): void {
    this.log("info", `received status request from ${req.subscriberName}`, { source: "SchedulerServer", func: "ServerStatus" });
    if (req.name === undefined || req.name === null || req.name === "") {
      for (const server of this.store.servers.values()) this.out.push({ kind: "reply", call, message: serverStatus(server) });
      this.out.push({ kind: "finish", call, status: OK_STATUS });
      return;
    }
    const server = this.store.servers.get(req.name);
    if (!server) {
      this.out.push({ kind: "finish", call, status: { code: Status.FAILED_PRECONDITION, details: `Server [${req.name}] not found` } });
      return;
    }
    this.out.push({ kind: "reply", call, message: serverStatus(server) });
    this.out.push({ kind: "finish", call, status: OK_STATUS });
  }

  // -------------------------------------------------------------------------------------------
  // Scheduling

  /** Seldon's `Schedule`: place one model; a placement short of replicas may ask to scale its server up. */
  private schedule(name: string): boolean {
    return this.scheduleToServer(name) === null;
  }

  private scheduleFailedModels(): void {
    for (const model of [...this.store.models.values()]) {
      const mv = model.latest();
      if (!mv) continue;
      const st = mv.status;
      if (
        st.state === "ModelFailed" || st.state === "ScheduleFailed" ||
        (st.state === "ModelAvailable" && st.availableReplicas < mv.desiredReplicas())
      ) {
        // Seldon's ScheduleFailedModels drops the scale-up events its placements produce
        if (this.scheduleToServer(model.name, false) !== null) {
          this.log("debug", `Failed to schedule failed model ${model.name}`, { Name: "SimpleScheduler" });
        }
      }
    }
  }

  /**
   * Returns the error message, or null on success. `publishScaleUp`: whether a placement short of
   * replicas sends its server event (Schedule does; ScheduleFailedModels does not).
   */
  private scheduleToServer(name: string, publishScaleUp = true): string | null {
    const model = this.store.models.get(name);
    // Seldon's store answers an unknown name with an empty model: no latest version
    if (!model) return "Unable to find latest version for model";
    const latest = model.latest();
    if (!latest) return "Unable to find latest version for model";
    const fields = { Name: "SimpleScheduler", func: "scheduleToServer", model: name };
    if (model.deleted) {
      for (const mv of model.versions) {
        if (mv.hasLiveReplicas()) {
          try {
            this.store.unloadVersionModels(name, mv.version);
          } catch (e) {
            this.log("warning", `Failed to unload model ${name} version ${mv.version}`, { ...fields, error: msg(e) });
          }
        }
      }
      try {
        this.store.updateLoadedModels(name, latest.version, latest.server, []);
      } catch (e) {
        this.log("warning", "Failed to unschedule model replicas from server", { ...fields, server: latest.server, error: msg(e) });
      }
      return null;
    }
    const placement = placeModel(this.store, model, this.chains);
    const d = placement.decision;
    if (this.recordDecisions) {
      this.decisions.push(placement);
      this.out.push({ kind: "observe", event: { type: "scheduler.decision", model: name, version: latest.version, placement } });
    } else {
      this.out.push({ kind: "observe", event: { type: "scheduler.decision", model: name, version: latest.version, server: d.server, replicaIdxs: d.replicaIdxs, error: d.error } });
    }
    if (d.server !== null) {
      try {
        this.store.updateLoadedModels(name, latest.version, d.server, d.replicaIdxs);
      } catch (e) {
        this.log("warning", "Failed to update model replicas", { Name: "SimpleScheduler", func: "findAndUpdateToServers", model: name, server: d.server });
        return msg(e);
      }
      if (d.minReplicasFallback) {
        this.log("warning", "Failed to schedule model as no matching server had enough suitable replicas, managed to schedule with min replicas", fields);
      }
    }
    if (d.failedScheduling) this.store.failedScheduling(latest, d.failedScheduling.message, d.failedScheduling.clearServer);
    if (d.scaleUpSuppressed) {
      this.log("warning", `Empty server for ${name} so ignoring scale up request`, { Name: "SimpleScheduler", func: "serverScaleUp" });
    }
    for (const ev of publishScaleUp ? d.serverScaleUpEvents : []) {
      this.log("debug", `Sending server event for ${ev.serverName}`, { Name: "SimpleScheduler" });
      this.store.events.push({ type: "server", name: ev.serverName, context: "scaleUp" });
    }
    return d.error;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  private drain(): void {
    const events = this.store.events;
    while (events.length > 0) {
      const ev = events.shift()!;
      if (ev.type === "model") this.onModelEvent(ev);
      else this.onServerEvent(ev);
    }
    this.flushStoreLogs();
  }

  private onModelEvent(ev: Extract<StoreEvent, { type: "model" }>): void {
    const model = this.store.models.get(ev.name);
    if (!model) return;
    // 1. status stream to the controller: only for the latest version
    if (this.modelSubscribers.size > 0 && model.latest()?.version === ev.version) {
      const status = this.modelStatus(model, false);
      if (status) for (const call of this.modelSubscribers.keys()) this.out.push({ kind: "reply", call, message: status });
    }
    // 2. server status: batched; a version without server is where Seldon logs and gives up
    const mv = model.version(ev.version);
    if (!mv) {
      this.log("warning", `Failed to find model version ${ev.name}:${ev.version} so ignoring event`, { source: "SchedulerServer", func: "updateServerModelStatus" });
    } else if (mv.server === "") {
      this.log("warning", `Empty server for ${ev.name}:${ev.version} so ignoring event`, { source: "SchedulerServer", func: "updateServerModelStatus" });
    } else {
      this.pendingServerStatus.add(mv.server);
      if (!this.serverStatusTimerSet) {
        this.serverStatusTimerSet = true;
        this.out.push({ kind: "setTimer", timer: "serverStatus", afterMs: this.profile.serverStatusBatchWaitMs });
      }
    }
    // 3. agent sync: send the load and unload requests the store asks for
    this.sync(model);
    // 4. routing (envoy): the route table now, replica states in the next batch
    this.modelUpdate(model);
  }

  private onServerEvent(ev: Extract<StoreEvent, { type: "server" }>): void {
    this.out.push({ kind: "observe", event: { type: "scheduler.serverEvent", server: ev.name, context: ev.context } });
    if (ev.context === "replicaConnected") {
      if (!this.synchroniser.isReady()) this.onSynchroniser(this.synchroniser.replicaConnected(ev.name, ev.idx ?? 0));
      return;
    }
    this.onServerScaling(ev.name, ev.context);
  }

  /** Seldon's handleServerEvents: a ServerScalingRequest to the controller when the server should scale. */
  private onServerScaling(serverName: string, context: "scaleUp" | "scaleDown"): void {
    const server = this.store.servers.get(serverName);
    if (!server) {
      this.log("error", `Failed to get server ${serverName}`, { source: "SchedulerServer", func: "handleServerEvents", error: `Server [${serverName}] not found` });
      return;
    }
    if (!this.serverAutoscaling) return;
    const view = {
      expectedReplicas: server.expectedReplicas, minReplicas: server.minReplicas, maxReplicas: server.maxReplicas,
      stats: this.serverStats(serverName),
    };
    const fields = { source: "SchedulerServer", func: "handleServerEvents" };
    const decision = context === "scaleDown" ? shouldScaleDown(view, this.packThreshold, this.rng) : shouldScaleUp(view);
    if (!decision.scale) return;
    this.log("info", `Server ${serverName} is scaling ${context === "scaleDown" ? "down" : "up"} to ${decision.replicas}`, fields);
    this.log("debug", `will attempt to scale servers to ${decision.replicas} for ${serverName}`, { source: "SchedulerServer", func: "sendServerScale" });
    const message: PbServerStatusResponse = {
      type: "ScalingRequest",
      serverName,
      resources: [],
      expectedReplicas: decision.replicas,
      availableReplicas: 0,
      numLoadedModelReplicas: 0,
      kubernetesMeta: server.kubernetesMeta,
    };
    for (const call of this.serverSubscribers.keys()) this.out.push({ kind: "reply", call, message });
  }

  /** The store's ServerStats: empty replicas, and the most replicas a model placed there wants. */
  serverStats(serverName: string): ServerStats {
    let empty = 0;
    for (const r of this.store.servers.get(serverName)?.replicas.values() ?? []) {
      if (r.loaded.size === 0 && r.loading.size === 0) empty++;
    }
    let maxHosted = 0;
    for (const model of this.store.models.values()) {
      const latest = model.latest();
      if (latest && latest.server === serverName) maxHosted = Math.max(maxHosted, latest.desiredReplicas());
    }
    return { numEmptyReplicas: empty, maxNumReplicaHostedModels: maxHosted };
  }

  private sync(model: Model): void {
    const latest = model.latest();
    // a model available again releases the drains waiting for it (there are none to release
    // while no drain waits, which is nearly always)
    if (latest && this.drainWaits.size > 0 && latest.hasReplicaInState("Available")) this.signalModelRelocated(model.name);
    // most events find nothing to send: the fields are made only for a version that has
    if (latest && latest.hasReplicaInState("LoadRequested")) {
      const fields = syncFields();
      for (const idx of latest.replicasInState("LoadRequested")) {
        this.log("info", `Sending load model request for ${model.name}`, fields);
        const agent = this.agents.get(agentKey(latest.server, idx));
        if (!agent) {
          this.log("error", `Failed to find server replica for ${latest.server}:${idx}`, fields);
          continue;
        }
        if (agent.closed) {
          const error = this.profile.closedStreamSendError;
          this.log("error", `stream message send failed for model ${model.name} and replicaidx ${idx}`, { ...fields, error });
          this.moveReplica(latest, idx, "LoadRequested", "LoadFailed", "loadSendFailed", error);
          continue;
        }
        const op: PbModelOperationMessage = {
          operation: "LOAD_MODEL",
          modelVersion: { model: latest.definitionForMessage(), version: latest.version },
          autoscalingEnabled: autoscalingEnabled(latest) && this.autoscaling,
        };
        this.out.push({ kind: "reply", call: agent.call, message: op });
        this.moveReplica(latest, idx, "LoadRequested", "Loading", "loadSent");
      }
    }
    for (const mv of model.versions) {
      if (!mv.hasReplicaInState("UnloadRequested")) continue;
      const fields = syncFields();
      for (const idx of mv.replicasInState("UnloadRequested")) {
        this.log("info", `Sending unload model request for ${model.name}:${mv.version}`, { source: "AgentServer" });
        const agent = this.agents.get(agentKey(mv.server, idx));
        if (!agent) {
          this.log("error", `Failed to find server replica for ${mv.server}:${idx}`, fields);
          continue;
        }
        if (agent.closed) {
          const error = this.profile.closedStreamSendError;
          this.log("error", `stream message send failed for model ${model.name} and replicaidx ${idx}`, { ...fields, error });
          // v2.9.0 records the failure against the latest version, not the one being unloaded
          const target = this.profile.unloadSendFailureUsesLatestVersion && latest ? latest : mv;
          this.moveReplica(target, idx, "UnloadRequested", "UnloadFailed", "unloadSendFailed", error);
          continue;
        }
        const op: PbModelOperationMessage = {
          operation: "UNLOAD_MODEL",
          modelVersion: { model: mv.definitionForMessage(), version: mv.version },
          autoscalingEnabled: false,
        };
        this.out.push({ kind: "reply", call: agent.call, message: op });
        this.moveReplica(mv, idx, "UnloadRequested", "Unloading", "unloadSent");
      }
    }
  }

  private moveReplica(mv: ModelVersion, idx: number, expected: ReplicaState, desired: ReplicaState, cause: ReplicaCause, reason = ""): void {
    try {
      this.store.updateModelState({
        name: mv.name, version: mv.version, serverName: mv.server, idx, availableMemory: null, expected, desired, reason, cause, runtimeInfo: null,
      });
    } catch (e) {
      this.log("error", `Sync set model state failed for model ${mv.name} replicaidx ${idx}`, { source: "AgentServer", func: "Sync", error: msg(e) });
    }
  }

  /**
   * Seldon's modelUpdate: rebuild the model's route from the store (removing it first, and for
   * good when the model cannot take traffic), then queue the latest version for the batch that
   * moves replica states.
   */
  private modelUpdate(model: Model): void {
    const latest = model.latest();
    if (!latest) {
      this.removeRoute(model.name);
      return;
    }
    const canRoute = model.canReceiveTraffic() && this.store.servers.has(latest.server);
    // worked out once: removing the route changes nothing the splits are made of
    const splits = canRoute ? this.routeSplits(model, latest) : null;
    if (splits !== null && this.routeUnchanged(model.name, splits)) {
      // what removing the route and adding it again would log and leave, without the rebuild
      this.log("info", `Remove routes for model ${model.name}`, { source: "SeldonXDSCache", func: "RemoveRoute" });
      this.routes.readdUnchanged(model.name);
      this.log("info", `Handle vanilla no experiment traffic for ${model.name}`, { source: "IncrementalProcessor", func: "addTraffic" });
      this.routingUpdate(model.name, latest);
      return;
    }
    this.removeRoute(model.name);
    if (canRoute) {
      this.log("info", `Handle vanilla no experiment traffic for ${model.name}`, { source: "IncrementalProcessor", func: "addTraffic" });
      this.addModelTraffic(model, splits);
    }
    this.routingUpdate(model.name, latest);
  }

  private removeRoute(name: string): void {
    this.log("info", `Remove routes for model ${name}`, { source: "SeldonXDSCache", func: "RemoveRoute" });
    if (!this.routes.removeRoute(name)) {
      this.log("warning", `No route found for model ${name}`, { source: "SeldonXDSCache", func: "RemoveRoute" });
    }
  }

  /** `splits`: the model's `routeSplits`, null when its last available version's server is gone. */
  private addModelTraffic(model: Model, splits: readonly RouteSplit[] | null): void {
    if (splits === null) {
      const server = model.lastAvailable()!.server;
      this.log("error", `Failed to find server ${server} for last available model ${model.name}`, { source: "IncrementalProcessor", func: "addModelTraffic", error: `Server [${server}] not found` });
      this.log("error", `Failed to add traffic for model ${model.name}`, { source: "IncrementalProcessor", func: "modelUpdate", error: `Server [${server}] not found` });
      this.removeRoute(model.name);
      return;
    }
    for (const split of splits) {
      for (const idx of this.routes.addVersion(model.name, split)) {
        this.log("warning", `Invalid replica index ${idx} for server ${split.server}`, { source: "SeldonXDSCache", func: "AddClustersForRoute" });
      }
    }
  }

  /**
   * Whether `addModelTraffic` would add back exactly the route the table holds, with nothing to
   * log: the splits it would add (same weights, same replicas) against the table's.
   */
  private routeUnchanged(name: string, splits: readonly RouteSplit[]): boolean {
    // no split at all leaves no route, which the table has: not the case to skip
    return splits.length > 0 && this.routes.unchanged(name, splits);
  }

  /**
   * The splits of the model's route: the latest version alone, or during a rollout the last
   * available one and the latest sharing the traffic by their replicas. A version without
   * assigned replicas gets no split (Seldon: "Not updating route ... no assigned replicas", at
   * debug). Null when the last available version's server is gone.
   */
  private routeSplits(model: Model, latest: ModelVersion): RouteSplit[] | null {
    const lastAvailable = model.lastAvailable();
    const splits: RouteSplit[] = [];
    const latestReplicas = latest.assignment();
    if (lastAvailable && lastAvailable.version !== latest.version) {
      if (!this.store.servers.has(lastAvailable.server)) return null;
      const lastReplicas = lastAvailable.assignment();
      const share = trafficShare(latestReplicas.length, lastReplicas.length, 100);
      this.pushSplit(splits, lastAvailable, share.lastAvailable, lastReplicas);
      this.pushSplit(splits, latest, share.latest, latestReplicas);
    } else {
      this.pushSplit(splits, latest, 100, latestReplicas);
    }
    return splits;
  }

  private pushSplit(splits: RouteSplit[], mv: ModelVersion, weight: number, replicas: number[]): void {
    if (replicas.length === 0) return;
    splits.push({
      model: mv.name, version: mv.version, server: mv.server, weight, logPayloads: mv.defn.deploymentSpec?.logPayloads ?? false, replicas,
      serverReplicas: this.store.servers.get(mv.server)?.replicas,
    });
  }

  /** Envoy's incremental processor: queue the model and run the batch now or after the wait. */
  private routingUpdate(name: string, mv: ModelVersion): void {
    if (!this.pendingRouting.has(mv)) this.pendingRouting.set(mv, name);
    if (this.lastRoutingTrigger === null) this.lastRoutingTrigger = this.now;
    if (this.now - this.lastRoutingTrigger > this.profile.envoyBatchWaitMs) {
      this.routingSync();
      this.lastRoutingTrigger = this.now;
      return;
    }
    if (!this.routingTimerSet) {
      this.routingTimerSet = true;
      this.out.push({ kind: "setTimer", timer: "routing", afterMs: this.profile.envoyBatchWaitMs });
    }
  }

  private routingSync(): void {
    const pending = this.pendingRouting;
    this.pendingRouting = new Map();
    if (this.routingTimerSet) {
      this.routingTimerSet = false;
      this.out.push({ kind: "clearTimer", timer: "routing" });
    }
    for (const [queued, name] of pending) {
      const model = this.store.models.get(name);
      const mv = model?.version(queued.version);
      if (!model || !mv || !this.store.servers.has(mv.server)) continue;
      for (const idx of mv.assignment()) {
        const state = mv.replicaState(idx);
        // A replica already Available stays as it is: the store's move from Available to
        // Available changes, publishes and logs nothing (the model, version and server are all
        // there, checked above). Most of a batch is such replicas, routed by an earlier batch.
        if (state === "Draining" || state === "Available") continue;
        this.moveReplicaRouting(mv, idx, state, "Available", "routed");
      }
      for (const idx of mv.replicasInState("UnloadEnvoyRequested")) {
        this.moveReplicaRouting(mv, idx, "UnloadEnvoyRequested", "UnloadRequested", "unrouted");
      }
      // version clean-up runs only for a model that has a route
      if (this.routes.has(name) && model.latest()?.status.state === "ModelAvailable") {
        for (const old of model.versionsBeforeLastAvailable()) {
          try {
            this.store.unloadVersionModels(name, old.version);
          } catch (e) {
            this.log("warning", `Failed to run cleanup old versions for model ${name}`, { source: "VersionCleaner", func: "RunCleanup", error: msg(e) });
            break;
          }
        }
      }
    }
  }

  private moveReplicaRouting(mv: ModelVersion, idx: number, expected: ReplicaState, desired: ReplicaState, cause: ReplicaCause): void {
    try {
      this.store.updateModelState({
        name: mv.name, version: mv.version, serverName: mv.server, idx, availableMemory: null, expected, desired, reason: "", cause, runtimeInfo: null,
      });
    } catch (e) {
      this.log("warning", `Failed to update replica state for model ${mv.name} to ${desired} from ${expected}`, { source: "IncrementalProcessor", func: "modelSync", error: msg(e) });
    }
  }

  private sendServerStatuses(): void {
    const names = [...this.pendingServerStatus];
    this.pendingServerStatus.clear();
    for (const name of names) {
      const server = this.store.servers.get(name);
      if (!server) {
        this.log("error", `Failed to get server ${name}`, { source: "SchedulerServer", func: "sendServerStatus" });
        continue;
      }
      const status = serverStatus(server);
      for (const call of this.serverSubscribers.keys()) this.out.push({ kind: "reply", call, message: status });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Status messages

  modelStatus(model: Model, allVersions: boolean): PbModelStatusResponse | null {
    const latest = model.latest();
    if (!latest) return null;
    const versions = allVersions ? model.versions : [latest];
    return { modelName: model.name, versions: versions.map((v) => versionStatus(v)), deleted: model.deleted };
  }

  private reply(call: CallId, message: object, status: GrpcStatus): void {
    this.out.push({ kind: "reply", call, message });
    this.out.push({ kind: "finish", call, status });
  }

  /** The store's own log lines (MemoryStore), in order before whatever the scheduler says next. */
  private flushStoreLogs(): void {
    // asked before every line the scheduler logs; the store has said nothing most of the time
    if (this.store.logs.length === 0) return;
    for (const l of this.store.logs.splice(0)) this.out.push({ kind: "log", level: l.level, msg: l.msg, fields: l.fields });
  }

  private log(level: LogLevel, text: string, fields?: Fields): void {
    this.flushStoreLogs();
    this.out.push(fields ? { kind: "log", level, msg: text, fields } : { kind: "log", level, msg: text });
  }
}

function versionStatus(mv: ModelVersion): PbModelVersionStatus {
  const replicaStates: PbModelVersionStatus["modelReplicaState"] = {};
  for (const [idx, r] of mv.replicas) replicaStates[String(idx)] = { state: r.state, reason: r.reason };
  return {
    version: mv.version,
    serverName: mv.server,
    kubernetesMeta: mv.defn.meta?.kubernetesMeta ?? null,
    modelReplicaState: replicaStates,
    state: {
      state: mv.status.state,
      reason: mv.status.reason,
      availableReplicas: mv.status.availableReplicas,
      unavailableReplicas: mv.status.unavailableReplicas,
    },
    // The trace may keep this message: it must not show what the store sets afterwards (the
    // runtime info an agent reports lands on the stored modelSpec).
    modelDefn: mv.definitionForMessage(),
  };
}

export function serverStatus(server: Server): PbServerStatusResponse {
  const resources = [...server.replicas.values()]
    .filter((r) => !r.draining)
    .map((r) => ({
      replicaIdx: r.idx,
      totalMemoryBytes: uint64ToWire(r.memory),
      availableMemoryBytes: uint64ToWire(r.availableMemory),
      numLoadedModels: distinctLoadedModels(r),
      overCommitPercentage: r.overCommitPercentage,
    }));
  return {
    type: "StatusUpdate",
    serverName: server.name,
    resources,
    expectedReplicas: server.expectedReplicas,
    availableReplicas: resources.length,
    numLoadedModelReplicas: resources.reduce((a, r) => a + r.numLoadedModels, 0),
    kubernetesMeta: server.kubernetesMeta,
  };
}

/** The fields of agent sync's log lines. */
function syncFields(): Fields {
  return { source: "AgentServer", func: "Sync" };
}

function autoscalingEnabled(mv: ModelVersion): boolean {
  const spec = mv.defn.deploymentSpec;
  return !!spec && (spec.minReplicas > 0 || spec.maxReplicas > 0);
}

/** The replica move each agent event asks the store for. */
const AGENT_EVENT_MOVES: ReadonlyMap<string, readonly [ReplicaState, ReplicaState, ReplicaCause]> = new Map([
  ["LOADED", ["Loading", "Loaded", "agentLoaded"]],
  ["UNLOADED", ["Unloading", "Unloaded", "agentUnloaded"]],
  ["LOAD_FAILED", ["Loading", "LoadFailed", "agentLoadFailed"]],
  ["LOAD_FAIL_MEMORY", ["Loading", "LoadFailed", "agentLoadFailed"]],
  ["UNLOAD_FAILED", ["Unloading", "UnloadFailed", "agentUnloadFailed"]],
]);
const UNKNOWN_AGENT_EVENT_MOVE = ["ModelReplicaStateUnknown", "ModelReplicaStateUnknown", "agentLoaded"] as const;

const agentKey = (server: string, idx: number): AgentKey => `${server}:${idx}`;
/** Seldon's waiter names a replica `server_idx`. */
const drainKey = (server: string, idx: number): string => `${server}_${idx}`;

function msg(e: unknown): string {
  if (e instanceof StoreError || e instanceof Error) return e.message;
  return String(e);
}
