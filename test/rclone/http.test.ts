import { afterEach, describe, expect, it } from "vitest";
import { Session } from "../../src/cluster/session.ts";
import { createRcloneHttpApp } from "../../src/rclone/http.ts";
import { Rclone } from "../../src/rclone/server.ts";
import { ArtifactStore } from "../../src/rclone/store.ts";
import type { ClusterSpec } from "../../src/scenario/types.ts";

function appOver(r: Rclone) {
  let n = 0;
  return createRcloneHttpApp(async (method, request) => {
    const effects = r.handle({ kind: "incoming", call: `h${++n}`, method, request, peer: "rest" }, 0);
    const reply = effects.find((e) => e.kind === "reply");
    return reply && reply.kind === "reply" ? { ok: true, message: reply.message } : { ok: false, code: 12, details: "unimplemented" };
  });
}

describe("rclone's HTTP remote control", () => {
  it("answers POST /<command> with rclone's status and JSON", async () => {
    const app = appOver(new Rclone({ name: "p", store: new ArtifactStore([{ type: "s3", bucket: "models" }]) }));
    const noop = await app.inject({ method: "POST", url: "/rc/noop", payload: '{"foo":"bar"}', headers: { "content-type": "application/json" } });
    expect([noop.statusCode, noop.json()]).toEqual([200, { foo: "bar" }]);
    await app.inject({ method: "POST", url: "/config/create", payload: JSON.stringify({ name: "s3", type: "s3", parameters: {} }) });
    const copy = await app.inject({ method: "POST", url: "/sync/copy", payload: JSON.stringify({ srcFs: "s3:nope/x", dstFs: "/tmp/x" }) });
    expect(copy.statusCode).toBe(500);
    expect(copy.json()).toMatchObject({ error: "directory not found", path: "sync/copy" });
    const unknown = await app.inject({ method: "POST", url: "/core/quit", payload: "{}" });
    expect([unknown.statusCode, unknown.json().error]).toEqual([404, 'couldn\'t find method "core/quit"']);
    await app.close();
  });
});

describe("rclone in the wire runtime", () => {
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it("listens on real HTTP on loopback for outside peers", async () => {
    const cluster: ClusterSpec = {
      controllerNamespace: null,
      namespaces: [{ name: "ns", runtime: true }],
      servers: [{ name: "mlserver", namespace: "ns", replicas: 1, type: "mlserver", env: {}, agentFlags: {}, inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false }, origin: { file: "t", path: "" } }],
    };
    session = await Session.start(cluster, { runtime: "wire", seed: 1 });
    const transport = session.engine.transport as unknown as { listeners: Array<{ key: string; host: string; port: number; protocol: string }> };
    const rc = transport.listeners.find((l) => l.key === "ns/mlserver-0:5572");
    expect(rc?.protocol).toBe("http");
    const res = await fetch(`http://${rc!.host}:${rc!.port}/config/listremotes`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ remotes: [] });
  });
});
