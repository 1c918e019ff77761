/**
 * The numbers and choices of the scheduler that belong to one Seldon release. Everything that a
 * later release changes is read from here, so that one switch can move the scheduler to it.
 */
export interface SchedulerProfile {
  readonly version: string;
  /** `--scheduler-ready-timeout-seconds`' default (the Helm chart sets its own, see install). */
  readonly readyTimeoutSecondsDefault: number;
  /** After the synchroniser is ready, main waits this long before serving xDS. */
  readonly xdsWaitMs: number;
  /** The incremental processor batches routing updates by this long. */
  readonly envoyBatchWaitMs: number;
  /** Server status updates to the controller are coalesced over this long. */
  readonly serverStatusBatchWaitMs: number;
  /** A scale-down trigger is refused while the model changed state this recently. */
  readonly modelScalingCooldownMs: number;
  /** After a drained replica's models are elsewhere, AgentDrain still waits envoy's batch plus this. */
  readonly serverDrainingExtraWaitMs: number;
  /** `--enable-server-autoscaling`' default. */
  readonly serverAutoscalingDefault: boolean;
  /**
   * A failed unload send is recorded against the latest version, server and key rather than the
   * version being unloaded (so for an older version it fails with a state mismatch).
   */
  readonly unloadSendFailureUsesLatestVersion: boolean;
  /** What a Go server stream's Send returns once its client has gone. */
  readonly closedStreamSendError: string;
}

export const V2_9_0: SchedulerProfile = {
  version: "v2.9.0",
  readyTimeoutSecondsDefault: 300,
  xdsWaitMs: 10_000,
  envoyBatchWaitMs: 250,
  serverStatusBatchWaitMs: 250,
  modelScalingCooldownMs: 60_000,
  serverDrainingExtraWaitMs: 3_000,
  serverAutoscalingDefault: true,
  unloadSendFailureUsesLatestVersion: true,
  closedStreamSendError: "rpc error: code = Canceled desc = context canceled",
};

export const SCHEDULER_PROFILES: Readonly<Record<string, SchedulerProfile>> = { "v2.9.0": V2_9_0 };
