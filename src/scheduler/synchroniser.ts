/**
 * The start-up synchroniser (Seldon's ServerBasedSynchroniser) as a small state machine: the
 * scheduler holds scheduling until the controller's first-sync `ServerNotify` has said how many
 * server replicas to expect and that many distinct replicas have connected, or until the ready
 * timeout (counted from the scheduler's start) passes.
 */
/** `allConnected`: the expected replicas are all here (Seldon logs it); `ready`: ready for another
 * reason (nothing to wait for, or the timeout); `waiting`: not yet; `unchanged`: was ready already. */
export type SyncOutcome = "allConnected" | "ready" | "waiting" | "unchanged";

export class StartupSynchroniser {
  private ready = false;
  private triggered = false;
  private expected = 0;
  /** `server-idx` of every replica that connected while not ready (reconnects count once). */
  private readonly connected = new Set<string>();
  /** Connections seen before the signal, counted one by one once it arrives. */
  private readonly beforeSignal: string[] = [];

  isReady(): boolean {
    return this.ready;
  }
  isTriggered(): boolean {
    return this.triggered;
  }
  expectedReplicas(): number {
    return this.expected;
  }

  /** The first-sync ServerNotify: only the first one counts. Zero expected means ready now. */
  signal(expected: number): SyncOutcome {
    if (this.ready) return "unchanged";
    if (this.triggered) return "waiting";
    this.triggered = true;
    this.expected = expected;
    if (expected === 0) return this.done();
    const queued = this.beforeSignal.splice(0);
    for (const key of queued) if (this.count(key) === "allConnected") return "allConnected";
    return "waiting";
  }

  replicaConnected(server: string, idx: number): SyncOutcome {
    if (this.ready) return "unchanged";
    const key = `${server}-${idx}`;
    if (!this.triggered) {
      this.beforeSignal.push(key);
      return "waiting";
    }
    return this.count(key);
  }

  /** The ready timeout passed. */
  timeout(): SyncOutcome {
    return this.ready ? "unchanged" : this.done();
  }

  private count(key: string): SyncOutcome {
    if (this.connected.has(key)) return "waiting";
    this.connected.add(key);
    // Seldon compares for equality after each new replica: one more than expected never matches.
    if (this.connected.size !== this.expected) return "waiting";
    this.done();
    return "allConnected";
  }

  private done(): SyncOutcome {
    this.ready = true;
    return "ready";
  }
}
