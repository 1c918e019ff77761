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

/**
 * The machine has no context, guards or actions, so where an event leads depends only on the
 * state and the event's type: xstate works each pair out once, for every agent of the process.
 */
const snapshots = new Map<AgentLifecycleState, Snapshot>();
const moves = new Map<string, AgentLifecycleState | null>();

function snapshotOf(state: AgentLifecycleState): Snapshot {
  let s = snapshots.get(state);
  if (s === undefined) {
    s = agentLifecycleMachine.resolveState({ value: state, context: undefined as never });
    snapshots.set(state, s);
  }
  return s;
}

/** The state `event` leads to from `state`; null when the state does not accept it. */
function move(state: AgentLifecycleState, event: AgentLifecycleEvent): AgentLifecycleState | null {
  const key = `${state}/${event.type}`;
  let to = moves.get(key);
  if (to === undefined) {
    const from = snapshotOf(state);
    to = from.can(event) ? (transition(agentLifecycleMachine, from, event)[0].value as AgentLifecycleState) : null;
    moves.set(key, to);
  }
  return to;
}

const INITIAL = initialTransition(agentLifecycleMachine)[0].value as AgentLifecycleState;

export class AgentLifecycle {
  private current: AgentLifecycleState = INITIAL;

  get state(): AgentLifecycleState {
    return this.current;
  }

  can(event: AgentLifecycleEvent): boolean {
    return move(this.current, event) !== null;
  }

  /** Moves the lifecycle; returns the previous state. */
  send(event: AgentLifecycleEvent): AgentLifecycleState {
    const from = this.current;
    const to = move(from, event);
    if (to === null) throw new Error(`agent lifecycle: ${event.type} is not allowed in state ${from}`);
    this.current = to;
    return from;
  }
}
