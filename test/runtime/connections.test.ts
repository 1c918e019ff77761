import { describe, expect, it } from "vitest";
import { createEngine, prepare } from "../../src/runtime/index.ts";
import { M, SERVICES } from "../../src/proto/index.ts";
import { Status, type Component, type Effect, type Input } from "../../src/core/protocol.ts";
import { KEEPALIVE_V2_9_0 } from "../../src/network/keepalive.ts";

/** Answers nothing: a status stream opened to it stays open. */
class Quiet implements Component {
  readonly role = "scheduler";
  readonly name = "quiet";
  readonly listeners = [{ port: 9004, services: [SERVICES.scheduler] }];
  handle(): Effect[] {
    return [];
  }
}

/** Opens a model status stream when it starts and whenever its `again` timer fires. */
class Dialer implements Component {
  readonly role = "controller";
  readonly name = "dialer";
  readonly listeners = [];
  readonly closed: { t: number; code: number; details: string }[] = [];
  private n = 0;
  handle(input: Input, now: number): Effect[] {
    if (input.kind === "closed") this.closed.push({ t: now, code: input.status.code, details: input.status.details });
    if (input.kind !== "start" && !(input.kind === "timer" && input.timer === "again")) return [];
    return [{ kind: "call", call: `c${++this.n}`, target: "seldon-scheduler:9004", method: M.scheduler.SubscribeModelStatus, request: { subscriberName: "d" } }];
  }
}

describe("established connections", () => {
  it("belong to a process: a pod made again under the same name dials afresh into a black hole and times out", async () => {
    const engine = await createEngine("sim");
    engine.addPod({ name: "seldon-scheduler-0", namespace: "ns", ip: "10.42.0.10", services: ["seldon-scheduler"], processes: [{ container: "scheduler", role: "scheduler", spawn: () => new Quiet() }] });
    const pod = (d: Dialer) => ({ name: "dialer-0", namespace: "ns", ip: "10.42.0.20", processes: [{ container: "c", role: "controller", spawn: () => d }] });
    const first = new Dialer();
    engine.addPod(pod(first));
    await prepare(engine);
    engine.startAll();
    await engine.runUntil(10);
    engine.rules = [{ id: "hole", from: { role: "controller" }, to: { role: "scheduler" }, mode: "blackhole" }];
    // the same process again: a new stream on its established connection is swallowed
    engine.deliver(engine.proc("ns", "dialer-0", "c"), { kind: "timer", timer: "again" });
    await engine.runUntil(KEEPALIVE_V2_9_0.connectTimeoutMs + 1_000);
    expect(first.closed).toEqual([]);
    engine.removePod("ns", "dialer-0");
    const second = new Dialer();
    engine.boot(engine.addPod(pod(second)).processes.get("c")!);
    const made = engine.now;
    await engine.runUntil(made + KEEPALIVE_V2_9_0.connectTimeoutMs + 1_000);
    expect(second.closed).toEqual([{ t: made + KEEPALIVE_V2_9_0.connectTimeoutMs, code: Status.UNAVAILABLE, details: expect.stringContaining("i/o timeout") }]);
  });
});
