/**
 * One agent subscription at a time per (server, replica), as Seldon's agent server does it: each
 * `Subscribe` takes a per-replica mutex and holds it for the whole life of its stream, so a second
 * subscription for a replica that is connected waits, unanswered, until the first stream ends,
 * and only then registers the replica. A waiting subscription whose client gives up still takes
 * its turn (Go's `Lock()` does not watch the stream's context): it registers, sees its stream is
 * gone and removes the replica again. See docs/agent.md, "A second agent for the same replica".
 */
import type { CallId } from "../core/protocol.ts";

export interface WaitingSubscription<R> {
  call: CallId;
  request: R;
  /** The client went away while waiting. */
  cancelled: boolean;
}

export class AgentTurns<R> {
  private readonly holders = new Map<string, CallId>();
  private readonly queues = new Map<string, WaitingSubscription<R>[]>();
  private readonly waitingByCall = new Map<CallId, WaitingSubscription<R>>();

  /** True when `call` takes the replica now; otherwise it queues behind the holder. */
  arrive(key: string, call: CallId, request: R): boolean {
    if (!this.holders.has(key)) {
      this.holders.set(key, call);
      return true;
    }
    const w: WaitingSubscription<R> = { call, request, cancelled: false };
    const q = this.queues.get(key);
    if (q) q.push(w);
    else this.queues.set(key, [w]);
    this.waitingByCall.set(call, w);
    return false;
  }

  /** A waiting subscription's client left; false when `call` is not waiting. */
  cancelWaiting(call: CallId): boolean {
    const w = this.waitingByCall.get(call);
    if (!w) return false;
    w.cancelled = true;
    this.waitingByCall.delete(call);
    return true;
  }

  /** The holder of `key` left: the next in line now holds it (returned), or nobody does. */
  leave(key: string, call: CallId): WaitingSubscription<R> | undefined {
    if (this.holders.get(key) !== call) return undefined;
    this.holders.delete(key);
    const q = this.queues.get(key);
    const next = q?.shift();
    if (q && q.length === 0) this.queues.delete(key);
    if (!next) return undefined;
    this.waitingByCall.delete(next.call);
    this.holders.set(key, next.call);
    return next;
  }

  /** Subscriptions waiting for `key`, oldest first (for tests and status views). */
  waiting(key: string): CallId[] {
    return (this.queues.get(key) ?? []).map((w) => w.call);
  }
}
