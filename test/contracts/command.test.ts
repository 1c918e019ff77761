import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { loadContractFile } from "../../src/contracts/parse.ts";
import { verifyContract } from "../../src/contracts/verify.ts";

const contract = (name: string) => loadContractFile(path.resolve("contracts", `${name}.yaml`));
const failed = (r: Awaited<ReturnType<typeof verifyContract>>) => r.verdicts.filter((v) => !v.passed).map((v) => v.clause.name);

// Components under test as separate processes, over real gRPC on the wall clock: our own agent
// as a standalone process, and a controller written only from the protos (right, and wrong).
describe("verify with a command under test", () => {
  it("judges a real agent and real controllers, the faithful passing and the wrong failing the clause that names it", async () => {
    const quiet = { onOutput: () => {} };
    const [agent, controller, noBackoff] = await Promise.all([
      verifyContract(contract("agent"), { kind: "command", argv: ["node", "bin/seldon-sim.js", "agent", "--quiet"], cwd: process.cwd(), ...quiet }),
      verifyContract(contract("controller"), { kind: "command", argv: ["node", "test/contracts/peers/controller.mjs"], cwd: process.cwd(), ...quiet }),
      verifyContract(contract("controller"), { kind: "command", argv: ["env", "BROKEN=no-backoff", "node", "test/contracts/peers/controller.mjs"], cwd: process.cwd(), ...quiet }),
    ]);
    expect(failed(agent)).toEqual([]);
    expect(failed(controller)).toEqual([]);
    expect(failed(noBackoff)).toEqual(["resubscribes-after-scheduler-loss-with-backoff"]);
    // what the outside component said and heard is in the recording, named as outside
    expect(agent.entries.some((e) => e.from.startsWith("outside ") && e.method.endsWith("/Subscribe"))).toBe(true);
    expect(controller.entries.some((e) => e.from.startsWith("outside ") && e.method.endsWith("/LoadModel"))).toBe(true);
  }, 120_000);
});
