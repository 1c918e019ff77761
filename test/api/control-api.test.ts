import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Toxiproxy } from "toxiproxy-node-client";
import { parseServerSpec, startServe, type RunningServe } from "../../src/cli/commands/serve.ts";

/** Reads a Server-Sent Events stream, keeping every event, until closed. */
function follow(url: string) {
  const events: { event: string; data: any }[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => {});
  return {
    events,
    async until(pred: (e: { event: string; data: any }) => boolean, ms = 30_000) {
      const start = Date.now();
      while (Date.now() - start < ms) {
        const hit = events.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no such event within ${ms}ms; got ${events.slice(-25).map((e) => e.event + " " + (e.data.msg ?? e.data.state ?? e.data.action ?? "")).join("\n")}`);
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}

const model = (name: string) => `apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: {name: ${name}, namespace: seldon-mesh}
spec: {storageUri: gs://seldon-models/mlserver/${name}, requirements: [sklearn]}
`;

describe("the control API on serve, driven over HTTP and by an unmodified Toxiproxy client", () => {
  let running: RunningServe;
  let base: string;
  beforeAll(async () => {
    running = await startServe({
      host: "127.0.0.1", namespace: "seldon-mesh", schedulerPort: 0, agentPort: 0,
      servers: [parseServerSpec("mlserver:1", "seldon-mesh", "1000000000")],
      inferenceGrpcPort: 0, inferenceHttpPort: 0, controller: true, controlPort: 0,
    });
    base = running.controlUrl!;
  });
  afterAll(async () => {
    await running.stop();
  });

  it("describes itself in OpenAPI 3, generated from the route schemas", async () => {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ["/api/state", "/api/resources", "/api/faults", "/api/events", "/proxies/{proxy}/toxics"]) expect(Object.keys(doc.paths)).toContain(p);
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });

  it("answers mistakes with JSON naming the field", async () => {
    const bad = await fetch(`${base}/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: { action: { delay: "soon" } } }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; field: string };
    expect(body.field).toBe("body.message.action.delay");
    expect(body.error).toContain("duration");
    const typo = await fetch(`${base}/api/resources`, { method: "POST", headers: { "content-type": "application/yaml" }, body: model("x").replace("storageUri", "storageURI") });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { error: string }).error).toContain("storageURI");
  });

  it("applies a model, follows it coming up over SSE, then breaks a link with a toxic and one message with a rule", async () => {
    const toxiproxy = new Toxiproxy(base);
    const proxies = await toxiproxy.getAll();
    expect(Object.keys(proxies)).toEqual(expect.arrayContaining(["seldon-mesh.seldon-scheduler-0.9005", "seldon-mesh.mlserver-0.9500"]));
    const sse = follow(`${base}/api/events`);
    try {
      // A latency toxic on everything the agent sends its MLServer: the model still comes up.
      const link = await toxiproxy.get("seldon-mesh.mlserver-0.9500");
      const toxic = await link.addToxic({ name: "slow", type: "latency", stream: "upstream", toxicity: 1, attributes: { latency: 300, jitter: 0 } } as any);
      expect((await link.getToxic("slow")).toJson()).toMatchObject({ type: "latency", stream: "upstream", attributes: { latency: 300 } });

      const applied = await fetch(`${base}/api/resources`, { method: "POST", headers: { "content-type": "application/yaml" }, body: model("iris") });
      expect(applied.status).toBe(200);
      await sse.until((e) => e.event === "model" && e.data.name === "iris" && e.data.ready === true);
      expect(sse.events.some((e) => e.event === "log")).toBe(true);
      expect(sse.events.some((e) => e.event === "decision" && e.data.model === "iris")).toBe(true);
      await toxic.remove();
      expect((await toxiproxy.get("seldon-mesh.mlserver-0.9500")).toJson().enabled).toBe(true);

      // One message: MLServer's answer to unloading iris comes back as UNAVAILABLE.
      const rule = await fetch(`${base}/api/faults`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "unload-refused", message: { link: { from: "agent", to: "mlserver" }, method: "RepositoryModelUnload", direction: "response", action: { status: { code: "UNAVAILABLE", message: "injected" } } } }),
      });
      expect(rule.status).toBe(200);
      expect((await fetch(`${base}/api/resources/Model/seldon-mesh/iris`, { method: "DELETE" })).status).toBe(200);
      const fired = await sse.until((e) => e.event === "fault" && e.data.fault === "unload-refused");
      expect(fired.data.method).toBe("/inference.GRPCInferenceService/RepositoryModelUnload");
      // The agent retries the unload; MLServer, which did unload the model, now answers NOT_FOUND
      // (an error status, no message for the rule to match), which v2.9.0's agent takes as unloaded.
      await sse.until((e) => e.event === "log" && e.data.msg === "Model is not found on server iris_1");
      const recording = await (await fetch(`${base}/api/recording`)).text();
      expect(recording).toContain('"fault":"unload-refused"');

      // Disabling the proxy of the scheduler's agent port refuses the agent's reconnects.
      const agentLink = await toxiproxy.get("seldon-mesh.seldon-scheduler-0.9005");
      expect((await agentLink.update({ enabled: false } as any)).toJson().enabled).toBe(false);
      await toxiproxy.reset();
      expect(Object.values(await toxiproxy.getAll()).every((p) => p.toJson().enabled)).toBe(true);
    } finally {
      await sse.close();
    }
  });

  it("reads the state: servers with replica capacity (the agent is back once the link is healed)", async () => {
    let state: any;
    for (let i = 0; i < 300; i++) {
      state = await (await fetch(`${base}/api/state`)).json();
      if (state.servers.length > 0 && state.servers[0].replicas.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state.runtime).toBe("wire");
    expect(state.namespaces).toEqual([{ name: "seldon-mesh", runtime: true, schedulerUp: true }]);
    expect(state.servers[0]).toMatchObject({ namespace: "seldon-mesh", name: "mlserver" });
    expect(state.servers[0].replicas[0].totalMemoryBytes).toBe("1000000000");
    const advance = await fetch(`${base}/api/time/advance`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ by: "1s" }) });
    expect(advance.status).toBe(409);
  });
});
