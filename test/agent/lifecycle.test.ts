/**
 * The agent's lifecycle: every path through it answers what the xstate machine itself answers,
 * and the moves drawn in lifecycle.ts hold.
 */
import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { AgentLifecycle, type AgentLifecycleEvent, agentLifecycleMachine } from "../../src/agent/lifecycle.ts";

const EVENTS: AgentLifecycleEvent[] = (
  ["START", "INFERENCE_SERVER_LIVE", "EXISTING_MODELS_UNLOADED", "STREAM_OPENED", "STREAM_ENDED", "STOP", "EXIT"] as const
).map((type) => ({ type }));

function drive(path: readonly AgentLifecycleEvent[]): AgentLifecycle {
  const l = new AgentLifecycle();
  for (const e of path) l.send(e);
  return l;
}

describe("agent lifecycle", () => {
  it("along every path of up to six accepted events, state and accepted events are the machine's", () => {
    let frontier: Array<{ path: AgentLifecycleEvent[]; snapshot: ReturnType<typeof initialTransition<typeof agentLifecycleMachine>>[0] }> = [
      { path: [], snapshot: initialTransition(agentLifecycleMachine)[0] },
    ];
    let checked = 0;
    for (let depth = 0; depth <= 6; depth++) {
      const next: typeof frontier = [];
      for (const { path, snapshot } of frontier) {
        const l = drive(path);
        expect(l.state).toBe(snapshot.value);
        for (const e of EVENTS) {
          expect(l.can(e)).toBe(snapshot.can(e));
          checked++;
          if (snapshot.can(e)) next.push({ path: [...path, e], snapshot: transition(agentLifecycleMachine, snapshot, e)[0] });
        }
      }
      frontier = next;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("moves as drawn, returns the state it left, and refuses what the state does not accept", () => {
    const l = new AgentLifecycle();
    expect(l.state).toBe("created");
    expect(() => l.send({ type: "EXIT" })).toThrow("agent lifecycle: EXIT is not allowed in state created");
    expect(l.send({ type: "START" })).toBe("created");
    l.send({ type: "INFERENCE_SERVER_LIVE" });
    l.send({ type: "EXISTING_MODELS_UNLOADED" });
    expect(l.state).toBe("subscribing");
    l.send({ type: "STREAM_OPENED" });
    expect(l.send({ type: "STREAM_ENDED" })).toBe("subscribed");
    expect(l.state).toBe("subscribing");
    l.send({ type: "STOP" });
    expect(l.can({ type: "STREAM_OPENED" })).toBe(false);
    expect(l.send({ type: "EXIT" })).toBe("stopping");
    expect(l.state).toBe("exited");
    expect(() => l.send({ type: "START" })).toThrow("not allowed in state exited");
  });

  it("each agent's lifecycle is its own", () => {
    const a = drive([{ type: "START" }]);
    const b = new AgentLifecycle();
    expect(a.state).toBe("waitingForInferenceServer");
    expect(b.state).toBe("created");
  });
});
