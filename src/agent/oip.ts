/**
 * The agent's control-plane client for its inference server (Open Inference Protocol gRPC plus
 * the repository extension), as v2.9.0's `oip.V2Client` behaves:
 * - every call has a context timeout covering all its attempts (1 min for ServerLive and
 *   RepositoryIndex, 60 min for RepositoryModelLoad, 2 min for RepositoryModelUnload);
 * - the connection's retry interceptor re-sends a call that failed UNAVAILABLE or
 *   RESOURCE_EXHAUSTED, up to 5 attempts, waiting 100, 200, 400, 800 ms in between; a wait that
 *   would outlast the timeout ends the call with DEADLINE_EXCEEDED when the timeout expires.
 */
import type { Address, GrpcStatus, Millis } from "../core/protocol.ts";
import { goRpcError, Status } from "../core/protocol.ts";
import { M } from "../proto/index.ts";
import { grpcRetryWaitMs } from "./backoff.ts";
import * as C from "./constants.ts";
import { type CallResult, callOp, type Kernel, sleep, type Task } from "./kernel.ts";
import type { ModelIndexMsg } from "./messages.ts";

const CONTEXT_DEADLINE: GrpcStatus = { code: Status.DEADLINE_EXCEEDED, details: "context deadline exceeded" };

/** A call's result that no further attempt follows: a success, or a code the interceptor does not retry. */
function isFinal(r: CallResult): boolean {
  return r.ok || !C.GRPC_RETRIABLE_CODES.includes(r.status.code);
}

/** Logger fields of the real client. */
const OIP_FIELDS = { Source: "V2InferenceServerClientGrpc" } as const;

export class OipClient {
  /** Model names with a load or unload call not yet answered, and how many. */
  private readonly outstanding = new Map<string, number>();

  constructor(
    private readonly k: Kernel,
    private readonly target: Address,
  ) {}

  private *unary(method: string, request: unknown, timeoutMs: number): Task<CallResult> {
    if (timeoutMs <= 0) return { ok: false, status: CONTEXT_DEADLINE };
    const deadline = this.k.now + timeoutMs;
    // The first attempt waits for nothing and has the whole timeout.
    const first = (yield callOp(this.target, method, request, timeoutMs)) as CallResult;
    return isFinal(first) ? first : yield* this.retries(method, request, deadline, first);
  }

  /** The attempts after a first one that failed with a code the interceptor retries. */
  private *retries(method: string, request: unknown, deadline: Millis, first: CallResult): Task<CallResult> {
    let last = first;
    for (let attempt = 1; attempt < C.GRPC_RETRY_MAX_COUNT; attempt++) {
      const wait = grpcRetryWaitMs(attempt);
      if (wait > 0) {
        if (this.k.now + wait > deadline) {
          yield* sleep(deadline - this.k.now, "oip-retry-deadline");
          return { ok: false, status: CONTEXT_DEADLINE };
        }
        yield* sleep(wait, "oip-retry");
      }
      const remaining = deadline - this.k.now;
      if (remaining <= 0) return { ok: false, status: CONTEXT_DEADLINE };
      last = (yield callOp(this.target, method, request, remaining)) as CallResult;
      if (isFinal(last)) return last;
    }
    return last;
  }

  /** ServerLive; undefined when live, else the error text the agent logs. */
  *live(): Task<string | undefined> {
    const r = yield* this.unary(M.inference.ServerLive, {}, C.GRPC_CONTROL_PLANE_TIMEOUT_MS);
    if (!r.ok) {
      const err = goRpcError(r.status);
      if (this.k.logs("debug")) this.k.log("debug", "Server live check failed on error", { ...OIP_FIELDS, error: err });
      return err;
    }
    return (r.message as { live?: boolean }).live ? undefined : "Server not ready";
  }

  /** RepositoryIndex: the named models and their states, or the error. */
  *getModels(): Task<{ models: Array<{ name: string; state: string }> } | { error: GrpcStatus }> {
    const r = yield* this.unary(M.inference.RepositoryIndex, {}, C.GRPC_CONTROL_PLANE_TIMEOUT_MS);
    if (!r.ok) return { error: r.status };
    const models = ((r.message as { models?: ModelIndexMsg[] }).models ?? [])
      .filter((m) => (m.name ?? "") !== "")
      .map((m) => ({ name: m.name ?? "", state: m.state ?? "" }));
    return { models };
  }

  /** RepositoryModelLoad; undefined on success. */
  loadModel(name: string): Task<GrpcStatus | undefined> {
    return this.repositoryCall(name, M.inference.RepositoryModelLoad, C.GRPC_MODEL_SERVER_LOAD_TIMEOUT_MS);
  }

  /** RepositoryModelUnload; undefined on success. */
  unloadModel(name: string): Task<GrpcStatus | undefined> {
    return this.repositoryCall(name, M.inference.RepositoryModelUnload, C.GRPC_MODEL_SERVER_UNLOAD_TIMEOUT_MS);
  }

  /**
   * A load or unload of `name`, counted as outstanding until it is answered. The two methods
   * above hand this task out as it is (they are not generators themselves).
   */
  private *repositoryCall(name: string, method: string, timeoutMs: number): Task<GrpcStatus | undefined> {
    this.outstanding.set(name, (this.outstanding.get(name) ?? 0) + 1);
    try {
      const r = yield* this.unary(method, { model_name: name }, timeoutMs);
      return r.ok ? undefined : r.status;
    } finally {
      const n = (this.outstanding.get(name) ?? 1) - 1;
      if (n > 0) this.outstanding.set(name, n);
      else this.outstanding.delete(name);
    }
  }

  /** Model names whose load or unload the inference server has not answered yet. */
  pending(): string[] {
    return [...this.outstanding.keys()];
  }
}
