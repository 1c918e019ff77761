import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AgentRcloneDeps } from "../../src/agent/agent.ts";
import { fnv32a, type SecretLookup } from "../../src/agent/artifacts.ts";
import { uriWithConfig } from "../../src/agent/rclone-client.ts";
import { parseRcloneConfig } from "../../src/agent/rclone-config.ts";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { Rclone } from "../../src/rclone/server.ts";
import { ArtifactStore, type StorageSpec } from "../../src/rclone/store.ts";
import { Driver, FakeInferenceServer, loadOp, MIN, newAgent, type Responder } from "./harness.ts";

const GS_PUBLIC = 'type: "google cloud storage"\nname: gs\nparameters:\n  anonymous: true\n';
const MINIO = JSON.stringify({ name: "s3", type: "s3", parameters: { provider: "minio", endpoint: "http://minio:9000" } });

/** A responder backed by the real fake rclone component; `down` refuses every call as a blocked link would. */
function rcloneResponder(spec: StorageSpec) {
  const state = { rclone: new Rclone({ name: "mlserver-0", store: new ArtifactStore(spec) }), down: false };
  let n = 0;
  const respond: Responder = (method, request) => {
    if (state.down) {
      return { status: { code: Status.UNAVAILABLE, details: 'connection error: desc = "transport: Error while dialing: dial tcp 0.0.0.0:5572: connect: connection refused"' } };
    }
    const effects = state.rclone.handle({ kind: "incoming", call: `rc${++n}`, method, request, peer: "agent" }, 0);
    const reply = effects.find((e) => e.kind === "reply");
    if (reply && reply.kind === "reply") return { message: reply.message };
    const fin = effects.find((e) => e.kind === "finish");
    return { status: fin && fin.kind === "finish" ? fin.status : { code: Status.UNKNOWN, details: "no answer" } };
  };
  return { state, respond };
}

function secretsOf(secrets: Record<string, Record<string, string>>, assumeMissing: "missing" | "assumed" = "missing") {
  return { get: (ns: string, name: string): SecretLookup => (secrets[`${ns}/${name}`] ? { kind: "found", data: secrets[`${ns}/${name}`]! } : { kind: assumeMissing }) };
}

function setupWithRclone(spec: StorageSpec, secrets: Record<string, Record<string, string>>, deps: Partial<AgentRcloneDeps> = {}) {
  const server = new FakeInferenceServer();
  const rclone: AgentRcloneDeps = {
    namespace: "seldon-mesh",
    secrets: secretsOf({ "seldon-mesh/seldon-rclone-gs-public": { gs: GS_PUBLIC }, ...secrets }),
    configSecrets: ["seldon-rclone-gs-public"],
    rawConfigs: [],
    ...deps,
  };
  const agent = newAgent({ MEMORY_REQUEST: "1000000" }, { rclone });
  const d = new Driver(agent, server.respond);
  const rc = rcloneResponder(spec);
  d.rclone = rc.respond;
  return { d, server, agent, rc };
}

const withSecret = (name: string, secretName: string, uri: string, namespace = "seldon-mesh") =>
  loadOp(name, 1, 1000, {
    modelVersion: {
      model: {
        meta: { name, kubernetesMeta: { namespace, generation: 1 } },
        modelSpec: { uri, requirements: ["sklearn"], memoryBytes: 1000, storageConfig: { storageSecretName: secretName, config: "storageSecretName" } },
        deploymentSpec: { replicas: 1 },
      },
      version: 1,
    },
  });

const rcloneCalls = (d: Driver) => d.calls.filter((c) => c.method.startsWith("/seldonsim.rclone.")).map((c) => c.method.slice(c.method.lastIndexOf("/") + 1));

describe("agent start-up with rclone", () => {
  it("checks rclone before the inference server, then configures the preloaded remotes before subscribing", () => {
    const { d, agent, rc } = setupWithRclone(null, {});
    d.start();
    d.runFor(10);
    expect(agent.state).toBe("subscribed");
    const methods = d.calls.map((c) => c.method.slice(c.method.lastIndexOf("/") + 1));
    expect(methods.indexOf("Noop")).toBeLessThan(methods.indexOf("ServerLive"));
    expect(methods.indexOf("ConfigListRemotes")).toBeLessThan(methods.indexOf("Subscribe"));
    expect(rcloneCalls(d)).toEqual(["Noop", "ConfigGet", "ConfigCreate", "ConfigListRemotes", "ConfigListRemotes"]);
    expect(JSON.parse(d.callsTo(M.rclone.ConfigCreate)[0]!.request.json)).toEqual({ name: "gs", type: "google cloud storage", parameters: { anonymous: "true" }, opt: null });
    expect(rc.state.rclone.remoteNames()).toEqual(["gs"]);
    expect(d.logs("After update current set of remotes is [gs]")[0]!.fields).toEqual({ Source: "RCloneClient", func: "loadRcloneConfiguration" });
    expect(d.logs("Rclone server 0.0.0.0:5572 with model-cache:/mnt/agent/rclone")).toHaveLength(1);
  });

  it("while rclone refuses: logs Go's HTTP error under back-off, never asks the inference server, and exits after 15 minutes", () => {
    const { d, agent, rc } = setupWithRclone(null, {});
    rc.state.down = true;
    d.start();
    d.runFor(16 * MIN);
    const notReady = d.logs("Rclone not ready");
    expect(notReady.length).toBeGreaterThan(10);
    expect(notReady[0]!.fields).toEqual({ Name: "Client", func: "waitReady", error: 'Post "http://0.0.0.0:5572/rc/noop": dial tcp 0.0.0.0:5572: connect: connection refused' });
    // exponential back-off: the gaps grow
    const gaps = notReady.slice(1).map((l, i) => l.at - notReady[i]!.at);
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]! * 10);
    expect(d.callsTo(M.inference.ServerLive)).toEqual([]);
    expect(d.logs("Failed to wait for model repository to be ready")).toHaveLength(1);
    expect(d.logs("Failed to wait for all agent dependent services to be ready")[0]!.level).toBe("fatal");
    expect(d.exit?.code).toBe(1);
    expect(d.exit!.at).toBeGreaterThan(14 * MIN);
    expect(d.exit!.at).toBeLessThanOrEqual(15 * MIN);
    expect(agent.state).toBe("exited");
  });

  it("exits when a preloaded secret is missing", () => {
    const { d } = setupWithRclone([], {}, { configSecrets: ["minio-secret"] });
    d.start();
    d.runFor(10);
    expect(d.logs("Failed to load rclone defaults")[0]!.fields?.error).toBe('secrets "minio-secret" not found');
    expect(d.logs("Failed to initialise rclone config listener")[0]!.level).toBe("fatal");
    expect(d.exit?.code).toBe(1);
  });
});

describe("model artifacts through rclone", () => {
  it("downloads into <agent-folder>/rclone/<fnv32a(model-uri)>, purges the download, then loads", () => {
    const { d, server } = setupWithRclone([{ type: "gcs", bucket: "models" }], {});
    d.start();
    d.runFor(10);
    d.pushOperation(loadOp("iris", 1, 1000));
    const dst = `/mnt/agent/rclone/${fnv32a("iris_1-gs://models/iris")}`;
    expect(JSON.parse(d.callsTo(M.rclone.SyncCopy)[0]!.request.json)).toEqual({ srcFs: "gs://models/iris", dstFs: dst, createEmptySrcDirs: true });
    expect(JSON.parse(d.callsTo(M.rclone.OperationsPurge)[0]!.request.json)).toEqual({ fs: dst, remote: "" });
    expect(d.logs(`Chose path ${dst} for model iris:1`)).toHaveLength(1);
    // The line's fields in the order fn("Copy") and the two keys after it give (the order logfmt writes them in).
    const copyLine = d.logs("will copy model artifacts");
    expect(copyLine).toHaveLength(1);
    expect(Object.entries(copyLine[0]!.fields!)).toEqual([
      ["Source", "RCloneClient"],
      ["func", "Copy"],
      ["destination_uri", dst],
      ["source_uri", "gs://models/iris"],
    ]);
    expect(server.loaded.get("iris_1")).toBe("READY");
    expect(d.events().map((e) => e.event)).toEqual(["LOADED"]);
    // no storage config on the model: nothing to read
    expect(d.logs("Getting Rclone configuration")).toEqual([]);
  });

  it("a model's secret becomes an inline connection string on the copy", () => {
    const { d, server } = setupWithRclone([{ type: "s3", bucket: "models", path: "fraud" }], { "seldon-mesh/minio-secret": { s3: MINIO } });
    d.start();
    d.runFor(10);
    d.pushOperation(withSecret("fraud", "minio-secret", "s3://models/fraud"));
    expect(d.logs("Getting Rclone configuration")[0]!.fields).toEqual({ Name: "Client", func: "getArtifactConfig" });
    expect(JSON.parse(d.callsTo(M.rclone.SyncCopy)[0]!.request.json).srcFs).toBe(":s3,endpoint=\"http://minio:9000\",provider=minio://models/fraud");
    expect(server.loaded.get("fraud_1")).toBe("READY");
  });

  it("a missing secret ends LOAD_FAILED with the API server's text, before any download", () => {
    const { d, server } = setupWithRclone([], {});
    d.start();
    d.runFor(10);
    d.pushOperation(withSecret("fraud", "minio-secret", "s3://models/fraud"));
    expect(d.events()).toMatchObject([{ modelName: "fraud", event: "LOAD_FAILED", message: 'secrets "minio-secret" not found' }]);
    expect(d.callsTo(M.rclone.SyncCopy)).toEqual([]);
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toEqual([]);
    expect(server.loaded.size).toBe(0);
  });

  it("a secret with two keys, or naming another remote, fails as the agent words it", () => {
    const { d } = setupWithRclone([], { "seldon-mesh/two": { a: MINIO, b: MINIO }, "seldon-mesh/minio": { s3: MINIO } });
    d.start();
    d.runFor(10);
    d.pushOperation(withSecret("a", "two", "s3://models/a"));
    d.pushOperation(withSecret("b", "minio", "minio://models/b"));
    expect(d.events().map((e) => e.message)).toEqual([
      "Secret does not have 1 key two",
      "name from URI (minio) does not match secret (s3); are you using the right storage config?",
    ]);
  });

  it("the secrets handler keeps the namespace of the first model that needed it", () => {
    const { d } = setupWithRclone(null, { "team-a/minio": { s3: MINIO }, "team-b/minio-b": { s3: MINIO } });
    d.start();
    d.runFor(10);
    d.pushOperation(withSecret("a", "minio", "s3://models/a", "team-a"));
    d.pushOperation(withSecret("b", "minio-b", "s3://models/b", "team-b"));
    expect(d.events().map((e) => [e.modelName, e.event, e.message ?? ""])).toEqual([
      ["a", "LOADED", ""],
      ["b", "LOAD_FAILED", 'secrets "minio-b" not found'],
    ]);
  });

  it("an unknown bucket: copy, re-configure rclone, copy again, then LOAD_FAILED with the agent's text", () => {
    const { d } = setupWithRclone([{ type: "gcs", bucket: "models" }], {});
    d.start();
    d.runFor(10);
    const before = rcloneCalls(d).length;
    d.pushOperation(loadOp("wine", 1, 1000, { modelVersion: { model: { meta: { name: "wine" }, modelSpec: { uri: "gs://no-such-bucket/wine", memoryBytes: 1000 } }, version: 1 } }));
    expect(rcloneCalls(d).slice(before)).toEqual(["SyncCopy", "ConfigGet", "ConfigUpdate", "ConfigListRemotes", "ConfigListRemotes", "SyncCopy"]);
    const dst = `/mnt/agent/rclone/${fnv32a("wine_1-gs://no-such-bucket/wine")}`;
    const text = `Failed to sync/copy gs://no-such-bucket/wine to ${dst} Failed rclone request to host:0.0.0.0 port:5572 path:/sync/copy`;
    expect(d.events()).toMatchObject([{ modelName: "wine", event: "LOAD_FAILED", message: text }]);
    expect(d.logs("removed model wine_1")).toHaveLength(1);
    expect(d.callsTo(M.inference.RepositoryModelLoad)).toEqual([]);
  });

  it("an rclone that went away during a load: the copy fails with Go's HTTP error", () => {
    const { d, rc } = setupWithRclone(null, {});
    d.start();
    d.runFor(10);
    rc.state.down = true;
    d.pushOperation(loadOp("iris", 1, 1000));
    expect(d.events()[0]!.message).toMatch(/^Failed to sync\/copy gs:\/\/models\/iris to \/mnt\/agent\/rclone\/\d+ Post "http:\/\/0\.0\.0\.0:5572\/config\/get": dial tcp 0\.0\.0\.0:5572: connect: connection refused$/);
  });
});

describe("rclone connection strings from a secret", () => {
  it("quotes values holding : or , and keeps the rest of the URI", () => {
    expect(uriWithConfig("s3://b/p", MINIO)).toEqual({ uri: ':s3,endpoint="http://minio:9000",provider=minio://b/p' });
    expect(uriWithConfig("nocolon", MINIO)).toEqual({ error: "Failed to find : in nocolon for rclone name match" });
    expect(uriWithConfig(":s3:b/p", MINIO)).toEqual({ error: "Can't get remote from URI with configuration included inline" });
    expect(uriWithConfig("s3://b", "name: s3\n")).toEqual({
      error: "Key: 'RcloneConfigCreate.Type' Error:Field validation for 'Type' failed on the 'required' tag\nKey: 'RcloneConfigCreate.Parameters' Error:Field validation for 'Parameters' failed on the 'required' tag",
    });
  });

  it("fnv32a is Go's hash/fnv New32a", () => {
    expect(fnv32a("")).toBe(0x811c9dc5);
    expect(fnv32a("a")).toBe(0xe40c292c);
    expect(fnv32a("foobar")).toBe(0xbf9cf968);
  });

  it("fnv32a hashes the UTF-8 bytes of any string, as TextEncoder writes them", () => {
    const overBytes = (s: string) => {
      let h = 0x811c9dc5;
      for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
      return h;
    };
    // Two-, three- and four-byte characters, and a lone surrogate (written as U+FFFD).
    for (const s of ["é", "模型", "😀", "a\ud800b", "\udc00", "x\ud83d"]) expect(fnv32a(s)).toBe(overBytes(s));
    const units = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 });
    fc.assert(
      fc.property(units, (s) => fnv32a(s) === overBytes(s)),
      { seed: 32, numRuns: 2000 },
    );
  });
});

describe("rclone config texts", () => {
  it("each text reads the same every time, also once more texts were read than are kept", () => {
    const yaml = (i: number) => `name: r${i}\ntype: s3\nparameters:\n  endpoint: http://minio-${i}:9000\n  provider: Minio\n`;
    const json = (i: number) => JSON.stringify({ name: `j${i}`, type: "gcs", parameters: { anonymous: true, n: i } });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100; i++) {
        expect(parseRcloneConfig(yaml(i))).toEqual({ name: `r${i}`, type: "s3", parameters: { endpoint: `http://minio-${i}:9000`, provider: "Minio" }, opt: null });
        expect(parseRcloneConfig(json(i))).toEqual({ name: `j${i}`, type: "gcs", parameters: { anonymous: "true", n: String(i) }, opt: null });
      }
    }
    const bad = "name: [unclosed";
    const first = parseRcloneConfig(bad);
    expect(first).toHaveProperty("error");
    expect((first as { error: string }).error).toMatch(/^Failed to unmarshall config as json or yaml\. JSON error .*\. YAML error /);
    expect(parseRcloneConfig(bad)).toEqual(first);
  });
});
