import { afterEach, describe, expect, it } from "vitest";
import { Simulation } from "../../src/index.ts";
import type { NetworkRule } from "../../src/network/rules.ts";
import type { Session } from "../../src/cluster/session.ts";
import { KEEPALIVE_V2_9_0, keepaliveBreak } from "../../src/network/keepalive.ts";

const iris = `apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: {name: iris, namespace: seldon-mesh}
spec: {storageUri: gs://m/iris, requirements: [sklearn]}
`;
const SUBSCRIBE = "/seldon.mlops.agent.AgentService/Subscribe";
const silent: NetworkRule = { id: "silent", from: { role: "agent" }, to: { role: "scheduler" }, mode: "blackhole" };

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function blackHoledAfterBoot(): Promise<{ s: Simulation; session: Session; blockedAt: number }> {
  const s = await Simulation.start({ cluster: { servers: [{ name: "mlserver" }] } });
  sim = s;
  await s.advance("6s");
  const session = (s as unknown as { session: Session }).session;
  session.block(silent);
  return { s, session, blockedAt: s.now };
}

const subscribeCloses = (s: Simulation) => s.trace.filter((e) => e.type === "callClose" && e.method === SUBSCRIBE);

describe("a black-holed established stream", () => {
  it("stays open and silent until the agent's keepalive (60 s + 2 s) breaks it; the scheduler notices only at its own (2 h + 20 s)", async () => {
    const { s, blockedAt } = await blackHoledAfterBoot();
    await s.advance("61s");
    expect(subscribeCloses(s)).toHaveLength(0);
    await s.advance("2s");
    const [closed] = subscribeCloses(s);
    expect(closed).toMatchObject({ t: blockedAt + 62_000, code: 14, details: expect.stringContaining("keepalive ping failed to receive ACK within timeout") });
    await s.advance(blockedAt + 7_219_000 - s.now);
    expect(s.logs.some((l) => l.msg.includes("has disconnected"))).toBe(false);
    await s.advance("2s");
    const gone = s.logs.find((l) => l.msg.includes("Client replica mlserver:0 has disconnected"));
    expect(gone?.t).toBe(blockedAt + 7_220_000);
  });

  it("resumes when healed before a keepalive fires, delivering what was sent meanwhile", async () => {
    const { s, session } = await blackHoledAfterBoot();
    await s.apply(iris);
    await s.advance("30s");
    expect(s.model("iris").status?.state).not.toBe("ModelAvailable");
    session.heal("silent");
    await s.model("iris").toBeAvailable({ within: "20s" });
    expect(subscribeCloses(s)).toHaveLength(0);
  });
});

describe("the v2.9.0 keepalive profile", () => {
  it("lets the pinging client give up first on its stream to the scheduler, and nobody on links without keepalive", () => {
    expect(keepaliveBreak(KEEPALIVE_V2_9_0, "agent", "scheduler", 1000)).toEqual({ at: 63_000, side: "client" });
    expect(keepaliveBreak(KEEPALIVE_V2_9_0, "mlserver", "scheduler", 0)).toEqual({ at: 7_220_000, side: "server" });
    expect(keepaliveBreak(KEEPALIVE_V2_9_0, "agent", "mlserver", 0)).toBeNull();
  });
});
