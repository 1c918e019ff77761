/** Drives a Scheduler component directly: calls in, effects out, timers fired by hand. */
import { Scheduler, type SchedulerOptions } from "../../src/scheduler/scheduler.ts";
import { M, roundTripRequest, roundTripResponse } from "../../src/proto/index.ts";
import type { Effect } from "../../src/core/protocol.ts";
import type { PbModelOperationMessage } from "../../src/proto/messages.ts";

export class SchedulerHarness {
  readonly s: Scheduler;
  now = 0;
  private n = 0;
  readonly effects: Effect[] = [];
  /** Server-side call id of each agent's Subscribe stream. */
  readonly agentStreams = new Map<string, string>();
  private timers = new Map<string, number>();

  /**
   * `synchronised` (default true): the controller's first-sync ServerNotify announcing no
   * servers is sent at once, so the start-up synchroniser does not hold scheduling.
   */
  constructor(options: SchedulerOptions = {}, synchronised = true) {
    this.s = new Scheduler(options);
    this.feed({ kind: "start" });
    if (synchronised) this.call(M.scheduler.ServerNotify, { servers: [], isFirstSync: true });
  }

  feed(input: Parameters<Scheduler["handle"]>[0]): Effect[] {
    const out = this.s.handle(input, this.now);
    for (const e of out) {
      if (e.kind === "setTimer") this.timers.set(e.timer, this.now + e.afterMs);
      if (e.kind === "clearTimer") this.timers.delete(e.timer);
      if (e.kind === "reply" && [...this.agentStreams.values()].includes(e.call)) {
        roundTripResponse(M.agent.Subscribe, e.message);
      }
    }
    this.effects.push(...out);
    return out;
  }

  call(method: string, request: object): Effect[] {
    const call = `c${this.n++}`;
    return this.feed({ kind: "incoming", call, method, request: roundTripRequest(method, request), peer: "test" });
  }

  /** Advance time, firing due timers in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1];
      this.feed({ kind: "timer", timer: due[0] });
    }
    this.now = until;
  }

  subscribeAgent(server: string, idx: number, opts: { memory?: number; capabilities?: string[]; overCommit?: number } = {}): void {
    const call = `agent-${server}-${idx}-${this.n++}`;
    this.agentStreams.set(`${server}:${idx}`, call);
    this.feed({
      kind: "incoming", call, method: M.agent.Subscribe, peer: "agent",
      request: roundTripRequest(M.agent.Subscribe, {
        serverName: server, shared: true, replicaIdx: idx,
        replicaConfig: {
          inferenceSvc: `${server}-${idx}`, inferenceHttpPort: 9000, inferenceGrpcPort: 9500,
          memoryBytes: opts.memory ?? 1_000_000_000,
          capabilities: opts.capabilities ?? ["mlserver", "sklearn", "mlflow", "alibi-explain"],
          overCommitPercentage: opts.overCommit ?? 10,
        },
        loadedModels: [],
        availableMemoryBytes: opts.memory ?? 1_000_000_000,
      }),
    });
  }

  disconnectAgent(server: string, idx: number): void {
    const call = this.agentStreams.get(`${server}:${idx}`)!;
    this.agentStreams.delete(`${server}:${idx}`);
    this.feed({ kind: "incomingCancelled", call });
  }

  /** Operations sent to an agent's stream since `from` (index into effects). */
  opsTo(server: string, idx: number, from = 0): PbModelOperationMessage[] {
    const call = this.agentStreams.get(`${server}:${idx}`);
    return this.effects.slice(from).filter((e): e is Extract<Effect, { kind: "reply" }> => e.kind === "reply" && e.call === call)
      .map((e) => e.message as PbModelOperationMessage);
  }

  agentEvent(server: string, idx: number, model: string, version: number, event: string, availableMemoryBytes: number, message = ""): Effect[] {
    return this.call(M.agent.AgentEvent, { serverName: server, replicaIdx: idx, modelName: model, modelVersion: version, event, availableMemoryBytes, message });
  }

  loadModel(name: string, spec: { replicas?: number; minReplicas?: number; memory?: number; requirements?: string[]; server?: string; uri?: string } = {}): Effect[] {
    return this.call(M.scheduler.LoadModel, {
      model: {
        meta: { name, kubernetesMeta: { namespace: "default", generation: 1 } },
        modelSpec: {
          uri: spec.uri ?? "gs://models/iris", requirements: spec.requirements ?? ["sklearn"],
          ...(spec.memory !== undefined ? { memoryBytes: spec.memory } : {}),
          ...(spec.server !== undefined ? { server: spec.server } : {}),
        },
        deploymentSpec: { replicas: spec.replicas ?? 1, minReplicas: spec.minReplicas ?? 0, maxReplicas: 0 },
      },
    });
  }

  logs(): string[] {
    return this.effects.filter((e) => e.kind === "log").map((e) => (e as { msg: string }).msg);
  }

  state(name: string) {
    const m = this.s.store.models.get(name)!;
    const v = m.latest()!;
    return { version: v.version, state: v.status.state, reason: v.status.reason, available: v.status.availableReplicas, server: v.server, replicas: Object.fromEntries([...v.replicas].map(([i, r]) => [i, r.state])) };
  }

  /** Play the agent's part for every pending operation: report LOADED / UNLOADED. */
  ackAll(memoryAfter: (server: string, idx: number) => number = () => 900_000_000): void {
    for (let round = 0; round < 10; round++) {
      let acted = false;
      for (const [key] of this.agentStreams) {
        const [server, idxS] = key.split(":") as [string, string];
        const idx = Number(idxS);
        for (const mv of this.s.store.models.values()) {
          for (const v of mv.versions) {
            if (v.server !== server) continue;
            const st = v.replicaState(idx);
            if (st === "Loading") { this.agentEvent(server, idx, mv.name, v.version, "LOADED", memoryAfter(server, idx)); acted = true; }
            if (st === "Unloading") { this.agentEvent(server, idx, mv.name, v.version, "UNLOADED", memoryAfter(server, idx)); acted = true; }
          }
        }
      }
      this.advance(300);
      if (!acted) break;
    }
  }
}
