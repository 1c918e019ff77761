import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEngine } from "../../src/runtime/index.ts";
import { M, SERVICES } from "../../src/proto/index.ts";
import type { Component, Effect, Input } from "../../src/core/protocol.ts";

/**
 * A finish right after a reply takes the call the reply found instead of looking it up again:
 * whatever a server answers, in whatever order, the client must see what a lookup per answer
 * gives: the replies before the first finish, then that finish's status, and nothing after.
 */
type Answer = { kind: "reply"; live: boolean } | { kind: "finish"; code: 0 | 5 };

class Server implements Component {
  readonly role = "mlserver";
  readonly name = "server";
  readonly listeners = [{ port: 9500, services: [SERVICES.inference] }];
  constructor(private readonly script: Answer[][]) {}
  private n = 0;
  handle(input: Input): Effect[] {
    if (input.kind !== "incoming") return [];
    const answers = this.script[this.n++] ?? [];
    return answers.map((a): Effect => a.kind === "reply"
      ? { kind: "reply", call: input.call, message: { live: a.live } }
      : { kind: "finish", call: input.call, status: { code: a.code, details: a.code === 0 ? "" : "gone" } });
  }
}

class Client implements Component {
  readonly role = "controller";
  readonly name = "client";
  readonly listeners = [];
  readonly seen: string[] = [];
  constructor(private readonly calls: number) {}
  handle(input: Input): Effect[] {
    if (input.kind === "start") {
      return Array.from({ length: this.calls }, (_, i): Effect => ({ kind: "call", call: `c${i}`, target: "10.0.0.2:9500", method: M.inference.ServerLive, request: {} }));
    }
    if (input.kind === "response") this.seen.push(`${input.call} live=${(input.message as { live: boolean }).live}`);
    if (input.kind === "closed") this.seen.push(`${input.call} closed ${input.status.code}`);
    return [];
  }
}

function expected(script: Answer[][]): string[] {
  return script.flatMap((answers, i) => {
    const out: string[] = [];
    for (const a of answers) {
      if (a.kind === "reply") out.push(`c${i} live=${a.live}`);
      else return [...out, `c${i} closed ${a.code}`];
    }
    return out;
  });
}

const answer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ kind: fc.constant("reply" as const), live: fc.boolean() }),
  fc.record({ kind: fc.constant("finish" as const), code: fc.constantFrom(0 as const, 5 as const) }),
);

describe("a server's answers", () => {
  it("reach the client as a lookup per answer would deliver them", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(answer, { maxLength: 5 }), { minLength: 1, maxLength: 6 }), async (script) => {
        const engine = await createEngine("sim");
        const client = new Client(script.length);
        engine.addPod({ name: "server-0", namespace: "ns", ip: "10.0.0.2", processes: [{ container: "server", role: "mlserver", spawn: () => new Server(script) }] });
        engine.addPod({ name: "client-0", namespace: "ns", ip: "10.0.0.3", processes: [{ container: "client", role: "controller", spawn: () => client }] });
        engine.startAll();
        await engine.runUntil(1_000);
        // Responses arrive in the order they were sent; only their interleaving across calls is fixed by time.
        expect(client.seen).toEqual(expected(script));
        const finished = script.filter((answers) => answers.some((a) => a.kind === "finish")).length;
        expect(engine.proc("ns", "server-0", "server").serverCalls.size).toBe(script.length - finished);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the engine's message count", () => {
  it("counts every call opened and every reply asked for, whether or not the call still listens", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(answer, { maxLength: 5 }), { minLength: 1, maxLength: 6 }), async (script) => {
        const engine = await createEngine("sim");
        engine.addPod({ name: "server-0", namespace: "ns", ip: "10.0.0.2", processes: [{ container: "server", role: "mlserver", spawn: () => new Server(script) }] });
        engine.addPod({ name: "client-0", namespace: "ns", ip: "10.0.0.3", processes: [{ container: "client", role: "controller", spawn: () => new Client(script.length) }] });
        engine.startAll();
        await engine.runUntil(1_000);
        const replies = script.flat().filter((a) => a.kind === "reply").length;
        expect(engine.messagesAsked).toBe(script.length + replies);
      }),
      { numRuns: 100 },
    );
  });
});
