/**
 * The places our own processes' messages take in the engine's queue while they cross real
 * sockets. Each message sent reserves, at once, the place the sim transport would deliver it at
 * (one latency later, in send order); it is carried out when that place comes up. Everything
 * queued before a place may run while the message is still on its way, exactly as it would in
 * `sim`: only a place whose message has not arrived holds the run. So a step's messages, and the
 * steps after it up to the first place still awaited, all travel at once, and a trace is the same
 * in both runtimes whatever order the sockets delivered in.
 */
import type { EventQueue, Timed } from "../queue.ts";

/** Which way a message travels: towards the call's server side or its client side. */
export type Direction = "toServer" | "toClient";

interface Slot {
  /** Hands the message to the engine; set once it has arrived. */
  run: (() => void) | null;
  /** Its place came up (it had arrived, or the run stopped waiting for it). */
  due: boolean;
  /** The queue entry of its place, while the run must wait for it there. */
  entry: Timed | null;
}

export class OrderedDeliveries {
  /** Arrivals and wake-ups so far: how the watchdog tells a slow delivery from one that never comes. */
  private progress = 0;
  /** Per call and direction, the places of its messages still on their way, in send order (a
   * stream keeps its order, but its two directions are independent of each other). */
  private readonly toServer = new Map<number, Slot[]>();
  private readonly toClient = new Map<number, Slot[]>();
  /** Queue entries of the places still awaited: one per message sent and not yet arrived (or
   * given up on). */
  private readonly awaited = new Set<Timed>();
  private waiters: (() => void)[] = [];
  private closed = false;
  /**
   * One timer for every wait, kept armed while runs wait and re-armed only when it fires, so a
   * wait (one per message the run is held by) costs no timer of its own; it holds the process
   * open only while someone waits.
   */
  private watchdog: NodeJS.Timeout | null = null;
  private watchdogSeen = 0;
  /** A wake-up is due once the sockets' pending reads are handled (see `wakeSoon`). */
  private wakeDue = false;

  constructor(private readonly queue: Pick<EventQueue, "push" | "peek">, private readonly timeoutMs: () => number) {}

  /**
   * Whether the run must wait before its next event: that event is the place of a message still
   * on its way. (Anything queued before it cannot depend on it.)
   */
  get blocked(): boolean {
    if (this.closed || this.awaited.size === 0) return false;
    const head = this.queue.peek();
    return head !== undefined && this.awaited.has(head);
  }

  /** Messages on their way, for a caller that wants a count. */
  get inFlight(): number {
    return this.closed ? 0 : this.awaited.size;
  }

  /** A message of `callId` leaves now; its place is at `at` in the engine's queue. */
  expect(callId: number, dir: Direction, at: number): void {
    const slot: Slot = { run: null, due: false, entry: null };
    const byCall = dir === "toServer" ? this.toServer : this.toClient;
    const places = byCall.get(callId);
    if (places) places.push(slot);
    else byCall.set(callId, [slot]);
    slot.entry = this.queue.push(at, () => {
      slot.due = true;
      if (slot.entry) this.forget(slot); // given up on: whatever comes later comes as soon as it can
      slot.run?.();
    });
    this.awaited.add(slot.entry);
  }

  /** Something sent on `callId` arrived; `deliver` hands it to the engine in its place. */
  arrived(callId: number, dir: Direction, deliver: () => void): void {
    const byCall = dir === "toServer" ? this.toServer : this.toClient;
    const places = byCall.get(callId);
    const slot = places?.shift();
    if (!slot) return; // not something we were waiting for (e.g. a status after our own cancel)
    if (places!.length === 0) byCall.delete(callId);
    this.progress++;
    if (slot.due) {
      deliver(); // came after the run stopped waiting for it: as soon as possible
      this.wakeSoon(); // and it may be what the run waits for
      return;
    }
    slot.run = deliver;
    const wasHead = slot.entry !== null && this.waiters.length > 0 && this.queue.peek() === slot.entry;
    this.forget(slot);
    // Only the place at the head holds the run: an arrival further back wakes nobody.
    if (wasHead) this.wakeSoon();
  }

  /** The call is gone: nothing more of it will arrive, and the run does not wait for it. */
  drop(callId: number): void {
    let owed = 0;
    for (const byCall of [this.toServer, this.toClient]) {
      const places = byCall.get(callId);
      if (!places) continue;
      byCall.delete(callId);
      for (const slot of places) {
        if (slot.entry) owed++;
        this.forget(slot);
      }
    }
    if (owed > 0) this.wake();
  }

  /**
   * Wait until the run's next event may run: its message arrived, or no message arrived for at
   * least the timeout (a bug, or a peer that vanished).
   */
  waitForDelivery(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.watchdog === null) {
        this.watchdogSeen = this.progress;
        this.watchdog = setTimeout(this.onWatchdog, this.timeoutMs());
      } else if (this.waiters.length === 1) this.watchdog.ref();
    });
  }

  private readonly onWatchdog = (): void => {
    const timer = this.watchdog!;
    if (this.waiters.length === 0 || this.closed) {
      this.watchdog = null;
      return;
    }
    // Messages are still coming in: give the rest the full time again.
    if (this.progress !== this.watchdogSeen) {
      this.watchdogSeen = this.progress;
      timer.refresh();
      return;
    }
    // Stop waiting for the message at the head; if it still comes, it is handed over as soon
    // as it does.
    this.watchdog = null;
    const head = this.queue.peek();
    for (const byCall of [this.toServer, this.toClient]) {
      for (const places of byCall.values()) {
        const slot = places.find((s) => s.entry === head);
        if (slot) this.forget(slot);
      }
    }
    this.wake();
  };

  /** Nothing more is awaited; whoever waits stops waiting. */
  close(): void {
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.wake();
  }

  /** Stop waiting for `slot` in its place. */
  private forget(slot: Slot): void {
    if (!slot.entry) return;
    this.awaited.delete(slot.entry);
    slot.entry = null;
  }

  /**
   * Wake the run once the rest of what the sockets have brought is read. Woken at once, it would
   * run between two frames of one read, find the next place still empty and wait again: one wait
   * per message instead of one per batch.
   */
  private wakeSoon(): void {
    if (this.wakeDue || this.waiters.length === 0) return;
    this.wakeDue = true;
    setImmediate(this.onWakeDue);
  }

  private readonly onWakeDue = (): void => {
    this.wakeDue = false;
    this.wake();
  };

  private wake(): void {
    const w = this.waiters;
    if (w.length === 0) return;
    this.progress++;
    this.waiters = [];
    this.watchdog?.unref();
    for (const f of w) f();
  }
}
