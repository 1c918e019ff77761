/**
 * The Seldon Core v2.9.0 operator ("seldon-v2-controller-manager") as a sans-IO component, as far
 * as it talks to schedulers: the Model, Server and SeldonRuntime reconcilers, the scheduler
 * client (`operator/scheduler/`), and the Kubernetes objects they read and write.
 *
 * What the real operator does, and so what this one does:
 * - It connects to a namespace's scheduler only when a reconcile needs it (`getConnection`):
 *   it "dials" (a lazy gRPC client, so `Connected to scheduler` is logged even when nothing
 *   listens), then smoke-tests the connection by opening a `SubscribeModelStatus` stream it never
 *   reads nor closes. A failed smoke test fails the reconcile, which controller-runtime retries
 *   with its per-object back-off (5 ms doubling up to 1000 s), logging `Reconciler error`.
 * - Once connected it starts three stream loops (model status, server status, control plane),
 *   each re-subscribing with an exponential back-off (1 s, ×1.5, ±50 %, at most 15 s) when the
 *   stream fails, logging `Scheduler not ready`, and at once when the stream ends cleanly.
 * - On the control-plane events it sends `ServerNotify` with every Server of the namespace
 *   (`SEND_SERVERS`, `isFirstSync`), then `UnloadModel` for every Model being deleted and
 *   `LoadModel` for every other Model (`SEND_RESOURCES`), one call at a time, within 5 minutes.
 * - Model reconcile (on create and on every generation change, deletion included): finalizer,
 *   then `LoadModel` (or `UnloadModel` when deleting). Server reconcile (on every change, its own
 *   status writes included): `ServerNotify` with that Server alone. Unary calls retry on
 *   UNAVAILABLE with 200 ms × 2^n waits (up to 100 attempts) inside the 5-minute reconcile.
 * - Status: from the scheduler's model status stream (the `ModelReady` condition, replicas,
 *   available replicas) and server status stream (loaded model replicas), ignoring events of
 *   another generation; the finalizer of a deleted Model is removed once the scheduler reports
 *   it terminated (or failed).
 * Kubernetes itself (the API server and its store) is part of this component: `apply` and
 * `delete` are what kubectl would do, and the getters and `kubectlGet*` read the stored objects.
 */
import type { Rng } from "../core/rng.ts";
import {
  Status,
  goRpcError,
  type CallId,
  type Component,
  type Effect,
  type Fields,
  type GrpcStatus,
  type Input,
  type Listener,
  type LogLevel,
  type Millis,
  type Observation,
} from "../core/protocol.ts";
import { M } from "../proto/index.ts";
import type { PbModelStatusResponse, PbServerStatusResponse } from "../proto/messages.ts";
import { ExponentialBackOff } from "../agent/backoff.ts";
import { MODEL_READY, READY, STATEFUL_SET_READY, conditionOf, isTrue, markDependent, markDependentKeeps, type Condition } from "./conditions.ts";
import {
  ConversionError,
  modelToLoadModelRequest,
  modelToUnloadModelRequest,
  serverToServerNotify,
  validatedScalingSpec,
} from "./convert.ts";
import { humanDuration, kubectlTable, type Cell } from "./kubectl.ts";
import {
  RESOURCE_NAMES,
  ResourceError,
  keyOf,
  parseResource,
  type Kind,
  type ModelResource,
  type ResourceInput,
  type SeldonResource,
  type ServerResource,
} from "./resources.ts";
import type { K8sResource } from "../scenario/types.ts";
import { Fifo } from "../core/fifo.ts";
import { TaskRunner, each, join, open, probe, recvOp, sleep, unary, wait, type Program, type RecvEvent, type StreamEnd, type UnaryResult } from "./tasks.ts";

// -----------------------------------------------------------------------------------------------
// Constants (operator/scheduler/client.go, operator/pkg/constants, controller-runtime defaults)

export const CONTROLLER_NAME = "seldon-v2-controller-manager";
/** The plain-text scheduler port the operator dials (`getConnection`: 9004, TLS 9044). */
export const OPERATOR_SCHEDULER_PORT = 9004;
export const SUBSCRIBER_NAME = "seldon manager";
export const MODEL_FINALIZER = "seldon.model.finalizer";
export const RUNTIME_FINALIZER = "seldon.runtime.finalizer";
/** `constants.ReconcileTimeout`: the context of one reconcile. */
export const RECONCILE_TIMEOUT_MS = 5 * 60_000;
/** `constants.ControlPlaneExecTimeOut`: handling one control-plane event. */
export const CONTROL_PLANE_EXEC_TIMEOUT_MS = 5 * 60_000;
/** grpc_retry on unary calls: `WithMax(100)`, `BackoffExponential(200ms)`. */
export const GRPC_RETRY_MAX_ATTEMPTS = 100;
export const GRPC_RETRY_BACKOFF_MS = 200;
/** `getClientExponentialBackoff` of the stream loops (cenkalti/backoff defaults otherwise). */
export const STREAM_BACKOFF = { initialIntervalMs: 1000, randomizationFactor: 0.5, multiplier: 1.5, maxIntervalMs: 15_000, maxElapsedMs: 0 };
/** controller-runtime's per-object requeue back-off on a reconcile error. */
export const REQUEUE_BASE_MS = 5;
export const REQUEUE_MAX_MS = 1000_000;
/** How long a freshly dialled stream must stay unrefused for the smoke test to pass. */
export const DEFAULT_SMOKE_TEST_MS = 10;
/** The ServerConfigs a Seldon installation ships (present without being applied). */
export const INSTALLED_SERVER_CONFIGS = ["mlserver", "triton"];

const STATEFUL_SET_READY_REASON = "StatefulSet replicas matches desired replicas";
const STATEFUL_SET_NOT_READY_REASON = "StatefulSet replicas does not match desired replicas";
const CONN_CLOSING: GrpcStatus = { code: Status.CANCELLED, details: "grpc: the client connection is closing" };
const CONTEXT_DEADLINE: GrpcStatus = { code: Status.DEADLINE_EXCEEDED, details: "context deadline exceeded" };

// -----------------------------------------------------------------------------------------------
// Kubernetes objects

export interface ModelObjectStatus {
  /** Replicas targeted by the model: available + unavailable. */
  replicas: number;
  availableReplicas: number;
  selector: string;
  conditions: Condition[];
}

export interface ServerObjectStatus {
  loadedModels: number;
  replicas: number;
  selector: string;
  conditions: Condition[];
}

export interface StoredObject {
  /**
   * The object as last applied, `metadata.generation` always set. Never changed in place: a change
   * (a new generation, a scaled Server) stores a new object, so a reconcile still holding the old
   * one sees the object as it started with it.
   */
  resource: SeldonResource;
  /** The manifest as handed to `apply` (extra keys such as a scenario's `origin` included). */
  applied: ResourceInput;
  createdAt: Millis;
  /** Set when deletion was requested but a finalizer holds the object. */
  deletionTimestamp: Millis | null;
  finalizers: string[];
  /** Null until the operator first writes a status (kubectl then shows empty cells). */
  modelStatus: ModelObjectStatus | null;
  serverStatus: ServerObjectStatus | null;
  /** Ready pods of a Server's StatefulSet, if told (`setStatefulSetReadyReplicas`); null = all. */
  statefulSetReadyReplicas: number | null;
}

export interface KubeEvent {
  t: Millis;
  kind: Kind;
  namespace: string;
  name: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * The API server's store. Pass one store to every incarnation of the controller
 * (`ControllerOptions.store`) so that a restarted controller finds the objects again, as a
 * restarted operator lists them from Kubernetes.
 */
export class KubeStore {
  /** By kind, then namespace, then name: a lookup hashes strings the caller already holds. */
  private readonly objects = new Map<Kind, Map<string, Map<string, StoredObject>>>();
  readonly events: KubeEvent[] = [];
  /**
   * Replica counts the operator wrote to a Server's StatefulSet after a scheduler's scaling
   * request, oldest first, for whatever runs the pods to follow (and take).
   */
  readonly statefulSetScales: { namespace: string; name: string; replicas: number }[] = [];

  get(kind: Kind, namespace: string, name: string): StoredObject | undefined {
    return this.objects.get(kind)?.get(namespace)?.get(name);
  }

  put(obj: StoredObject): void {
    const m = obj.resource.metadata;
    let byNamespace = this.objects.get(obj.resource.kind);
    if (!byNamespace) this.objects.set(obj.resource.kind, byNamespace = new Map());
    let byName = byNamespace.get(m.namespace);
    if (!byName) byNamespace.set(m.namespace, byName = new Map());
    byName.set(m.name, obj);
  }

  remove(kind: Kind, namespace: string, name: string): void {
    const byNamespace = this.objects.get(kind);
    const byName = byNamespace?.get(namespace);
    if (!byName?.delete(name) || byName.size > 0) return;
    byNamespace!.delete(namespace);
    if (byNamespace!.size === 0) this.objects.delete(kind);
  }

  /** Objects of a kind, in the API server's order (namespace, then name). */
  list(kind: Kind, namespace?: string): StoredObject[] {
    const byNamespace = this.objects.get(kind);
    if (!byNamespace) return [];
    const out: StoredObject[] = [];
    for (const [ns, byName] of byNamespace) {
      if (namespace === undefined || ns === namespace) for (const o of byName.values()) out.push(o);
    }
    return out.sort((a, b) => cmp(a.resource.metadata.namespace, b.resource.metadata.namespace) || cmp(a.resource.metadata.name, b.resource.metadata.name));
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `kubectl get model` and what lies behind its columns. */
export interface ModelView {
  namespace: string;
  name: string;
  generation: number;
  createdAt: Millis;
  /** Deletion requested, finalizer still there (kubectl shows it until the scheduler confirms). */
  deleting: boolean;
  finalizers: string[];
  /** READY: the `ModelReady` condition; null while it is not set. */
  ready: boolean | null;
  /** DESIRED REPLICAS: `spec.replicas` as written; null (an empty cell: v2.9.0 has no defaulting
   * webhook, so a Model without `replicas` shows nothing there even when it runs 1 replica). */
  replicas: number | null;
  /** AVAILABLE REPLICAS: `status.availableReplicas` (shown empty when 0). */
  availableReplicas: number;
  /** `status.replicas`: replicas the scheduler targets (available + unavailable). */
  statusReplicas: number;
  /** The Seldon model state behind the condition (`ModelAvailable`, `ScheduleFailed`, ...). */
  state: string | null;
  /** The condition's reason: the scheduler's reason, or the operator's error. */
  reason: string;
  selector: string;
  conditions: Condition[];
}

/** `kubectl get server` and what lies behind its columns. */
export interface ServerView {
  namespace: string;
  name: string;
  generation: number;
  createdAt: Millis;
  /** READY: the `Ready` condition; null while it is not set. */
  ready: boolean | null;
  /** REPLICAS: `status.replicas`; null before the operator first writes the status. */
  replicas: number | null;
  /** LOADED MODELS: `status.loadedModels` (model replicas); null before the first status write. */
  loadedModels: number | null;
  /** `spec.replicas` as written. */
  specReplicas: number | null;
  selector: string;
  conditions: Condition[];
}

// -----------------------------------------------------------------------------------------------
// The controller

export interface ControllerOptions {
  /** Each namespace's scheduler, `host:port` as the controller's pod dials it. A namespace not
   * listed is dialled at `seldon-scheduler.<namespace>:9004`, as the operator does. */
  schedulers: { namespace: string; address: string }[];
  rng: Rng;
  name?: string;
  /** The operator's own namespace (`POD_NAMESPACE`), where it looks up ServerConfigs. When not
   * given, a ServerConfig applied in any namespace counts. */
  namespace?: string;
  /**
   * The only namespace the manager's cache watches (`--clusterwide=false`, `--namespace`); objects
   * elsewhere are never reconciled. Undefined: every namespace (`--clusterwide=true`).
   */
  watchNamespace?: string;
  /** ServerConfigs present without being applied; default `mlserver`, `triton`. */
  installedServerConfigs?: string[];
  /** Kubernetes' objects; shared across restarts when passed in. */
  store?: KubeStore;
  smokeTestMs?: Millis;
}

type QueueName = "model" | "server" | "seldonruntime";

interface WorkQueue {
  name: QueueName;
  kind: Kind;
  queue: Fifo<string>;
  dirty: Set<string>;
  processing: Set<string>;
  failures: Map<string, number>;
  busy: boolean;
}

interface Conn {
  namespace: string;
  target: string;
  /** Tags every call made on this connection. */
  tag: string;
  state: "connecting" | "connected";
  closed: boolean;
  loops: number[];
}

type Outcome = { retryable: boolean; error: string | null };

type Loop = "model" | "server" | "controlPlane";
const LOOPS: Record<Loop, { logger: string; what: string; method: string }> = {
  model: { logger: "SubscribeModelEvents", what: "model events", method: M.scheduler.SubscribeModelStatus },
  server: { logger: "SubscribeServerEvents", what: "server events", method: M.scheduler.SubscribeServerStatus },
  controlPlane: { logger: "SubscribeControlPlaneEvents", what: "control plane events", method: M.scheduler.SubscribeControlPlane },
};

const QUEUE_OF: Record<Kind, QueueName | null> = { Model: "model", Server: "server", SeldonRuntime: "seldonruntime", ServerConfig: null };

export class Controller implements Component {
  readonly role = "controller";
  readonly name: string;
  readonly listeners: Listener[] = [];
  readonly store: KubeStore;

  private now: Millis = 0;
  private out: Effect[] = [];
  private readonly rng: Rng;
  private readonly addresses: Map<string, string>;
  private readonly namespace: string | undefined;
  private readonly installedConfigs: Set<string>;
  private readonly smokeTestMs: Millis;
  private readonly runner: TaskRunner;
  private readonly conns = new Map<string, Conn>();
  private readonly queues: Record<QueueName, WorkQueue>;
  private readonly requeueTimers = new Map<string, { queue: QueueName; key: string }>();
  private connSeq = 0;
  private timerSeq = 0;

  private readonly watchNamespace: string | undefined;

  constructor(options: ControllerOptions) {
    this.name = options.name ?? CONTROLLER_NAME;
    this.rng = options.rng;
    this.addresses = new Map(options.schedulers.map((s) => [s.namespace, s.address]));
    this.namespace = options.namespace;
    this.watchNamespace = options.watchNamespace;
    this.installedConfigs = new Set(options.installedServerConfigs ?? INSTALLED_SERVER_CONFIGS);
    this.smokeTestMs = options.smokeTestMs ?? DEFAULT_SMOKE_TEST_MS;
    this.store = options.store ?? new KubeStore();
    this.runner = new TaskRunner({ emit: (e) => this.out.push(e), now: () => this.now }, "op:");
    const q = (name: QueueName, kind: Kind): WorkQueue => ({
      name, kind, queue: new Fifo<string>(), dirty: new Set(), processing: new Set(), failures: new Map(), busy: false,
    });
    this.queues = { model: q("model", "Model"), server: q("server", "Server"), seldonruntime: q("seldonruntime", "SeldonRuntime") };
  }

  handle(input: Input, now: Millis): Effect[] {
    this.begin(now);
    switch (input.kind) {
      case "start":
        for (const q of Object.values(this.queues)) {
          this.log("info", "Starting workers", { controller: q.name, controllerGroup: "mlops.seldon.io", controllerKind: q.kind, "worker count": 1 });
        }
        // a (re)started operator lists every object and reconciles it
        for (const [kind, queue] of Object.entries(QUEUE_OF) as [Kind, QueueName | null][]) {
          if (queue) for (const o of this.store.list(kind)) this.enqueue(queue, keyOf(o.resource.metadata.namespace, o.resource.metadata.name));
        }
        break;
      case "timer":
        if (!this.runner.onTimer(input.timer)) this.onRequeueTimer(input.timer);
        break;
      case "response":
        this.runner.onResponse(input.call, input.message);
        break;
      case "closed":
        this.runner.onClosed(input.call, input.status);
        break;
      case "incoming":
        this.out.push({ kind: "finish", call: input.call, status: { code: Status.UNIMPLEMENTED, details: "the controller serves nothing" } });
        break;
      default:
        break;
    }
    return this.end();
  }

  // ---------------------------------------------------------------------------------------------
  // What kubectl does

  /**
   * `kubectl apply`: create or update the object (the API server bumps `metadata.generation` when
   * the spec changes) and let the controllers react. Throws `ResourceError` when the API server
   * would refuse the object.
   */
  apply(input: ResourceInput, now: Millis = this.now): Effect[] {
    this.begin(now);
    const resource = parseResource(input);
    const { namespace, name } = resource.metadata;
    const kind = resource.kind;
    const existing = this.store.get(kind, namespace, name);
    let generationChanged = true;
    if (!existing) {
      resource.metadata.generation ??= 1;
      this.store.put({
        resource, applied: input, createdAt: now, deletionTimestamp: null, finalizers: [], modelStatus: null, serverStatus: null, statefulSetReadyReplicas: null,
      });
      this.observe({ type: "k8s.created", kind, namespace, name });
    } else {
      const old = existing.resource;
      const specChanged = stableJson(old.spec) !== stableJson(resource.spec);
      const oldGeneration = old.metadata.generation ?? 1;
      let generation = oldGeneration;
      if (resource.metadata.generation !== undefined && resource.metadata.generation !== oldGeneration) generation = resource.metadata.generation;
      else if (specChanged) generation = oldGeneration + 1;
      resource.metadata.generation = generation;
      generationChanged = generation !== oldGeneration;
      if (!generationChanged && stableJson(old.metadata) === stableJson(resource.metadata)) return this.end(); // unchanged
      existing.resource = resource;
      existing.applied = input;
      this.observe({ type: "k8s.updated", kind, namespace, name, generation });
    }
    this.react(kind, namespace, name, generationChanged);
    return this.end();
  }

  /**
   * `kubectl delete`: an object holding a finalizer is only marked (and its generation bumped);
   * the others go at once. Throws `ResourceError` when there is no such object.
   */
  delete(kind: Kind, namespace: string, name: string, now: Millis = this.now): Effect[] {
    this.begin(now);
    const obj = this.store.get(kind, namespace, name);
    if (!obj) throw new ResourceError(`${RESOURCE_NAMES[kind] ?? kind} ${JSON.stringify(name)} not found`);
    if (obj.deletionTimestamp === null) {
      if (obj.finalizers.length === 0) {
        this.store.remove(kind, namespace, name);
        this.observe({ type: "k8s.deleted", kind, namespace, name });
      } else {
        obj.deletionTimestamp = now;
        const generation = (obj.resource.metadata.generation ?? 1) + 1;
        obj.resource = { ...obj.resource, metadata: { ...obj.resource.metadata, generation } } as SeldonResource;
        this.observe({ type: "k8s.deleting", kind, namespace, name });
      }
      this.react(kind, namespace, name, true);
    }
    return this.end();
  }

  /**
   * Tell the Server controller how many pods of a Server's StatefulSet are ready (the simulator
   * builds pods itself, so the controller cannot see them). Until told, all are taken as ready.
   * Like a StatefulSet status change, it triggers a Server reconcile.
   */
  setStatefulSetReadyReplicas(namespace: string, name: string, ready: number | null, now: Millis = this.now): Effect[] {
    this.begin(now);
    const obj = this.store.get("Server", namespace, name);
    if (obj && obj.statefulSetReadyReplicas !== ready) {
      obj.statefulSetReadyReplicas = ready;
      this.enqueue("server", keyOf(namespace, name));
    }
    return this.end();
  }

  private react(kind: Kind, namespace: string, name: string, generationChanged: boolean): void {
    // Outside the watched namespace the manager never sees the object.
    if (this.watchNamespace !== undefined && namespace !== this.watchNamespace) return;
    const key = keyOf(namespace, name);
    switch (kind) {
      case "Model":
        // GenerationChangedPredicate: only creations and spec changes (deletion included)
        if (generationChanged) this.enqueue("model", key);
        break;
      case "Server":
      case "SeldonRuntime":
        this.enqueue(kind === "Server" ? "server" : "seldonruntime", key);
        break;
      case "ServerConfig":
        // mapServerFromServerConfig: every Server using it, unless it opted out
        for (const s of this.store.list("Server")) {
          const spec = (s.resource as ServerResource).spec;
          if (!spec.disableAutoUpdate && spec.serverConfig === name) {
            this.enqueue("server", keyOf(s.resource.metadata.namespace, s.resource.metadata.name));
          }
        }
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  modelStatus(namespace: string, name: string): ModelView | null {
    const o = this.store.get("Model", namespace, name);
    return o ? modelView(o) : null;
  }

  serverStatus(namespace: string, name: string): ServerView | null {
    const o = this.store.get("Server", namespace, name);
    return o ? serverView(o) : null;
  }

  models(namespace?: string): ModelView[] {
    return this.store.list("Model", namespace).map(modelView);
  }

  servers(namespace?: string): ServerView[] {
    return this.store.list("Server", namespace).map(serverView);
  }

  /**
   * A Server as stored, in the shape it was applied (for re-applying it with a change, as
   * `kubectl edit` would); its spec is the current one (a scheduler's scaling request included).
   */
  serverResource(namespace: string, name: string): K8sResource | null {
    const o = this.store.get("Server", namespace, name);
    if (!o) return null;
    const raw = o.applied as Partial<K8sResource>;
    const metadata = { ...(isRecord(raw.metadata) ? raw.metadata : {}), name, namespace };
    return {
      ...raw,
      apiVersion: o.resource.apiVersion,
      kind: "Server",
      metadata,
      spec: structuredClone(o.resource.spec) as unknown as Record<string, unknown>,
      origin: raw.origin ?? { file: "", path: "" },
    };
  }

  /** Kubernetes events the operator recorded (`kubectl get events`). */
  events(): KubeEvent[] {
    return [...this.store.events];
  }

  /** Namespaces whose scheduler the operator holds a connection to. */
  connectedNamespaces(): string[] {
    return [...this.conns.values()].filter((c) => c.state === "connected").map((c) => c.namespace).sort();
  }

  /** `kubectl get models -n <namespace>` (all namespaces, `-A`, when none is given). */
  kubectlGetModels(namespace?: string, now: Millis = this.now): string {
    const rows = this.store.list("Model", namespace).map((o) => {
      const v = modelView(o);
      const cells: Cell[] = [
        v.name,
        conditionOf(v.conditions, MODEL_READY)?.status ?? null,
        v.replicas,
        o.modelStatus && o.modelStatus.availableReplicas !== 0 ? o.modelStatus.availableReplicas : null, // omitempty
        humanDuration(now - o.createdAt),
      ];
      return { namespace: v.namespace, cells };
    });
    return kubectlTable(["Name", "Ready", "Desired Replicas", "Available Replicas", "Age"], rows, namespace);
  }

  /** `kubectl get servers -n <namespace>` (all namespaces, `-A`, when none is given). */
  kubectlGetServers(namespace?: string, now: Millis = this.now): string {
    const rows = this.store.list("Server", namespace).map((o) => {
      const v = serverView(o);
      const cells: Cell[] = [v.name, conditionOf(v.conditions, READY)?.status ?? null, v.replicas, v.loadedModels, humanDuration(now - o.createdAt)];
      return { namespace: v.namespace, cells };
    });
    return kubectlTable(["Name", "Ready", "Replicas", "Loaded Models", "Age"], rows, namespace);
  }

  // ---------------------------------------------------------------------------------------------
  // Work queues (controller-runtime: one worker per controller, de-duplicated keys)

  private enqueue(name: QueueName, key: string): void {
    const q = this.queues[name];
    if (q.dirty.has(key)) return;
    q.dirty.add(key);
    if (!q.processing.has(key)) q.queue.push(key);
    this.kick(q);
  }

  private kick(q: WorkQueue): void {
    if (q.busy) return;
    const key = q.queue.shift();
    if (key === undefined) return;
    q.dirty.delete(key);
    q.processing.add(key);
    q.busy = true;
    const program = q.name === "model" ? this.reconcileModel(key) : q.name === "server" ? this.reconcileServer(key) : this.reconcileRuntime(key);
    this.runner.spawn(`reconcile ${q.name} ${key}`, program, (err) => this.reconciled(q, key, err));
  }

  private reconciled(q: WorkQueue, key: string, err: string | null): void {
    q.processing.delete(key);
    q.busy = false;
    if (err !== null) {
      const [namespace, name] = splitKey(key);
      this.log("error", "Reconciler error", {
        controller: q.name, controllerGroup: "mlops.seldon.io", controllerKind: q.kind, name, namespace, error: err,
      });
      const failures = q.failures.get(key) ?? 0;
      q.failures.set(key, failures + 1);
      const delay = Math.min(REQUEUE_BASE_MS * 2 ** failures, REQUEUE_MAX_MS);
      const timer = `requeue:${q.name}:${++this.timerSeq}`;
      this.requeueTimers.set(timer, { queue: q.name, key });
      this.out.push({ kind: "setTimer", timer, afterMs: delay });
      this.observe({ type: "controller.requeue", controller: q.name, key, afterMs: delay, error: err });
    } else {
      q.failures.delete(key);
    }
    if (q.dirty.has(key)) q.queue.push(key);
    this.kick(q);
  }

  private onRequeueTimer(timer: string): void {
    const t = this.requeueTimers.get(timer);
    if (!t) return;
    this.requeueTimers.delete(timer);
    this.enqueue(t.queue, t.key);
  }

  // ---------------------------------------------------------------------------------------------
  // Reconcilers

  /** ModelReconciler.Reconcile */
  private *reconcileModel(key: string): Program<string | null> {
    const [namespace, name] = splitKey(key);
    const deadlineAt = this.now + RECONCILE_TIMEOUT_MS;
    const obj = this.store.get("Model", namespace, name);
    if (!obj) return null;
    const model = snapshot(obj) as ModelResource;
    if (obj.deletionTimestamp === null) {
      if (!obj.finalizers.includes(MODEL_FINALIZER)) obj.finalizers.push(MODEL_FINALIZER);
    } else {
      if (obj.finalizers.includes(MODEL_FINALIZER)) {
        const r = yield* this.unloadModel(model, deadlineAt, null);
        if (r.error !== null) {
          if (r.retryable) return r.error;
          this.removeFinalizer("Model", namespace, name, MODEL_FINALIZER);
        }
      }
      return null;
    }
    const r = yield* this.loadModel(model, deadlineAt, null);
    if (r.error !== null) {
      this.modelStatusFromError(namespace, name, r.retryable, r.error);
      return r.retryable ? r.error : null;
    }
    return null;
  }

  /** ServerReconciler.Reconcile, up to the StatefulSet (which the simulator does not build). */
  private *reconcileServer(key: string): Program<string | null> {
    const [namespace, name] = splitKey(key);
    const deadlineAt = this.now + RECONCILE_TIMEOUT_MS;
    this.log("info", "Received reconcile for Server", { name, namespace }, "Reconcile");
    const obj = this.store.get("Server", namespace, name);
    if (!obj) {
      this.log("error", "server not found, ignoring error", { name, namespace, error: notFound("Server", name) }, "Reconcile");
      return null;
    }
    this.log("info", "Found server", { name, namespace }, "Reconcile");
    if (obj.deletionTimestamp !== null) return null;
    const server = snapshot(obj) as ServerResource;
    const err = yield* this.serverNotify(namespace, null, [{ server, deleting: false }], false, deadlineAt);
    if (err !== null) {
      this.serverStatusFromError(namespace, name, err);
      return err;
    }
    const configErr = this.serverConfigError(server.spec.serverConfig);
    if (configErr !== null) {
      this.serverStatusFromError(namespace, name, configErr);
      return configErr;
    }
    const current = this.store.get("Server", namespace, name);
    if (!current) return null;
    const replicas = server.spec.replicas ?? 1; // Server.Default()
    const readyReplicas = current.statefulSetReadyReplicas ?? replicas;
    const ready = readyReplicas >= replicas;
    this.log("info", "Checking conditions for stateful set", { ready, ".spec.replicas": replicas, ".status.replicas": readyReplicas, availableReplicas: readyReplicas }, "Reconcile");
    const status = cloneServerStatus(current.serverStatus);
    markDependent(status.conditions, STATEFUL_SET_READY, ready, ready ? STATEFUL_SET_READY_REASON : STATEFUL_SET_NOT_READY_REASON, "", this.now);
    status.selector = `seldon-server-name=${name}`;
    status.replicas = replicas;
    this.writeServerStatus(current, status, true);
    return null;
  }

  /** SeldonRuntimeReconciler: only its finalizer (the runtime's own pods are the scenario's). */
  // eslint-disable-next-line require-yield
  private *reconcileRuntime(key: string): Program<string | null> {
    const [namespace, name] = splitKey(key);
    const obj = this.store.get("SeldonRuntime", namespace, name);
    if (!obj) return null;
    if (obj.deletionTimestamp === null) {
      if (!obj.finalizers.includes(RUNTIME_FINALIZER)) obj.finalizers.push(RUNTIME_FINALIZER);
      return null;
    }
    const numServers = this.store.list("Server", namespace).length;
    this.log("info", "Runtime being deleted", { namespace, numServers }, "Reconcile");
    if (numServers > 0) return `Runtime is being deleted but servers still running in namespace ${namespace}`;
    this.log("info", "Removing finalizer for runtime", { namespace }, "Reconcile");
    this.removeFinalizer("SeldonRuntime", namespace, name, RUNTIME_FINALIZER);
    this.removeConnection(namespace);
    return null;
  }

  private serverConfigError(name: string): string | null {
    if (name === "") return "ServerType not specified and is required";
    if (this.installedConfigs.has(name)) return null;
    const applied = this.store.list("ServerConfig", this.namespace).some((o) => o.resource.metadata.name === name);
    return applied ? null : notFound("ServerConfig", name);
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduler client (operator/scheduler/)

  private addressOf(namespace: string): string {
    return this.addresses.get(namespace) ?? `seldon-scheduler.${namespace}:${OPERATOR_SCHEDULER_PORT}`;
  }

  /** SchedulerClient.getConnection: one connection per namespace, made on first use. */
  private *getConnection(namespace: string): Program<Conn | string> {
    while (this.conns.get(namespace)?.state === "connecting") yield* wait(`conn:${namespace}`);
    const existing = this.conns.get(namespace);
    if (existing) return existing;
    const target = this.addressOf(namespace);
    const conn: Conn = { namespace, target, tag: `conn:${namespace}:${++this.connSeq}`, state: "connecting", closed: false, loops: [] };
    this.conns.set(namespace, conn);
    const { host, port } = splitTarget(target);
    const logger = "schedulerClient";
    this.log("info", "connect to scheduler", { protocol: "PLAINTEXT" }, logger);
    this.log("info", "Running scheduler client in plain text mode", { port }, logger);
    this.log("info", "Dialing scheduler", { host, port }, logger);
    this.log("info", "Connected to scheduler", { host, port }, logger);
    // smoke test: a model status stream that is opened, never read, never closed
    const call = yield* open(target, M.scheduler.SubscribeModelStatus, { subscriberName: SUBSCRIBER_NAME }, conn.tag);
    const failed = yield* probe(call, this.smokeTestMs);
    if (failed !== null && failed.code === Status.UNAVAILABLE) {
      this.log("info", "Failed smoke test on scheduler", { namespace }, logger);
      this.conns.delete(namespace);
      this.runner.notify(`conn:${namespace}`);
      return goRpcError(failed);
    }
    conn.state = "connected";
    this.observe({ type: "controller.connected", namespace, target });
    this.startEventHandlers(conn);
    this.runner.notify(`conn:${namespace}`);
    return conn;
  }

  /** SchedulerClient.RemoveConnection: the connection closes; its stream loops keep retrying on it. */
  private removeConnection(namespace: string): void {
    const conn = this.conns.get(namespace);
    if (!conn) return;
    this.conns.delete(namespace);
    conn.closed = true;
    this.observe({ type: "controller.disconnected", namespace });
    this.runner.failCalls(conn.tag, CONN_CLOSING);
  }

  /** startEventHanders: the stream loops (pipelines and experiments are not simulated). */
  private startEventHandlers(conn: Conn): void {
    this.log("info", "Starting event handling", { namespace: conn.namespace }, "schedulerClient");
    for (const loop of ["model", "server", "controlPlane"] as Loop[]) {
      conn.loops.push(this.runner.spawn(`${conn.namespace} ${loop} events`, this.eventLoop(conn, loop)));
    }
  }

  /** The `for { retryFn(...) }` goroutine of one stream. */
  private *eventLoop(conn: Conn, loop: Loop): Program<void> {
    const { logger, what } = LOOPS[loop];
    for (let round = 0; ; round++) {
      this.log("info", "Retrying to connect", { namespace: conn.namespace }, `schedulerClient.${logger}`);
      const backoff = new ExponentialBackOff(this.rng.fork(`${conn.tag}/${loop}/${round}`), this.now, STREAM_BACKOFF);
      backoff.reset(this.now);
      for (;;) {
        const err = yield* this.subscribe(conn, loop);
        if (err === null) break;
        const waitMs = backoff.next(this.now);
        this.log("error", "Scheduler not ready", { error: err }, `schedulerClient.${logger}`);
        yield* sleep(waitMs);
      }
      this.log("info", `Subscribe ended for ${what}`, { namespace: conn.namespace }, "schedulerClient");
    }
  }

  /** SubscribeModelEvents / SubscribeServerEvents / SubscribeControlPlaneEvents. Null on a clean end. */
  private *subscribe(conn: Conn, loop: Loop): Program<string | null> {
    const logger = `schedulerClient.${LOOPS[loop].logger}`;
    if (conn.closed) return goRpcError(CONN_CLOSING);
    const call = yield* open(conn.target, LOOPS[loop].method, { subscriberName: SUBSCRIBER_NAME }, conn.tag);
    // the status streams' bodies never wait, so their messages need no resumption of this loop
    const end =
      loop === "model" ? yield* each(call, (m) => this.onModelEvent(m as PbModelStatusResponse, logger))
      : loop === "server" ? yield* each(call, (m) => this.onServerEvent(m as PbServerStatusResponse, logger))
      : yield* this.controlPlaneEvents(conn, call, logger);
    if (typeof end === "string") return end;
    if (end.status.code === Status.OK) return null;
    const err = goRpcError(end.status);
    // a stream that never opened fails in the call itself, not in Recv
    const neverOpened = end.received === 0 && end.status.code === Status.UNAVAILABLE && end.status.details.startsWith("connection error");
    if (!neverOpened) this.log("error", "event recv failed", { error: err }, logger);
    return err;
  }

  /** The control-plane stream's loop: each event is handled (and waited for) before the next is read. Its end, or a handler's error. */
  private *controlPlaneEvents(conn: Conn, call: CallId, logger: string): Program<StreamEnd | string> {
    const next = recvOp(call);
    for (;;) {
      const ev = (yield next) as RecvEvent;
      if (ev.kind === "end") return ev;
      const err = yield* this.onControlPlaneEvent(conn, (ev.message as { event?: string }).event ?? "UNKNOWN_EVENT", logger);
      if (err !== null) {
        this.runner.abandon(call); // returned without cancelling the stream's context
        return err;
      }
    }
  }

  private *onControlPlaneEvent(conn: Conn, event: string, logger: string): Program<string | null> {
    this.log("info", "Received event to handle state", { event: `event:${event}` }, logger);
    const task = this.runner.spawn(`${conn.namespace} handle ${event}`, this.handleStateOnReconnect(conn, event));
    const j = yield* join(task, CONTROL_PLANE_EXEC_TIMEOUT_MS);
    const err = j.timedOut
      ? goRpcError({ code: Status.DEADLINE_EXCEEDED, details: "Failed to send event within timeout" })
      : ((j.result as string | null | undefined) ?? null);
    if (err !== null) {
      this.log("error", "Failed to handle state on reconnect", { error: err }, logger);
      return err;
    }
    this.log("info", "Handled state on reconnect", {}, logger);
    return null;
  }

  private *handleStateOnReconnect(conn: Conn, event: string): Program<string | null> {
    const logger = "schedulerClient";
    switch (event) {
      case "SEND_SERVERS": {
        const servers = this.store.list("Server", conn.namespace).map((o) => ({ server: snapshot(o) as ServerResource, deleting: o.deletionTimestamp !== null }));
        const err = yield* this.serverNotify(conn.namespace, conn, servers, true, null);
        if (err !== null) {
          this.log("error", "Failed to notify servers", { servers: servers.map((s) => s.server.metadata.name).join(","), error: err }, logger);
          this.log("error", "Failed to send registered server to scheduler", { error: err }, logger);
        }
        return err;
      }
      case "SEND_RESOURCES": {
        // experiments and pipelines come first in Seldon; the simulator has none
        const err = yield* this.handleModels(conn);
        if (err !== null) this.log("error", "Failed to send models to scheduler", { error: err }, logger);
        return err;
      }
      default:
        this.log("info", "Unknown operation", { operation: event }, logger);
        return `Unknown operation ${event}`;
    }
  }

  /** handleModels: unload the models being deleted, then load all the others, one by one. */
  private *handleModels(conn: Conn): Program<string | null> {
    const logger = "schedulerClient";
    const models = this.store.list("Model", conn.namespace).map((o) => ({ model: snapshot(o) as ModelResource, deleting: o.deletionTimestamp !== null }));
    for (const { model, deleting } of models) {
      const name = model.metadata.name;
      if (!deleting) {
        this.log("debug", "Model is not being deleted, skip unloading", { model: name }, logger);
        continue;
      }
      this.log("debug", "Calling Unload model (on reconnect)", { model: name }, logger);
      const r = yield* this.unloadModel(model, null, conn);
      if (r.error === null) {
        this.log("info", "Unload model called successfully, not removing finalizer", { model: name }, logger);
      } else if (r.retryable) {
        this.log("error", "Failed to call unload model", { model: name, error: r.error }, logger);
        return r.error;
      } else {
        this.removeFinalizer("Model", conn.namespace, name, MODEL_FINALIZER);
        this.log("info", "Removed finalizer", { model: name }, logger);
      }
    }
    for (const { model, deleting } of models) {
      const name = model.metadata.name;
      if (deleting) {
        this.log("debug", "Model is being deleted, skip loading", { model: name }, logger);
        continue;
      }
      this.log("debug", "Calling Load model (on reconnect)", { model: name }, logger);
      const r = yield* this.loadModel(model, null, conn);
      if (r.error !== null) {
        this.log("error", "Failed to call load model", { model: name, error: r.error }, logger);
        if (r.retryable) return r.error;
        continue;
      }
      this.log("debug", "Load model called successfully", { model: name }, logger);
    }
    return null;
  }

  /** SchedulerClient.LoadModel. With `given` null the connection is looked up (and made). */
  private *loadModel(model: ModelResource, deadlineAt: Millis | null, given: Conn | null): Program<Outcome> {
    let conn = given;
    if (!conn) {
      const c = yield* this.getConnection(model.metadata.namespace);
      if (typeof c === "string") return { retryable: true, error: c };
      conn = c;
    }
    this.log("info", "Load", { "model name": model.metadata.name }, "schedulerClient.LoadModel");
    let request;
    try {
      request = modelToLoadModelRequest(model);
    } catch (e) {
      if (e instanceof ConversionError) return { retryable: false, error: e.message };
      throw e;
    }
    const res = yield* this.unaryWithRetry(conn, M.scheduler.LoadModel, request, deadlineAt);
    if (res.status.code !== Status.OK) return { retryable: this.checkErrorRetryable("Model", model.metadata.name, res.status), error: goRpcError(res.status) };
    return { retryable: false, error: null };
  }

  /** SchedulerClient.UnloadModel. */
  private *unloadModel(model: ModelResource, deadlineAt: Millis | null, given: Conn | null): Program<Outcome> {
    let conn = given;
    if (!conn) {
      const c = yield* this.getConnection(model.metadata.namespace);
      if (typeof c === "string") return { retryable: true, error: c };
      conn = c;
    }
    this.log("info", "Unload", { "model name": model.metadata.name }, "schedulerClient.UnloadModel");
    const res = yield* this.unaryWithRetry(conn, M.scheduler.UnloadModel, modelToUnloadModelRequest(model), deadlineAt);
    if (res.status.code !== Status.OK) return { retryable: this.checkErrorRetryable("Model", model.metadata.name, res.status), error: goRpcError(res.status) };
    return { retryable: false, error: null };
  }

  /** SchedulerClient.ServerNotify. Returns the error text, or null. */
  private *serverNotify(
    namespace: string,
    given: Conn | null,
    servers: { server: ServerResource; deleting: boolean }[],
    isFirstSync: boolean,
    deadlineAt: Millis | null,
  ): Program<string | null> {
    const logger = "schedulerClient.NotifyServer";
    let conn = given;
    if (!conn) {
      const c = yield* this.getConnection(namespace);
      if (typeof c === "string") return c;
      conn = c;
    }
    const requests = [];
    for (const { server, deleting } of servers) {
      let notify;
      try {
        notify = serverToServerNotify(server, { deleting });
      } catch (e) {
        if (e instanceof ConversionError) return e.message;
        throw e;
      }
      this.log("info", "Notify server", {
        name: server.metadata.name, namespace: server.metadata.namespace,
        replicas: notify.expectedReplicas, minReplicas: notify.minReplicas, maxReplicas: notify.maxReplicas,
      }, logger);
      requests.push(notify);
    }
    const res = yield* this.unaryWithRetry(conn, M.scheduler.ServerNotify, { servers: requests, isFirstSync }, deadlineAt);
    if (res.status.code !== Status.OK) {
      const err = goRpcError(res.status);
      this.log("error", "Failed to send notify server to scheduler", { error: err }, logger);
      return err;
    }
    this.log("debug", "Sent notify server to scheduler", { servers: servers.length, isFirstSync }, logger);
    return null;
  }

  /** A unary call through the grpc_retry interceptor: retried on UNAVAILABLE / RESOURCE_EXHAUSTED. */
  private *unaryWithRetry(conn: Conn, method: string, request: unknown, deadlineAt: Millis | null): Program<UnaryResult> {
    let last: UnaryResult = { status: CONN_CLOSING, message: undefined };
    for (let attempt = 0; attempt < GRPC_RETRY_MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        const waitMs = GRPC_RETRY_BACKOFF_MS * 2 ** (attempt - 1);
        if (deadlineAt !== null && this.now + waitMs >= deadlineAt) {
          yield* sleep(deadlineAt - this.now);
          return { status: CONTEXT_DEADLINE, message: undefined };
        }
        yield* sleep(waitMs);
      }
      if (deadlineAt !== null && this.now >= deadlineAt) return { status: CONTEXT_DEADLINE, message: undefined };
      if (conn.closed) return { status: CONN_CLOSING, message: undefined };
      last = yield* unary(conn.target, method, request, deadlineAt, conn.tag);
      const code = last.status.code;
      if (code !== Status.UNAVAILABLE && code !== Status.RESOURCE_EXHAUSTED) return last;
    }
    return last;
  }

  private checkErrorRetryable(resource: string, resourceName: string, status: GrpcStatus): boolean {
    const code = goCode(status);
    this.log("info", "Got grpc status code", { err: goRpcError(status), code, resource, resourceName }, "schedulerClient");
    if (status.code === Status.FAILED_PRECONDITION || status.code === Status.UNIMPLEMENTED) {
      this.log("info", "Non retryable error", { code, resource, resourceName }, "schedulerClient");
      return false;
    }
    this.log("info", "retryable error", { code, resource, resourceName }, "schedulerClient");
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Status streams

  /** The body of SubscribeModelEvents' loop for one message. */
  private onModelEvent(ev: PbModelStatusResponse, logger: string): void {
    const name = ev.modelName;
    const latest = ev.versions[0];
    if (!latest) {
      this.log("info", "Expected a single model version", { numVersions: ev.versions.length, name }, logger);
      return;
    }
    const meta = latest.kubernetesMeta;
    if (meta === null || meta === undefined) {
      this.log("info", "Ignoring event with no Kubernetes metadata.", { model: name }, logger);
      return;
    }
    const state = latest.state?.state ?? "ModelStateUnknown";
    const reason = latest.state?.reason ?? "";
    const available = latest.state?.availableReplicas ?? 0;
    const unavailable = latest.state?.unavailableReplicas ?? 0;
    const generation = Number(meta.generation);
    this.logFields("info", "Received event", { logger, name, version: latest.version, generation, state, reason });

    if (FINALIZER_REMOVABLE_STATES.has(state)) {
      const obj = this.store.get("Model", meta.namespace, name);
      if (!obj) this.log("error", "Failed to remove finalizer after retries", { error: notFound("Model", name) }, logger);
      else if (obj.deletionTimestamp !== null) this.removeFinalizer("Model", meta.namespace, name, MODEL_FINALIZER);
    }

    const obj = this.store.get("Model", meta.namespace, name);
    if (!obj) {
      this.log("error", "Failed to update status", { model: name, error: notFound("Model", name) }, logger);
      return;
    }
    const current = obj.resource.metadata.generation ?? 1;
    if (generation !== current) {
      this.log("info", "Ignoring event for old generation", { currentGeneration: current, eventGeneration: generation, model: name }, logger);
      return;
    }
    const ready = state === "ModelAvailable";
    this.logFields("info", ready ? "Setting model to ready" : "Setting model to not ready", { logger, name, state });
    const replicas = available + unavailable;
    const selector = `server=${latest.serverName}`;
    const before = obj.modelStatus;
    // Most messages repeat what the status already says: then the copy below would compare equal
    // and be dropped, so it is not built (=== on these numbers and strings implies sameStatus).
    if (
      before !== null && before.replicas === replicas && before.availableReplicas === available && before.selector === selector &&
      markDependentKeeps(before.conditions, MODEL_READY, ready, reason, state)
    ) return;
    const status = cloneModelStatus(before);
    markDependent(status.conditions, MODEL_READY, ready, reason, state, this.now);
    status.replicas = replicas;
    status.availableReplicas = available;
    status.selector = selector;
    this.writeModelStatus(obj, status);
  }

  /** The body of SubscribeServerEvents' loop for one message. */
  private onServerEvent(ev: PbServerStatusResponse, logger: string): void {
    const name = ev.serverName;
    this.log("info", "Received event", { server: name }, logger);
    const meta = ev.kubernetesMeta;
    if (meta === null || meta === undefined) {
      this.log("info", "Received server event with no k8s metadata so ignoring", { server: name }, logger);
      return;
    }
    const obj = this.store.get("Server", meta.namespace, name);
    if (!obj) {
      this.log("error", "Failed to get server", { name, namespace: meta.namespace, error: notFound("Server", name) }, logger);
      return;
    }
    const generation = Number(meta.generation);
    const current = obj.resource.metadata.generation ?? 1;
    if (generation !== current && ev.type !== "ScalingRequest") {
      this.log("info", "Ignoring event for old generation", { currentGeneration: current, eventGeneration: generation, server: name }, logger);
      return;
    }
    if (ev.type === "StatusUpdate") {
      const status = cloneServerStatus(obj.serverStatus);
      status.loadedModels = ev.numLoadedModelReplicas;
      this.writeServerStatus(obj, status, false);
    } else if (ev.type === "ScalingRequest") {
      this.scaleServerReplicas(obj, ev, logger);
    }
  }

  private scaleServerReplicas(obj: StoredObject, ev: PbServerStatusResponse, logger: string): void {
    const server = obj.resource as ServerResource;
    let spec;
    try {
      spec = validatedScalingSpec(server.spec.replicas, server.spec.minReplicas, server.spec.maxReplicas);
    } catch (e) {
      this.log("error", "Failed to update status", { model: ev.serverName, error: e instanceof Error ? e.message : String(e) }, logger);
      return;
    }
    const expected = ev.expectedReplicas >>> 0; // uint32(event.ExpectedReplicas)
    if (expected <= spec.maxReplicas && expected >= spec.minReplicas) {
      if (server.spec.replicas !== ev.expectedReplicas) {
        const generation = (server.metadata.generation ?? 1) + 1;
        const { namespace, name } = server.metadata;
        obj.resource = { ...server, metadata: { ...server.metadata, generation }, spec: { ...server.spec, replicas: ev.expectedReplicas } };
        this.observe({ type: "k8s.updated", kind: "Server", namespace, name, generation });
        this.store.statefulSetScales.push({ namespace, name, replicas: expected });
        this.enqueue("server", keyOf(namespace, name));
      }
    } else {
      this.log("info", "Ignoring scale replicas request for server as expected replics is not valid", {
        server: server.metadata.name, "expected replicas": ev.expectedReplicas, "min replicas": spec.minReplicas, "max replicas": spec.maxReplicas,
      }, "schedulerClient");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Status writes

  /** updateModelStatus: write if different; record ModelReady / ModelNotReady on a flip. */
  private writeModelStatus(obj: StoredObject, status: ModelObjectStatus): void {
    const before = obj.modelStatus;
    if (before && sameStatus(before, status)) return;
    const wasReady = before !== null && isTrue(before.conditions, READY);
    const nowReady = isTrue(status.conditions, READY);
    obj.modelStatus = status;
    const { namespace, name } = obj.resource.metadata;
    const cond = conditionOf(status.conditions, MODEL_READY);
    this.observe({
      type: "controller.modelStatus", namespace, name, ready: nowReady, state: cond?.message ?? "", reason: cond?.reason ?? "",
      replicas: status.replicas, availableReplicas: status.availableReplicas,
    });
    if (wasReady && !nowReady) this.event(obj, "Warning", "ModelNotReady", `Model [${name}] is no longer Ready`);
    else if (!wasReady && nowReady) this.event(obj, "Normal", "ModelReady", `Model [${name}] is Ready`);
  }

  /** updateStatusFromError of the Model reconciler. */
  private modelStatusFromError(namespace: string, name: string, canRetry: boolean, err: string): void {
    const obj = this.store.get("Model", namespace, name);
    if (!obj) return;
    const status = cloneModelStatus(obj.modelStatus);
    markDependent(status.conditions, MODEL_READY, false, err, canRetry ? "ModelProgressing" : "ModelFailed", this.now);
    if (obj.modelStatus && sameStatus(obj.modelStatus, status)) return;
    obj.modelStatus = status;
    this.observe({ type: "controller.modelStatus", namespace, name, ready: false, state: canRetry ? "ModelProgressing" : "ModelFailed", reason: err });
  }

  /** A Server status write; a change is a watch event, which reconciles the Server again. */
  private writeServerStatus(obj: StoredObject, status: ServerObjectStatus, withEvents: boolean): void {
    const before = obj.serverStatus;
    if (before && sameStatus(before, status)) return;
    const wasReady = before !== null && isTrue(before.conditions, READY);
    const nowReady = isTrue(status.conditions, READY);
    obj.serverStatus = status;
    const { namespace, name } = obj.resource.metadata;
    this.observe({ type: "controller.serverStatus", namespace, name, ready: nowReady, replicas: status.replicas, loadedModels: status.loadedModels });
    if (withEvents) {
      if (wasReady && !nowReady) this.event(obj, "Warning", "ServerNotReady", `Server ${name} is no longer Ready`);
      else if (!wasReady && nowReady) this.event(obj, "Normal", "ServerReady", `Server ${name} is Ready`);
    }
    this.enqueue("server", keyOf(namespace, name));
  }

  private serverStatusFromError(namespace: string, name: string, err: string): void {
    const obj = this.store.get("Server", namespace, name);
    if (!obj) return;
    const status = cloneServerStatus(obj.serverStatus);
    markDependent(status.conditions, STATEFUL_SET_READY, false, err, "", this.now);
    this.writeServerStatus(obj, status, false);
  }

  private removeFinalizer(kind: Kind, namespace: string, name: string, finalizer: string): void {
    const obj = this.store.get(kind, namespace, name);
    if (!obj) return;
    obj.finalizers = obj.finalizers.filter((f) => f !== finalizer);
    if (obj.deletionTimestamp !== null && obj.finalizers.length === 0) {
      this.store.remove(kind, namespace, name);
      this.observe({ type: "k8s.deleted", kind, namespace, name });
    }
  }

  private event(obj: StoredObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const { namespace, name } = obj.resource.metadata;
    this.store.events.push({ t: this.now, kind: obj.resource.kind, namespace, name, type, reason, message });
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private begin(now: Millis): void {
    this.now = now;
    this.out = [];
  }

  private end(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private log(level: LogLevel, msg: string, fields?: Fields, logger?: string): void {
    if (logger) {
      this.logFields(level, msg, fields ? { logger, ...fields } : { logger });
      return;
    }
    const f: Fields = { ...fields };
    this.out.push(Object.keys(f).length > 0 ? { kind: "log", level, msg, fields: f } : { kind: "log", level, msg });
  }

  /** A log line whose fields (the `logger` first, when there is one) are given as they go out. */
  private logFields(level: LogLevel, msg: string, fields: Fields): void {
    this.out.push({ kind: "log", level, msg, fields });
  }

  private observe(event: Observation): void {
    this.out.push({ kind: "observe", event });
  }
}

// -----------------------------------------------------------------------------------------------
// Helpers

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The states in which the Model's finalizer may go (the model is gone from the scheduler, or never got there). */
const FINALIZER_REMOVABLE_STATES: ReadonlySet<string> = new Set(["ModelTerminated", "ModelTerminateFailed", "ModelFailed", "ModelStateUnknown", "ScheduleFailed"]);

function notFound(kind: Kind, name: string): string {
  return `${RESOURCE_NAMES[kind]} ${JSON.stringify(name)} not found`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

function splitTarget(target: string): { host: string; port: number } {
  const i = target.lastIndexOf(":");
  return i < 0 ? { host: target, port: 0 } : { host: target.slice(0, i), port: Number(target.slice(i + 1)) };
}

function goCode(status: GrpcStatus): string {
  return goRpcError(status).replace(/^rpc error: code = (\S+) desc = .*$/s, "$1");
}

/**
 * The object as a reconcile started with it, for the calls it makes later. A stored resource is
 * never changed in place (a change replaces `StoredObject.resource`), so the object itself is that
 * snapshot.
 */
function snapshot(obj: StoredObject): SeldonResource {
  return obj.resource;
}

// Statuses are flat records with a list of flat conditions: copying them by hand is what
// every status message and every read of a status costs, several times cheaper than
// structuredClone.
const copyConditions = (list: readonly Condition[]): Condition[] => list.map((c) => ({ ...c }));

function cloneModelStatus(s: ModelObjectStatus | null): ModelObjectStatus {
  return s ? { ...s, conditions: copyConditions(s.conditions) } : { replicas: 0, availableReplicas: 0, selector: "", conditions: [] };
}

function cloneServerStatus(s: ServerObjectStatus | null): ServerObjectStatus {
  return s ? { ...s, conditions: copyConditions(s.conditions) } : { loadedModels: 0, replicas: 0, selector: "", conditions: [] };
}

/**
 * Two statuses as Kubernetes compares them: condition times do not count. The same answer as
 * comparing their `stableJson` texts, without building them (this runs on every model event).
 */
function sameStatus(a: ModelObjectStatus | ServerObjectStatus, b: ModelObjectStatus | ServerObjectStatus): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  if (!sameJsonKeys(x, y, "conditions")) return false;
  const ca = a.conditions;
  const cb = b.conditions;
  if (!Array.isArray(ca) || !Array.isArray(cb)) return sameJson(ca, cb);
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const p = ca[i] as unknown;
    const q = cb[i] as unknown;
    if (!isPlainObject(p) || !isPlainObject(q)) {
      if (!sameJson(p, q)) return false;
    } else if (!sameJsonKeys(p, q, "lastTransitionTime")) return false;
  }
  return true;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `stableJson(a) === stableJson(b)`, stopping at the first difference. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) || isPlainObject(b)) return isPlainObject(a) && isPlainObject(b) && sameJsonKeys(a, b);
  return (JSON.stringify(a) ?? "null") === (JSON.stringify(b) ?? "null");
}

/** The objects' defined keys (but `except`) are the same, with `sameJson` values. */
function sameJsonKeys(a: Record<string, unknown>, b: Record<string, unknown>, except?: string): boolean {
  let n = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || k === except || a[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(b, k) || b[k] === undefined || !sameJson(a[k], b[k])) return false;
  }
  for (const k in b) {
    if (Object.hasOwn(b, k) && k !== except && b[k] !== undefined) n--;
  }
  return n === 0;
}

/** JSON with sorted keys (values kept as they are, zeros and empties included). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

function modelView(o: StoredObject): ModelView {
  const m = o.resource as ModelResource;
  const st = o.modelStatus;
  const cond = st ? conditionOf(st.conditions, MODEL_READY) : undefined;
  return {
    namespace: m.metadata.namespace,
    name: m.metadata.name,
    generation: m.metadata.generation ?? 1,
    createdAt: o.createdAt,
    deleting: o.deletionTimestamp !== null,
    finalizers: [...o.finalizers],
    ready: cond ? cond.status === "True" : null,
    replicas: m.spec.replicas ?? null,
    availableReplicas: st?.availableReplicas ?? 0,
    statusReplicas: st?.replicas ?? 0,
    state: cond ? cond.message : null,
    reason: cond?.reason ?? "",
    selector: st?.selector ?? "",
    conditions: st ? copyConditions(st.conditions) : [],
  };
}

function serverView(o: StoredObject): ServerView {
  const s = o.resource as ServerResource;
  const st = o.serverStatus;
  const cond = st ? conditionOf(st.conditions, READY) : undefined;
  return {
    namespace: s.metadata.namespace,
    name: s.metadata.name,
    generation: s.metadata.generation ?? 1,
    createdAt: o.createdAt,
    ready: cond ? cond.status === "True" : null,
    replicas: st ? st.replicas : null,
    loadedModels: st ? st.loadedModels : null,
    specReplicas: s.spec.replicas ?? null,
    selector: st?.selector ?? "",
    conditions: st ? copyConditions(st.conditions) : [],
  };
}
