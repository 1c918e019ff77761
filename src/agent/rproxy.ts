/**
 * The agent's reverse proxies (v2.9.0 `rproxy.go`, HTTP on `SELDON_REVERSE_PROXY_HTTP_PORT`, and
 * `rproxy_grpc.go`, gRPC on `SELDON_REVERSE_PROXY_GRPC_PORT`): Envoy sends each inference to a
 * replica with the `seldon-internal-model` header (`<model>_<version>`); the proxy makes sure that
 * version is on the inference server (EnsureLoadModel: reload it if it was evicted, else refresh
 * its place in the eviction order), counts the request for the scaling statistics and forwards
 * it to the inference server under its internal name.
 *
 * The two proxies differ in what Seldon's code does, and both are kept:
 * - gRPC: a version that cannot be ensured is NOT_FOUND `Model X not found (err: …)`; the
 *   inference server answering NOT_FOUND or UNAVAILABLE makes the proxy load the model and try
 *   once more. Its lag is counted up and down at once (the decrement is deferred to the end of
 *   the helper that counted it, not of the request), so gRPC traffic never builds lag.
 * - REST: a version that cannot be ensured is HTTP 404 (`404 page not found`); 404 and 400 from
 *   the inference server make it load the model and try once more; the lag covers the forwarded
 *   request, so slow REST traffic builds lag.
 *
 * Links carry gRPC only, so a REST inference travels as `ModelInfer` with
 * `content-type: application/json` and its HTTP status is read back from the gRPC status
 * (`httpStatusOf`).
 */
import type { CallId, GrpcStatus, Headers } from "../core/protocol.ts";
import { goRpcError, Status } from "../core/protocol.ts";
import { M } from "../proto/index.ts";
import { rpc, type Kernel, type Task } from "./kernel.ts";
import type { OipClient } from "./oip.ts";
import type { ModelScalingStats } from "./scaling-stats.ts";
import type { LocalStateManager } from "./state-manager.ts";
import { originalModelNameAndVersion } from "./state.ts";

export const SELDON_INTERNAL_MODEL_HEADER = "seldon-internal-model";
export const SELDON_MODEL_HEADER = "seldon-model";
export const CONTENT_TYPE_HEADER = "content-type";
/** What a REST inference carries; anything else is taken as gRPC. */
export const REST_CONTENT_TYPE = "application/json";

/** The HTTP status the REST proxy answers for a gRPC outcome of the hop behind it. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case Status.OK: return 200;
    case Status.INVALID_ARGUMENT: return 400;
    case Status.NOT_FOUND: return 404;
    case Status.FAILED_PRECONDITION: return 422;
    case Status.UNAVAILABLE: return 503;
    case Status.DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

/** The answer to one proxied call: a response message, or a status. */
export type ProxyAnswer = { ok: true; message: unknown } | { ok: false; status: GrpcStatus };

/** The model's own name: from the internal name when it has a version suffix, else the header. */
function externalModelName(internal: string, header: string): string {
  return originalModelNameAndVersion(internal)?.name ?? header;
}

const GRPC = { Source: "GRPCProxy" } as const;
const HTTP = { Source: "HTTPProxy" } as const;

export class ReverseProxy {
  constructor(
    private readonly k: Kernel,
    private readonly sm: LocalStateManager,
    private readonly oip: OipClient,
    private readonly stats: ModelScalingStats,
    private readonly inferenceAddress: string,
  ) {}

  /** One ModelInfer, read null-safely from whatever the peer sent. */
  *infer(request: unknown, headers: Headers | undefined): Task<ProxyAnswer> {
    const h = headers ?? {};
    const internal = typeof h[SELDON_INTERNAL_MODEL_HEADER] === "string" ? h[SELDON_INTERNAL_MODEL_HEADER]! : "";
    const external = typeof h[SELDON_MODEL_HEADER] === "string" ? h[SELDON_MODEL_HEADER]! : "";
    const body = request !== null && typeof request === "object" ? (request as Record<string, unknown>) : {};
    const rest = h[CONTENT_TYPE_HEADER] === REST_CONTENT_TYPE;
    return rest ? yield* this.inferRest(body, internal, external) : yield* this.inferGrpc(body, internal, external);
  }

  private *inferGrpc(body: Record<string, unknown>, internal: string, external: string): Task<ProxyAnswer> {
    const externalName = externalModelName(internal, external);
    if (internal === "" || externalName === "") {
      const msg = `Failed to extract model name ${SELDON_INTERNAL_MODEL_HEADER}:[${internal}] ${SELDON_MODEL_HEADER}:[${externalName}]`;
      this.k.log("error", msg, GRPC);
      return { ok: false, status: { code: Status.FAILED_PRECONDITION, details: msg } };
    }
    this.stats.requestStarted(internal, this.k.now);
    this.stats.requestEnded(internal);
    const err = yield* this.sm.ensureLoadModel(internal);
    if (err !== undefined) {
      return { ok: false, status: { code: Status.NOT_FOUND, details: `Model ${internal} not found (err: ${err})` } };
    }
    const forwarded = { ...body, model_name: internal, model_version: "" };
    let r = yield* rpc(this.inferenceAddress, M.inference.ModelInfer, forwarded);
    if (!r.ok && (r.status.code === Status.NOT_FOUND || r.status.code === Status.UNAVAILABLE)) {
      const loadErr = yield* this.oip.loadModel(internal);
      if (loadErr !== undefined) this.k.log("warning", `error loading model ${internal}`, { ...GRPC, func: "ModelInfer", error: goRpcError(loadErr) });
      r = yield* rpc(this.inferenceAddress, M.inference.ModelInfer, forwarded);
    }
    return r;
  }

  private *inferRest(body: Record<string, unknown>, internal: string, external: string): Task<ProxyAnswer> {
    const externalName = externalModelName(internal, external);
    if (internal === "" || externalName === "") {
      // Seldon logs it and forwards the request unchanged.
      this.k.log("warning", `Failed to extract model name ${SELDON_INTERNAL_MODEL_HEADER}:[${internal}] ${SELDON_MODEL_HEADER}:[${externalName}]`, HTTP);
      return yield* rpc(this.inferenceAddress, M.inference.ModelInfer, body);
    }
    const err = yield* this.sm.ensureLoadModel(internal);
    if (err !== undefined) {
      this.k.log("error", `Cannot load model in agent ${internal}`, HTTP);
      return { ok: false, status: { code: Status.NOT_FOUND, details: "404 page not found" } };
    }
    // The path is rewritten to the internal name, without a version.
    const forwarded = { ...body, model_name: internal, model_version: "" };
    this.stats.requestStarted(internal, this.k.now);
    try {
      let r = yield* rpc(this.inferenceAddress, M.inference.ModelInfer, forwarded);
      if (!r.ok && (r.status.code === Status.NOT_FOUND || r.status.code === Status.INVALID_ARGUMENT)) {
        const loadErr = yield* this.oip.loadModel(internal);
        if (loadErr !== undefined) this.k.log("warning", `cannot load model ${internal}`, { ...HTTP, error: goRpcError(loadErr) });
        r = yield* rpc(this.inferenceAddress, M.inference.ModelInfer, forwarded);
      }
      return r;
    } finally {
      this.stats.requestEnded(internal);
    }
  }
}

/** The effects that end a served call with a proxy's answer. */
export function answerEffects(call: CallId, a: ProxyAnswer): Array<{ kind: "reply"; call: CallId; message: unknown } | { kind: "finish"; call: CallId; status: GrpcStatus }> {
  if (a.ok) return [{ kind: "reply", call, message: a.message }, { kind: "finish", call, status: { code: Status.OK, details: "" } }];
  return [{ kind: "finish", call, status: a.status }];
}
