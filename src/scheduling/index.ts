/**
 * seldon-sim's model placement: a pure reproduction of Seldon Core v2.9.0's
 * `SimpleScheduler.scheduleToServer` decision, with explanations.
 */
export type {
  ModelSnapshot,
  ModelVersionState,
  NonEmptyList,
  SchedulingSnapshot,
  ServerReplicaSnapshot,
  ServerSnapshot,
} from "./types.ts";
export {
  MODEL_REPLICA_STATES,
  MODEL_STATES,
  type ModelReplicaState,
  type ModelState,
  isModelReplicaState,
  isModelState,
  canReceiveTraffic,
  alreadyLoadingOrLoaded,
  isLoadingOrLoadedState,
  unloadingOrUnloaded,
} from "./states.ts";
export type {
  CandidateReplica,
  CandidateServer,
  ReplicaFilter,
  ReplicaSorter,
  SchedulingPlugin,
  ServerFilter,
  ServerSorter,
} from "./plugins.ts";
export {
  availableMemoryReplicaFilter,
  deletedServerFilter,
  explainerFilter,
  filterFreeMemory,
  firstReplicaCapabilities,
  modelLoadedOnReplica,
  replicaDrainingFilter,
  serverReplicaFilter,
  serverRequirementsFilter,
  sharingServerFilter,
} from "./filters.ts";
export {
  availableMemorySorter,
  modelAlreadyLoadedOnServerSorter,
  modelAlreadyLoadedSorter,
  replicaIndexSorter,
  sorterFreeMemory,
} from "./sorters.ts";
export {
  DEFAULT_CHAINS,
  PLUGIN_REGISTRY,
  resolveChains,
  type ChainKind,
  type ChainNames,
  type SchedulerChains,
} from "./registry.ts";
export { goStableSort, goStableSortUnlessOrdered, goStableSorted } from "./gosort.ts";
export {
  decide,
  explainDecision,
  type DecideOptions,
  MIN_REPLICAS_WARNING,
  NO_MATCHING_SERVERS,
  NOT_ENOUGH_REPLICAS,
  type Decision,
  type DecisionOutcome,
  type DeletedModelDecision,
  type Explanation,
  type FailedSchedulingCall,
  type FilterResult,
  type MinReplicasFallback,
  type NoMatchingServersDecision,
  type NotEnoughReplicasDecision,
  type ReplicaExplanation,
  type ScheduledDecision,
  type ScheduledWithMinReplicasDecision,
  type ServerExplanation,
  type ServerScaleUpEvent,
} from "./decide.ts";
export { ServerVerdictCache } from "./server-verdicts.ts";
export { parseSnapshot, snapshotFromJson } from "./snapshot.ts";
export { renderDecisionJson, renderDecisionText } from "./render.ts";
export {
  currentServer,
  hasLiveReplicas,
  hasServer,
  isLoadingOrLoaded,
  isLoadingOrLoadedOnServer,
  latestVersion,
  replicaStateOf,
} from "./model.ts";
