/** The fake MLServer: the sans-IO component, its REST front, and the pieces tests reach for. */
export { MlServer, DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, MLSERVER_VERSION, PINNED_MODEL_VERSION, type MlServerOptions } from "./server.ts";
export { createRestApp, type Dispatch, type DispatchResult } from "./rest.ts";
export { ModelState, type ModelInfo } from "./repository.ts";
export { DEFAULT_FAIL_DETAILS, type LoadBehaviour, type ModelPattern } from "./faults.ts";
export { outputName } from "./inference.ts";
export { DATATYPES, packBytesElements, packRaw, type Tensor } from "./tensors.ts";
export { OOM_EXIT_CODE, httpStatusOf } from "./errors.ts";
