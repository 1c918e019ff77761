/**
 * What the agent reads from the scheduler: generated ModelOperationMessages (missing nested
 * messages, unknown operations, huge memory sizes, odd names), decoded as they come off the wire,
 * never throw inside the agent and never make it exit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { M, method } from "../../src/proto/index.ts";
import { protoRoot, messageArb } from "./garbage.ts";
import { setup, startSubscribed } from "../agent/harness.ts";

const opType = protoRoot().lookupType("seldon.mlops.agent.ModelOperationMessage");
const decode = (m: Record<string, unknown>) => method(M.agent.Subscribe).responseDeserialize(Buffer.from(opType.encode(m).finish()));

describe("the agent and garbage from the scheduler", () => {
  it("handles any operation without throwing or exiting, and stays subscribed", () => {
    fc.assert(
      fc.property(fc.array(messageArb(opType), { minLength: 1, maxLength: 4 }), (ops) => {
        const { d } = setup();
        startSubscribed(d);
        for (const op of ops) d.pushOperation(decode(op));
        d.runFor(60_000);
        expect(d.exit).toBeUndefined();
        expect(d.agent.state).toBe("subscribed");
      }),
      { numRuns: 60 },
    );
  });
});
