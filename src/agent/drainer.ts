/**
 * The agent's drainer service (`/terminate` on SELDON_DRAINER_PORT), as v2.9.0's DrainerService
 * and the client's drain-on-request loop behave:
 * - every container of a server pod has a preStop hook that calls `/terminate`;
 * - each call waits 100 ms, then, if at least 3 calls (one per container) arrived in that window,
 *   the first such call triggers the drain, and every call waits until the drain is over;
 *   otherwise the count starts again and the call returns at once (no drain);
 * - the drain marks the agent as draining (a load that finishes later is reported LOAD_FAILED
 *   "server replica is draining"), asks the scheduler `AgentDrain` for this replica and logs the
 *   result; only then do the waiting hooks return, and Kubernetes stops the containers.
 */
import { lock, sleep, type Kernel, type Task } from "./kernel.ts";

/** `eventWindowMs` and `eventsTarget` of v2.9.0's drainer. */
export const DRAIN_EVENT_WINDOW_MS = 100;
export const DRAIN_EVENTS_TARGET = 3;

/** Held from the trigger until the drain is over; hooks wait on it (Go's drainingFinishedWg). */
const FINISHED_GATE = "drainer:finished";

export class Drainer {
  private events = 0;
  private triggered = false;
  private hooks = 0;

  constructor(
    private readonly k: Kernel,
    /** The drain itself: AgentDrain to the scheduler, logging its outcome. */
    private readonly drain: () => Task<void>,
  ) {}

  /** Whether a drain has been triggered (the agent is draining from then on). */
  get isDraining(): boolean {
    return this.triggered;
  }

  /** preStop hooks still waiting for their `/terminate` call to return. */
  get hooksRunning(): number {
    return this.hooks;
  }

  /** One `/terminate` call, from one container's preStop hook. */
  terminate(): void {
    this.hooks++;
    this.k.spawn(this.onTerminate(), () => this.hooks--);
  }

  private *onTerminate(): Task<void> {
    this.events++;
    yield* sleep(DRAIN_EVENT_WINDOW_MS, "drainer-event-window");
    if (this.events < DRAIN_EVENTS_TARGET) {
      this.events = 0;
      return;
    }
    if (!this.triggered) {
      this.triggered = true;
      this.k.tryLock(FINISHED_GATE);
      this.k.spawn(this.drainThenRelease());
    }
    yield* lock(FINISHED_GATE);
    this.k.unlock(FINISHED_GATE);
  }

  private *drainThenRelease(): Task<void> {
    yield* this.drain();
    this.k.unlock(FINISHED_GATE);
  }
}
