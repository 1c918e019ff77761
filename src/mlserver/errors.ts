/**
 * The error answers of the fake MLServer, worded and coded the way MLServer answers (see
 * docs/mlserver.md for the sources of each). MLServer raises its own exceptions with an HTTP
 * status and its gRPC layer translates 400 → INVALID_ARGUMENT, 404 → NOT_FOUND,
 * 422 → FAILED_PRECONDITION and 500 → INTERNAL; any other exception becomes INTERNAL with the
 * exception's text. The REST layer does the reverse with `httpStatusOf`.
 */
import { Status, type GrpcStatus, type StatusCode } from "../core/protocol.ts";

/** MLServer's "model not found". `version` is the version as the request carried it: over gRPC
 * that is always a string (possibly empty), so MLServer says "with version " even for "". */
export function modelNotFound(name: string, version?: string): GrpcStatus {
  const details = version === undefined ? `Model ${name} not found` : `Model ${name} with version ${version} not found`;
  return { code: Status.NOT_FOUND, details };
}

/** MLServer's answer to an inference on a model that is registered but not ready (still
 * loading). MLServer raises this with HTTP 400, hence INVALID_ARGUMENT, not NOT_FOUND. */
export function modelNotReady(name: string, version?: string): GrpcStatus {
  const details =
    version === undefined ? `Model ${name} is not ready yet.` : `Model ${name} with version ${version} is not ready yet.`;
  return { code: Status.INVALID_ARGUMENT, details };
}

/** MLServer's gRPC `ModelReady` handler has no error translation: an unknown model escapes as an
 * unhandled exception, which grpcio reports as UNKNOWN "Unexpected <class ...>: <text>". */
export const UNHANDLED_MODEL_NOT_FOUND_PREFIX = "Unexpected <class 'mlserver.errors.ModelNotFound'>: ";

export function unhandledModelNotFound(name: string, version: string): GrpcStatus {
  return { code: Status.UNKNOWN, details: UNHANDLED_MODEL_NOT_FOUND_PREFIX + modelNotFound(name, version).details };
}

/** A bad tensor: the built-in runtime rejects it as MLServer's `InferenceError` (HTTP 400). */
export function invalidArgument(details: string): GrpcStatus {
  return { code: Status.INVALID_ARGUMENT, details };
}

/** What a load that ran out of memory looks like from outside: MLServer loads models in a worker
 * process (Seldon runs it with one parallel worker); the kernel's OOM killer sends that worker
 * SIGKILL, Python reports the exit code as -9, and MLServer fails the in-flight load with its
 * `WorkerStop` error (HTTP 500 → INTERNAL). */
export const OOM_EXIT_CODE = -9;

export function workerStopped(exitCode: number = OOM_EXIT_CODE): GrpcStatus {
  return { code: Status.INTERNAL, details: `Worker process stopped unexpectedly with exit code ${exitCode}.` };
}

/** grpcio's answer for a method the server does not implement. */
export function unimplemented(): GrpcStatus {
  return { code: Status.UNIMPLEMENTED, details: "Method not found!" };
}

/** HTTP status MLServer's REST server answers for an error of this gRPC code. */
export function httpStatusOf(code: StatusCode | number): number {
  switch (code) {
    case Status.INVALID_ARGUMENT:
      return 400;
    case Status.NOT_FOUND:
      return 404;
    case Status.FAILED_PRECONDITION:
      return 422;
    default:
      return 500;
  }
}

/**
 * Over REST the version is absent unless the path names one, and MLServer then leaves
 * "with version ..." out of its messages. The REST layer sends an empty `model_version` to the
 * component, so it rewrites "Model m with version  ..." (empty version) back to REST's wording.
 */
export function restWording(details: string): string {
  const m = /^Model (.*) with version  (not found|is not ready yet\.)$/s.exec(details);
  return m ? `Model ${m[1]} ${m[2]}` : details;
}
