/**
 * The agent process's lifecycle, as an xstate machine used purely (no actors, no timers): the
 * agent keeps a snapshot and moves it with `transition`. An event the current state does not
 * accept is a bug in the agent and throws.
 *
 *   created ─START→ waitingForInferenceServer ─INFERENCE_SERVER_LIVE→ unloadingExistingModels
 *     ─EXISTING_MODELS_UNLOADED→ subscribing ⇄ subscribed (STREAM_OPENED / STREAM_ENDED)
 *   subscribing | subscribed ─STOP→ stopping      (a readiness re-check failed)
 *   any state but created ─EXIT→ exited            (fatal error, or shut down after STOP)
 */
import { initialTransition, setup, transition } from "xstate";

export type AgentLifecycleState =
  | "created"
  | "waitingForInferenceServer"
  | "unloadingExistingModels"
  | "subscribing"
  | "subscribed"
  | "stopping"
  | "exited";

export type AgentLifecycleEvent =
  | { type: "START" }
  | { type: "INFERENCE_SERVER_LIVE" }
  | { type: "EXISTING_MODELS_UNLOADED" }
  | { type: "STREAM_OPENED" }
  | { type: "STREAM_ENDED" }
  | { type: "STOP" }
  | { type: "EXIT" };

export const agentLifecycleMachine = setup({
  types: { events: {} as AgentLifecycleEvent },
}).createMachine({
  id: "agent",
  initial: "created",
  states: {
    created: { on: { START: "waitingForInferenceServer" } },
    waitingForInferenceServer: { on: { INFERENCE_SERVER_LIVE: "unloadingExistingModels", EXIT: "exited" } },
    unloadingExistingModels: { on: { EXISTING_MODELS_UNLOADED: "subscribing", EXIT: "exited" } },
    subscribing: { on: { STREAM_OPENED: "subscribed", STOP: "stopping", EXIT: "exited" } },
    subscribed: { on: { STREAM_ENDED: "subscribing", STOP: "stopping", EXIT: "exited" } },
    stopping: { on: { EXIT: "exited" } },
    exited: { type: "final" },
  },
});

type Snapshot = ReturnType<typeof initialTransition<typeof agentLifecycleMachine>>[0];

export class AgentLifecycle {
  private snapshot: Snapshot;

  constructor() {
    [this.snapshot] = initialTransition(agentLifecycleMachine);
  }

  get state(): AgentLifecycleState {
    return this.snapshot.value as AgentLifecycleState;
  }

  can(event: AgentLifecycleEvent): boolean {
    return this.snapshot.can(event);
  }

  /** Moves the lifecycle; returns the previous state. */
  send(event: AgentLifecycleEvent): AgentLifecycleState {
    const from = this.state;
    if (!this.snapshot.can(event)) throw new Error(`agent lifecycle: ${event.type} is not allowed in state ${from}`);
    [this.snapshot] = transition(agentLifecycleMachine, this.snapshot, event);
    return from;
  }
}
