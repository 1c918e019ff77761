/**
 * seldon-sim as a library: `import { Simulation } from "seldon-sim"`. See docs/testing.md.
 */
export { Simulation, ModelHandle, type ClusterOptions, type Duration, type ModelStatus, type ServerOptions, type SimulationOptions } from "./library/simulation.ts";
export { Faults, FaultConflict, FaultNotFound, type ProxyView } from "./faults/faults.ts";
export {
  FaultSpecError, TOXIC_TYPES, STREAMS,
  type Fault, type LinkSelector, type MessageRule, type Occurrence, type RuleAction, type Stream, type Toxic, type ToxicType,
} from "./faults/spec.ts";
export { startControlApi, type ControlApi, type ControlApiOptions } from "./api/server.ts";
export type { TraceEvent, LogRecord } from "./runtime/engine.ts";
export type { K8sResource, Scenario } from "./scenario/types.ts";
export { SELDON_VERSION, packageVersion } from "./core/version.ts";
