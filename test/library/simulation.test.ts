import { afterEach, describe, expect, it } from "vitest";
import { Simulation } from "../../src/index.ts";
import { UserError } from "../../src/core/errors.ts";

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("Simulation", () => {
  it("starts from a scenario file with its cluster, resources and faults in place", async () => {
    sim = await Simulation.start({ scenario: "scenarios/faults/02-slow-link-to-mlserver.yaml" });
    expect(sim.faults.list().map((f) => f.id)).toEqual(["slow-agent-to-mlserver"]);
    const status = await sim.model("seldon-mesh/iris").toBeAvailable({ within: "1m" });
    expect(status.server).toBe("mlserver");
    // The latency toxic (3 s ± 0.5 s per request to MLServer) shows in how long it took.
    expect(sim.now).toBeGreaterThan(10_000);
    expect(sim.trace.some((e) => e.type === "fault")).toBe(false); // a toxic that only delays leaves no fault events
  });

  it("reports a bad resource in one line naming the document's field", async () => {
    sim = await Simulation.start({ cluster: { servers: [{ name: "mlserver" }] } });
    await expect(sim.apply({ apiVersion: "mlops.seldon.io/v1alpha1", kind: "Model", metadata: { name: "iris" }, spec: { storageUri: "gs://m", replica: 2 } }))
      .rejects.toThrow(/spec\.replica: unknown field `replica` in Model spec; did you mean `replicas`\?/);
    await expect(sim.advance("soon")).rejects.toBeInstanceOf(UserError);
  });

  it("scales and drains servers", async () => {
    sim = await Simulation.start({ cluster: { servers: [{ name: "mlserver", replicas: 1 }] } });
    await sim.advance("10s");
    await sim.scale("mlserver", 2);
    await sim.advance("20s");
    expect(sim.session.scheduler("seldon-mesh")!.store.servers.get("mlserver")!.replicas.size).toBe(2);
    sim.drain("mlserver", 1);
    await sim.advance("5s");
    expect(sim.logs.some((l) => l.role === "scheduler" && /drain/i.test(l.msg))).toBe(true);
    // each line is a record of its own: a copy or its JSON keeps where it came from
    const line = JSON.parse(JSON.stringify(sim.logs.find((l) => l.role === "scheduler")!));
    expect(line).toMatchObject({ namespace: "seldon-mesh", role: "scheduler", container: expect.any(String), pod: expect.stringMatching(/scheduler/) });
    expect({ ...sim.logs[0]! }.namespace).toBe(sim.logs[0]!.namespace);
  });
});

describe("Simulation in wire", () => {
  it("shows each proxy's real listening port and runs the same faults", async () => {
    sim = await Simulation.start({ runtime: "wire", cluster: { servers: [{ name: "mlserver" }] } });
    const proxy = sim.faults.proxy("seldon-mesh.mlserver-0.9500");
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe("127.0.0.1:9500");
    sim.addToxic("seldon-mesh.mlserver-0.9500", { type: "reset_peer", stream: "upstream" });
    expect(sim.faults.proxy("seldon-mesh.mlserver-0.9500").toxics.map((t) => t.name)).toEqual(["reset_peer_upstream"]);
    await sim.advance("20s");
    expect(sim.trace.some((e) => e.type === "callClose" && /connection reset by peer/.test(e.details))).toBe(true);
  });
});
