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
  PbSubscriptionRequest,
  PbUnloadModelRequest,
} from "../proto/messages.ts";
import { MemoryStore, StoreError, type StoreEvent } from "./store.ts";
import type { Model, ModelVersion, Server } from "./model.ts";
import type { ReplicaCause, ReplicaState } from "./states.ts";
import { placeModel, type PlacementView, type PlacementChains } from "./placement.ts";

export const SCHEDULER_PORT = 9004;
export const AGENT_PORT = 9005;
/** Seldon batches routing updates and server status updates by this long. */
export const ENVOY_BATCH_WAIT_MS = 250;
export const SERVER_STATUS_BATCH_WAIT_MS = 250;
/** A scale-down trigger is ignored while the model changed state this recently. */
export const MODEL_SCALING_COOLDOWN_MS = 60_000;

export interface SchedulerOptions {
  name?: string;
  namespace?: string;
  schedulerPort?: number;
  agentPort?: number;
  chains?: Partial<PlacementChains>;
  /** Seldon's `--enable-model-autoscaling`: honour agents' ModelScalingTrigger. */
  modelAutoscaling?: boolean;
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
}

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
  private readonly scalingCalls = new Set<CallId>();
  private readonly modelSubscribers = new Map<CallId, string>();
  private readonly serverSubscribers = new Map<CallId, string>();
  private readonly controlPlaneSubscribers = new Map<CallId, string>();
  private pendingRouting: { name: string; version: number }[] = [];
  private routingTimerSet = false;
  private lastRoutingTrigger: Millis | null = null;
  private pendingServerStatus = new Set<string>();
  private serverStatusTimerSet = false;

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
    this.store = new MemoryStore(() => this.now);
  }

  handle(input: Input, now: Millis): Effect[] {
    this.now = now;
    this.out = [];
    switch (input.kind) {
      case "start":
        this.log("info", `Scheduler server running on ${this.listeners[0]!.port} mtls:false`, { source: "SchedulerServer" });
        this.log("info", `Agent server running on ${this.listeners[1]!.port} mtls:false`, { source: "AgentServer" });
        break;
      case "incoming":
        this.onCall(input.call, input.method, input.request);
        break;
      case "incomingMessage":
        if (this.scalingCalls.has(input.call)) this.onScalingTrigger(input.message as PbModelScalingTriggerMessage);
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
    switch (method) {
      case M.agent.Subscribe: return this.onAgentSubscribe(call, request as PbAgentSubscribeRequest);
      case M.agent.AgentEvent: return this.onAgentEvent(call, request as PbModelEventMessage);
      case M.agent.AgentDrain: return this.onAgentDrain(call, request as PbAgentDrainRequest);
      case M.agent.ModelScalingTrigger:
        this.scalingCalls.add(call);
        return;
      case M.scheduler.ServerNotify: return this.onServerNotify(call, request as PbServerNotifyRequest);
      case M.scheduler.LoadModel: return this.onLoadModel(call, request as PbLoadModelRequest);
      case M.scheduler.UnloadModel: return this.onUnloadModel(call, request as PbUnloadModelRequest);
      case M.scheduler.ModelStatus: return this.onModelStatus(call, request as PbModelStatusRequest);
      case M.scheduler.ServerStatus: return this.onServerStatus(call, request as PbServerStatusRequest);
      case M.scheduler.SchedulerStatus:
        this.log("info", `received status request from ${(request as PbSubscriptionRequest).subscriberName}`, { func: "SchedulerStatus" });
        return this.reply(call, { applicationVersion: "0.0.1" }, OK_STATUS);
      case M.scheduler.SubscribeModelStatus: {
        const who = (request as PbSubscriptionRequest).subscriberName;
        this.log("info", `Received subscribe request from ${who}`, { func: "SubscribeModelStatus" });
        for (const model of this.store.models.values()) {
          const status = this.modelStatus(model, false);
          if (status) this.out.push({ kind: "reply", call, message: status });
        }
        this.modelSubscribers.set(call, who);
        return;
      }
      case M.scheduler.SubscribeServerStatus: {
        const who = (request as PbSubscriptionRequest).subscriberName;
        this.log("info", `Received subscribe request from ${who}`, { func: "SubscribeServerStatus" });
        for (const server of this.store.servers.values()) this.out.push({ kind: "reply", call, message: serverStatus(server) });
        this.serverSubscribers.set(call, who);
        return;
      }
      case M.scheduler.SubscribeControlPlane: {
        const who = (request as PbSubscriptionRequest).subscriberName;
        this.log("info", `Received subscribe request from ${who}`, { func: "SubscribeControlPlane" });
        this.out.push({ kind: "reply", call, message: { event: "SEND_SERVERS" } });
        this.out.push({ kind: "reply", call, message: { event: "SEND_RESOURCES" } });
        this.controlPlaneSubscribers.set(call, who);
        return;
      }
      default:
        // Pipelines and experiments belong to the data plane, which the simulator does not model.
        this.out.push({
          kind: "finish",
          call,
          status: { code: Status.UNIMPLEMENTED, details: `method ${method} is not simulated by seldon-sim` },
        });
    }
  }

  private onCancelled(call: CallId): void {
    const agent = this.agentCalls.get(call);
    if (agent) {
      this.agentCalls.delete(call);
      const key = agentKey(agent.serverName, agent.idx);
      if (this.agents.get(key)?.call === call) this.agents.delete(key);
      this.log("info", `Client replica ${agent.serverName}:${agent.idx} has disconnected`, { source: "AgentServer" });
      let models: string[] = [];
      try {
        models = this.store.removeServerReplica(agent.serverName, agent.idx);
      } catch (e) {
        this.log("error", `Failed to remove replica and redeploy models for ${agent.serverName}:${agent.idx}`, { source: "AgentServer", error: msg(e) });
      }
      for (const name of models) this.schedule(name);
      this.scheduleFailedModels();
      return;
    }
    for (const subs of [this.modelSubscribers, this.serverSubscribers, this.controlPlaneSubscribers]) {
      const who = subs.get(call);
      if (who !== undefined) {
        subs.delete(call);
        this.log("info", `Stream disconnected ${who}`, { source: "SchedulerServer" });
      }
    }
    this.scalingCalls.delete(call);
  }

  private onAgentSubscribe(call: CallId, req: PbAgentSubscribeRequest): void {
    this.log("info", `Received subscribe request from ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer" });
    const stream: AgentStream = { call, serverName: req.serverName, idx: req.replicaIdx };
    this.agents.set(agentKey(req.serverName, req.replicaIdx), stream);
    this.agentCalls.set(call, stream);
    this.store.addServerReplica(req);
    for (const mv of req.loadedModels) {
      const name = mv.model?.meta?.name ?? "";
      if (!this.schedule(name)) {
        this.log("warning", `Failed to reschedule model ${name} from agent starting with state`, { source: "AgentServer" });
      }
    }
    this.scheduleFailedModels();
  }

  private onAgentEvent(call: CallId, ev: PbModelEventMessage): void {
    const move: Record<string, [ReplicaState, ReplicaState, ReplicaCause]> = {
      LOADED: ["Loading", "Loaded", "agentLoaded"],
      UNLOADED: ["Unloading", "Unloaded", "agentUnloaded"],
      LOAD_FAILED: ["Loading", "LoadFailed", "agentLoadFailed"],
      LOAD_FAIL_MEMORY: ["Loading", "LoadFailed", "agentLoadFailed"],
      UNLOAD_FAILED: ["Unloading", "UnloadFailed", "agentUnloadFailed"],
    };
    const [expected, desired, cause] = move[ev.event] ?? ["ModelReplicaStateUnknown", "ModelReplicaStateUnknown", "agentLoaded"];
    this.log("info", `Updating state for model ${ev.modelName} to ${desired}`, { source: "AgentServer" });
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
      });
    } catch (e) {
      this.log("info", `Failed Updating state for model ${ev.modelName}`, { source: "AgentServer", error: msg(e) });
      this.out.push({ kind: "finish", call, status: { code: Status.INTERNAL, details: msg(e) } });
      return;
    }
    this.reply(call, {}, OK_STATUS);
  }

  private onAgentDrain(call: CallId, req: PbAgentDrainRequest): void {
    this.log("info", `Draining server replica ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer" });
    try {
      for (const name of this.store.drainServerReplica(req.serverName, req.replicaIdx)) this.schedule(name);
    } catch (e) {
      this.log("error", `Failed to remove replica and redeploy models for ${req.serverName}:${req.replicaIdx}`, { source: "AgentServer", error: msg(e) });
    }
    this.reply(call, { success: true }, OK_STATUS);
  }

  private onScalingTrigger(m: PbModelScalingTriggerMessage): void {
    if (!this.autoscaling) return;
    const model = this.store.models.get(m.modelName);
    const latest = model?.latest();
    if (!model || !latest) return;
    const lastAvailable = model.lastAvailable();
    const down = m.trigger === "SCALE_DOWN" && !model.deleted;
    const up = m.trigger === "SCALE_UP" && lastAvailable !== undefined && lastAvailable.version === latest.version;
    if ((!up && !down) || latest.version !== m.modelVersion) return;
    if (down && latest.status.at > this.now - MODEL_SCALING_COOLDOWN_MS) return;
    const spec = latest.defn.deploymentSpec;
    if (!spec) return;
    const wanted = spec.replicas + (up ? 1 : -1);
    if (wanted < Math.max(1, spec.minReplicas) || (spec.maxReplicas > 0 && wanted > spec.maxReplicas)) return;
    const defn = structuredClone(latest.defn);
    defn.deploymentSpec = { ...spec, replicas: wanted };
    try {
      this.store.updateModel({ model: defn });
    } catch {
      return;
    }
    this.schedule(m.modelName);
  }

  private onServerNotify(call: CallId, req: PbServerNotifyRequest): void {
    let expected = 0;
    for (const s of req.servers) {
      this.log("info", `Server notification ${s.name} expectedReplicas ${s.expectedReplicas} shared ${s.shared}`, { func: "ServerNotify" });
      this.store.serverNotify(s);
      if (s.expectedReplicas === 0) this.rescheduleModelsOf(s.name);
      expected += s.expectedReplicas;
    }
    if (req.isFirstSync) {
      this.log("info", `Signalling synchroniser with ${expected} expected server agents to connect`, { func: "ServerNotify" });
    }
    this.reply(call, {}, OK_STATUS);
  }

  private rescheduleModelsOf(serverName: string): void {
    const server = this.store.servers.get(serverName);
    if (!server) return;
    const names = new Set<string>();
    for (const r of server.replicas.values()) for (const k of [...r.loaded, ...r.loading]) names.add(k.slice(0, k.lastIndexOf(":")));
    for (const name of names) this.schedule(name);
  }

  private onLoadModel(call: CallId, req: PbLoadModelRequest): void {
    try {
      this.store.updateModel(req);
    } catch (e) {
      this.out.push({ kind: "finish", call, status: { code: Status.FAILED_PRECONDITION, details: msg(e) } });
      return;
    }
    this.reply(call, {}, OK_STATUS);
    const name = req.model?.meta?.name ?? "";
    const error = this.scheduleToServer(name);
    if (error) this.log("warning", `Failed to schedule model ${name}`, { func: "LoadModel", error });
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
    const error = this.scheduleToServer(name);
    if (error) this.log("warning", `Failed to schedule model ${name} (for unload)`, { func: "UnloadModel", error });
  }

  private onModelStatus(call: CallId, req: PbModelStatusRequest): void {
    this.log("info", `received status request from ${req.subscriberName}`, { func: "ModelStatus" });
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
    this.log("info", `received status request from ${req.subscriberName}`, { func: "ServerStatus" });
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

  /** Seldon's `Schedule`: place one model; scale-up events are only logged (no server autoscaler). */
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
        this.scheduleToServer(model.name);
      }
    }
  }

  /** Returns the error message, or null on success. */
  private scheduleToServer(name: string): string | null {
    const model = this.store.models.get(name);
    if (!model) return "Unable to find model";
    const latest = model.latest();
    if (!latest) return "Unable to find latest version for model";
    if (model.deleted) {
      for (const mv of model.versions) {
        if (mv.hasLiveReplicas()) {
          try {
            this.store.unloadVersionModels(name, mv.version);
          } catch (e) {
            this.log("warning", `Failed to unload model ${name} version ${mv.version}`, { func: "scheduleToServer", error: msg(e) });
          }
        }
      }
      try {
        this.store.updateLoadedModels(name, latest.version, latest.server, []);
      } catch (e) {
        this.log("warning", "Failed to unschedule model replicas from server", { func: "scheduleToServer", server: latest.server, error: msg(e) });
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
        this.log("warning", "Failed to update model replicas", { func: "findAndUpdateToServers", server: d.server, error: msg(e) });
        return msg(e);
      }
      if (d.minReplicasFallback) {
        this.log("warning", "Failed to schedule model as no matching server had enough suitable replicas, managed to schedule with min replicas", { func: "scheduleToServer", model: name });
      }
    }
    if (d.failedScheduling) this.store.failedScheduling(latest, d.failedScheduling.message, d.failedScheduling.clearServer);
    for (const ev of d.serverScaleUpEvents) {
      this.log("debug", `Sending server event for ${ev.serverName}`, { func: "Schedule" });
    }
    if (d.scaleUpSuppressed) {
      this.log("warning", `Empty server for ${name} so ignoring scale up request`, { func: "serverScaleUp" });
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
  }

  private onModelEvent(ev: Extract<StoreEvent, { type: "model" }>): void {
    const model = this.store.models.get(ev.name);
    if (!model) return;
    // 1. status stream to the controller: only for the latest version
    if (model.latest()?.version === ev.version) {
      const status = this.modelStatus(model, false);
      if (status) for (const call of this.modelSubscribers.keys()) this.out.push({ kind: "reply", call, message: status });
    }
    // 2. server status: batched; a version without server is where Seldon logs and gives up
    const mv = model.version(ev.version);
    if (!mv) {
      this.log("warning", `Failed to find model version ${ev.name}:${ev.version} so ignoring event`, { func: "updateServerModelStatus" });
    } else if (mv.server === "") {
      this.log("warning", `Empty server for ${ev.name}:${ev.version} so ignoring event`, { func: "updateServerModelStatus" });
    } else {
      this.pendingServerStatus.add(mv.server);
      if (!this.serverStatusTimerSet) {
        this.serverStatusTimerSet = true;
        this.out.push({ kind: "setTimer", timer: "serverStatus", afterMs: SERVER_STATUS_BATCH_WAIT_MS });
      }
    }
    // 3. agent sync: send the load and unload requests the store asks for
    this.sync(model);
    // 4. routing (envoy): batched
    const latest = model.latest();
    if (latest) this.routingUpdate(model.name, latest.version);
  }

  private onServerEvent(ev: Extract<StoreEvent, { type: "server" }>): void {
    this.out.push({ kind: "observe", event: { type: "scheduler.serverEvent", server: ev.name, context: ev.context } });
  }

  private sync(model: Model): void {
    const latest = model.latest();
    if (latest) {
      for (const idx of latest.replicasInState("LoadRequested")) {
        this.log("info", `Sending load model request for ${model.name}`, { source: "AgentServer", func: "Sync" });
        const agent = this.agents.get(agentKey(latest.server, idx));
        if (!agent) {
          this.log("error", `Failed to find server replica for ${latest.server}:${idx}`, { source: "AgentServer", func: "Sync" });
          continue;
        }
        const op: PbModelOperationMessage = {
          operation: "LOAD_MODEL",
          modelVersion: { model: structuredClone(latest.defn), version: latest.version },
          autoscalingEnabled: autoscalingEnabled(latest) && this.autoscaling,
        };
        this.out.push({ kind: "reply", call: agent.call, message: op });
        this.moveReplica(latest, idx, "LoadRequested", "Loading", "loadSent");
      }
    }
    for (const mv of model.versions) {
      for (const idx of mv.replicasInState("UnloadRequested")) {
        this.log("info", `Sending unload model request for ${model.name}:${mv.version}`, { source: "AgentServer" });
        const agent = this.agents.get(agentKey(mv.server, idx));
        if (!agent) {
          this.log("error", `Failed to find server replica for ${mv.server}:${idx}`, { source: "AgentServer", func: "Sync" });
          continue;
        }
        const op: PbModelOperationMessage = {
          operation: "UNLOAD_MODEL",
          modelVersion: { model: structuredClone(mv.defn), version: mv.version },
          autoscalingEnabled: false,
        };
        this.out.push({ kind: "reply", call: agent.call, message: op });
        this.moveReplica(mv, idx, "UnloadRequested", "Unloading", "unloadSent");
      }
    }
  }

  private moveReplica(mv: ModelVersion, idx: number, expected: ReplicaState, desired: ReplicaState, cause: ReplicaCause): void {
    try {
      this.store.updateModelState({
        name: mv.name, version: mv.version, serverName: mv.server, idx, availableMemory: null, expected, desired, reason: "", cause,
      });
    } catch (e) {
      this.log("error", `Sync set model state failed for model ${mv.name} replicaidx ${idx}`, { source: "AgentServer", error: msg(e) });
    }
  }

  /** Envoy's incremental processor: queue the model and run the batch now or after the wait. */
  private routingUpdate(name: string, version: number): void {
    this.pendingRouting.push({ name, version });
    if (this.lastRoutingTrigger === null) this.lastRoutingTrigger = this.now;
    if (this.now - this.lastRoutingTrigger > ENVOY_BATCH_WAIT_MS) {
      this.routingSync();
      this.lastRoutingTrigger = this.now;
      return;
    }
    if (!this.routingTimerSet) {
      this.routingTimerSet = true;
      this.out.push({ kind: "setTimer", timer: "routing", afterMs: ENVOY_BATCH_WAIT_MS });
    }
  }

  private routingSync(): void {
    const pending = this.pendingRouting;
    this.pendingRouting = [];
    if (this.routingTimerSet) {
      this.routingTimerSet = false;
      this.out.push({ kind: "clearTimer", timer: "routing" });
    }
    for (const { name, version } of pending) {
      const model = this.store.models.get(name);
      const mv = model?.version(version);
      if (!model || !mv || !this.store.servers.has(mv.server)) continue;
      for (const idx of mv.assignment()) {
        const state = mv.replicaState(idx);
        if (state === "Draining") continue;
        this.moveReplicaRouting(mv, idx, state, "Available", "routed");
      }
      for (const idx of mv.replicasInState("UnloadEnvoyRequested")) {
        this.moveReplicaRouting(mv, idx, "UnloadEnvoyRequested", "UnloadRequested", "unrouted");
      }
      // version clean-up: once the latest version is available, older ones unload
      if (model.canReceiveTraffic() && model.latest()?.status.state === "ModelAvailable") {
        for (const old of model.versionsBeforeLastAvailable()) {
          try {
            this.store.unloadVersionModels(name, old.version);
          } catch (e) {
            this.log("warning", `Failed to run cleanup old versions for model ${name}`, { source: "VersionCleaner", error: msg(e) });
          }
        }
      }
    }
  }

  private moveReplicaRouting(mv: ModelVersion, idx: number, expected: ReplicaState, desired: ReplicaState, cause: ReplicaCause): void {
    try {
      this.store.updateModelState({
        name: mv.name, version: mv.version, serverName: mv.server, idx, availableMemory: null, expected, desired, reason: "", cause,
      });
    } catch (e) {
      this.log("warning", `Failed to update replica state for model ${mv.name} to ${desired} from ${expected}`, { source: "IncrementalProcessor", error: msg(e) });
    }
  }

  private sendServerStatuses(): void {
    const names = [...this.pendingServerStatus];
    this.pendingServerStatus.clear();
    for (const name of names) {
      const server = this.store.servers.get(name);
      if (!server) {
        this.log("error", `Failed to get server ${name}`, { func: "sendServerStatus" });
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

  private log(level: LogLevel, text: string, fields?: Fields): void {
    this.out.push({ kind: "log", level, msg: text, ...(fields ? { fields } : {}) });
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
    // The store replaces the definition's parts (deploymentSpec, meta.kubernetesMeta) rather
    // than changing them in place, so copying those two levels keeps this message as it was sent.
    modelDefn: { ...mv.defn, meta: mv.defn.meta ? { ...mv.defn.meta } : mv.defn.meta },
  };
}

export function serverStatus(server: Server): PbServerStatusResponse {
  const resources = [...server.replicas.values()]
    .filter((r) => !r.draining)
    .map((r) => ({
      replicaIdx: r.idx,
      totalMemoryBytes: Number(r.memory),
      availableMemoryBytes: Number(r.availableMemory),
      numLoadedModels: new Set([...r.loaded].map((k) => k.slice(0, k.lastIndexOf(":")))).size,
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

function autoscalingEnabled(mv: ModelVersion): boolean {
  const spec = mv.defn.deploymentSpec;
  return !!spec && (spec.minReplicas > 0 || spec.maxReplicas > 0);
}

const agentKey = (server: string, idx: number): AgentKey => `${server}:${idx}`;

function msg(e: unknown): string {
  if (e instanceof StoreError || e instanceof Error) return e.message;
  return String(e);
}
