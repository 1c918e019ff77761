/**
 * A fake MLServer as a sans-IO component: it serves `inference.GRPCInferenceService` (health,
 * metadata, inference with a built-in identity model, and the model repository extension the
 * Seldon agent drives), with load faults settable at run time. See docs/mlserver.md.
 */
import { OK_STATUS, type CallId, type Component, type Effect, type GrpcStatus, type Input, type Listener, type Millis } from "../core/protocol.ts";
import { M, SERVICES } from "../proto/index.ts";
import { invalidArgument, modelNotFound, modelNotReady, unhandledModelNotFound, unimplemented } from "./errors.ts";
import { LoadBehaviours, type LoadBehaviour, type LoadOutcome, type ModelPattern } from "./faults.ts";
import { identity } from "./inference.ts";
import type {
  PbModelInferRequest,
  PbModelInferResponse,
  PbModelMetadataResponse,
  PbModelRefRequest,
  PbRepositoryIndexRequest,
  PbRepositoryIndexResponse,
  PbRepositoryModelRequest,
  PbServerMetadataResponse,
} from "./messages.ts";
import { ModelRepository, ModelState, type LoadTicket, type ModelEntry, type ModelInfo } from "./repository.ts";
import { TensorError } from "./tensors.ts";
import { readInferRequest } from "./requests.ts";

export const DEFAULT_GRPC_PORT = 9500;
export const DEFAULT_HTTP_PORT = 9000;
/** The MLServer release Seldon Core v2 deploys (operator/config/serverconfigs). */
export const MLSERVER_VERSION = "1.6.1";
/** The version the Seldon agent writes into every model-settings.json it hands MLServer
 * (`util.GetPinnedModelVersion()`), so the version MLServer reports for every model. */
export const PINNED_MODEL_VERSION = "1";

export interface MlServerOptions {
  /** Pod name, e.g. `mlserver-0`. */
  name: string;
  grpcPort?: number;
  /** REST port, recorded for whoever serves `createRestApp`; the component itself speaks gRPC. */
  httpPort?: number;
  /** Version every loaded model gets; default `PINNED_MODEL_VERSION`. */
  modelVersion?: string;
}

interface PendingLoad {
  call: CallId;
  model: string;
  ticket: LoadTicket;
  outcome: LoadOutcome;
  startedAt: Millis;
  /** The client went away; the load still finishes but nobody hears the answer. */
  cancelled: boolean;
}

export class MlServer implements Component {
  readonly role = "mlserver";
  readonly name: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly listeners: Listener[];

  private readonly modelVersion: string;
  private readonly repository = new ModelRepository();
  private readonly behaviours = new LoadBehaviours();
  /** Delayed loads by timer name. */
  private readonly pending = new Map<string, PendingLoad>();
  private nextTimer = 0;
  private started = false;

  constructor(options: MlServerOptions) {
    this.name = options.name;
    this.grpcPort = options.grpcPort ?? DEFAULT_GRPC_PORT;
    this.httpPort = options.httpPort ?? DEFAULT_HTTP_PORT;
    this.modelVersion = options.modelVersion ?? PINNED_MODEL_VERSION;
    this.listeners = [{ port: this.grpcPort, services: [SERVICES.inference] }];
  }

  // -------------------------------------------------------------------------------------------
  // Faults, set between inputs

  /** Sets how loads behave: globally, or for models matching `pattern` (glob or RegExp). */
  setLoadBehaviour(behaviour: LoadBehaviour, pattern?: ModelPattern): void {
    this.behaviours.set(behaviour, pattern);
  }

  /** Forgets the rule for `pattern`, or every rule and the global behaviour. */
  clearLoadBehaviour(pattern?: ModelPattern): void {
    this.behaviours.clear(pattern);
  }

  loadBehaviourFor(model: string): LoadBehaviour {
    return this.behaviours.behaviourFor(model);
  }

  // -------------------------------------------------------------------------------------------
  // State, for tests and properties

  get isStarted(): boolean {
    return this.started;
  }

  /** Registered models by name, with their state as `RepositoryIndex` reports it. */
  models(): ModelInfo[] {
    return this.repository.list();
  }

  modelState(name: string): ModelState | undefined {
    return this.repository.stateOf(name);
  }

  /** Names of the models that are READY. */
  readyModels(): string[] {
    return this.repository.list().filter((m) => m.state === ModelState.READY).map((m) => m.name);
  }

  /** Loads waiting for their delay to pass. */
  pendingLoads(): { model: string; call: CallId; startedAt: Millis; dueAt: Millis }[] {
    return [...this.pending.values()].map((p) => ({ model: p.model, call: p.call, startedAt: p.startedAt, dueAt: p.startedAt + p.outcome.delayMs }));
  }

  // -------------------------------------------------------------------------------------------

  handle(input: Input, now: Millis): Effect[] {
    switch (input.kind) {
      case "start":
        this.started = true;
        return [{ kind: "log", level: "info", msg: `gRPC server running on http://0.0.0.0:${this.grpcPort}` }];
      case "incoming":
        return this.incoming(input.call, input.method, input.request, now);
      case "incomingCancelled":
        for (const p of this.pending.values()) if (p.call === input.call) p.cancelled = true;
        return [];
      case "timer": {
        const p = this.pending.get(input.timer);
        if (!p) return [];
        this.pending.delete(input.timer);
        return this.finishLoad(p);
      }
      default:
        return [];
    }
  }

  private incoming(call: CallId, method: string, request: unknown, now: Millis): Effect[] {
    const req = (request ?? {}) as Record<string, unknown>;
    switch (method) {
      case M.inference.ServerLive:
        return ok(call, { live: true });
      case M.inference.ServerReady:
        // MLServer: ready when every registered model is ready.
        return ok(call, { ready: this.started && this.repository.allReady() });
      case M.inference.ServerMetadata:
        return ok(call, { name: "mlserver", version: MLSERVER_VERSION, extensions: [] } satisfies PbServerMetadataResponse);
      case M.inference.ModelReady:
        return this.modelReady(call, req as PbModelRefRequest);
      case M.inference.ModelMetadata:
        return this.modelMetadata(call, req as PbModelRefRequest);
      case M.inference.ModelInfer:
        return this.modelInfer(call, readInferRequest(req));
      case M.inference.RepositoryIndex:
        return this.repositoryIndex(call, req as PbRepositoryIndexRequest);
      case M.inference.RepositoryModelLoad:
        return this.load(call, req as PbRepositoryModelRequest, now);
      case M.inference.RepositoryModelUnload:
        return this.unload(call, req as PbRepositoryModelRequest);
      default:
        return fail(call, unimplemented());
    }
  }

  /** The model a data-plane request names: any version when `version` is empty, else only that
   * version. */
  private find(name: string, version: string): Readonly<ModelEntry> | undefined {
    const e = this.repository.get(name);
    return e && (version === "" || version === e.version) ? e : undefined;
  }

  private modelReady(call: CallId, req: PbModelRefRequest): Effect[] {
    const name = req.name ?? "";
    const version = req.version ?? "";
    const e = this.find(name, version);
    if (!e) return fail(call, unhandledModelNotFound(name, version));
    return ok(call, { ready: e.ready });
  }

  private modelMetadata(call: CallId, req: PbModelRefRequest): Effect[] {
    const name = req.name ?? "";
    const version = req.version ?? "";
    const e = this.find(name, version);
    if (!e) return fail(call, modelNotFound(name, version));
    // MLServer answers from the model's settings; the ones the agent writes declare no platform,
    // no `versions` list and no tensor metadata.
    const message: PbModelMetadataResponse = { name: e.name, versions: [], platform: "", inputs: [], outputs: [] };
    return ok(call, message);
  }

  private modelInfer(call: CallId, req: PbModelInferRequest): Effect[] {
    const name = req.model_name ?? "";
    const version = req.model_version ?? "";
    const e = this.find(name, version);
    if (!e) return fail(call, modelNotFound(name, version));
    if (!e.ready) return fail(call, modelNotReady(name, version));
    let result: ReturnType<typeof identity>;
    try {
      result = identity(req);
    } catch (err) {
      if (err instanceof TensorError) return fail(call, invalidArgument(err.message));
      throw err;
    }
    const message: PbModelInferResponse = { model_name: e.name, model_version: e.version, id: req.id ?? "", ...result };
    return ok(call, message);
  }

  private repositoryIndex(call: CallId, req: PbRepositoryIndexRequest): Effect[] {
    const models = this.repository.list().filter((m) => !req.ready || m.state === ModelState.READY);
    return ok(call, { models } satisfies PbRepositoryIndexResponse);
  }

  private load(call: CallId, req: PbRepositoryModelRequest, now: Millis): Effect[] {
    const model = req.model_name ?? "";
    // MLServer looks the model up in its repository directory first; a nameless model is not there.
    if (model === "") return fail(call, modelNotFound(model));
    const outcome = this.behaviours.outcomeFor(model);
    const ticket = this.repository.startLoad(model, this.modelVersion);
    const p: PendingLoad = { call, model, ticket, outcome, startedAt: now, cancelled: false };
    const effects: Effect[] = [
      { kind: "observe", event: { type: "mlserver.modelLoading", server: this.name, model, reload: ticket.reload, delayMs: outcome.delayMs } },
    ];
    if (outcome.delayMs <= 0) return this.finishLoad(p, effects);
    const timer = `load/${this.nextTimer++}`;
    this.pending.set(timer, p);
    effects.push({ kind: "setTimer", timer, afterMs: outcome.delayMs });
    return effects;
  }

  /** Ends a load: its log line, observation and answer, appended to `effects`. */
  private finishLoad(p: PendingLoad, effects: Effect[] = []): Effect[] {
    const error = p.outcome.error;
    const result = this.repository.finishLoad(p.ticket, error === undefined);
    const version = p.ticket.entry.version;
    if (error) {
      effects.push(
        { kind: "log", level: "info", msg: `Couldn't load model '${p.model}'. Model will be removed from registry.` },
        { kind: "observe", event: { type: "mlserver.modelLoadFailed", server: this.name, model: p.model, version, code: error.code, details: error.details, result } },
      );
    } else if (result === "orphaned") {
      effects.push({ kind: "observe", event: { type: "mlserver.modelLoadDiscarded", server: this.name, model: p.model, version } });
    } else {
      effects.push(
        { kind: "log", level: "info", msg: `Loaded model '${p.model}' successfully.` },
        { kind: "observe", event: { type: "mlserver.modelLoaded", server: this.name, model: p.model, version, reload: p.ticket.reload } },
      );
    }
    if (!p.cancelled) effects.push(...(error ? fail(p.call, error) : ok(p.call, {})));
    return effects;
  }

  private unload(call: CallId, req: PbRepositoryModelRequest): Effect[] {
    const model = req.model_name ?? "";
    const e = this.repository.get(model);
    if (!e || !this.repository.unload(model)) return fail(call, modelNotFound(model));
    return [
      { kind: "log", level: "info", msg: `Unloaded all versions of model '${model}' successfully.` },
      { kind: "observe", event: { type: "mlserver.modelUnloaded", server: this.name, model, version: e.version, wasReady: e.ready } },
      ...ok(call, {}),
    ];
  }
}

function ok(call: CallId, message: unknown): Effect[] {
  return [
    { kind: "reply", call, message },
    { kind: "finish", call, status: OK_STATUS },
  ];
}

function fail(call: CallId, status: GrpcStatus): Effect[] {
  return [{ kind: "finish", call, status }];
}
