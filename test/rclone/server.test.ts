import { describe, expect, it } from "vitest";
import { Rclone } from "../../src/rclone/server.ts";
import { ArtifactStore, type StorageSpec } from "../../src/rclone/store.ts";
import { M } from "../../src/proto/index.ts";
import { parseFsString } from "../../src/rclone/fs-string.ts";
import { formatRclone } from "../../src/runtime/logfmt.ts";

/** Sends one RC command and returns rclone's HTTP status, JSON answer and log lines. */
function rc(r: Rclone, method: string, body: unknown) {
  const effects = r.handle({ kind: "incoming", call: "c1", method, request: { json: typeof body === "string" ? body : JSON.stringify(body) }, peer: "agent" }, 0);
  const reply = effects.find((e) => e.kind === "reply") as { message: { http_status: number; json: string } } | undefined;
  const logs = effects.flatMap((e) => (e.kind === "log" ? [`${e.level}: ${e.msg}`] : []));
  return { status: reply?.message.http_status, body: reply ? JSON.parse(reply.message.json) : undefined, logs };
}

const rclone = (spec: StorageSpec) => new Rclone({ name: "mlserver-0", store: new ArtifactStore(spec) });

describe("fake rclone remote control", () => {
  it("announces its address at start and echoes rc/noop", () => {
    const r = rclone(null);
    expect(r.handle({ kind: "start" }, 0)).toEqual([{ kind: "log", level: "warning", msg: "Serving remote control on http://0.0.0.0:5572/" }]);
    expect(rc(r, M.rclone.Noop, { foo: "bar" })).toEqual({ status: 200, body: { foo: "bar" }, logs: [] });
  });

  it("keeps remotes: create, get, update, list, delete", () => {
    const r = rclone([]);
    expect(rc(r, M.rclone.ConfigGet, { name: "s3" }).body).toEqual({});
    expect(rc(r, M.rclone.ConfigCreate, { name: "s3", type: "s3", parameters: { provider: "minio" }, opt: null }).status).toBe(200);
    expect(rc(r, M.rclone.ConfigUpdate, { name: "s3", parameters: { endpoint: "http://minio:9000" } }).status).toBe(200);
    expect(rc(r, M.rclone.ConfigGet, { name: "s3" }).body).toEqual({ type: "s3", provider: "minio", endpoint: "http://minio:9000" });
    expect(rc(r, M.rclone.ConfigCreate, { name: "gs", type: "google cloud storage", parameters: {} }).status).toBe(200);
    expect(rc(r, M.rclone.ConfigListRemotes, {}).body).toEqual({ remotes: ["gs", "s3"] });
    rc(r, M.rclone.ConfigDelete, { name: "s3" });
    expect(r.remoteNames()).toEqual(["gs"]);
  });

  it("answers a command with nothing to say {} with 200, every time, and an unreadable input with its error and an empty input", () => {
    const r = rclone(null);
    const copy = { srcFs: "gs://models/iris", dstFs: "/mnt/agent/rclone/1", createEmptySrcDirs: true };
    for (let i = 0; i < 2; i++) {
      expect(rc(r, M.rclone.SyncCopy, copy)).toEqual({ status: 200, body: {}, logs: [] });
      expect(rc(r, M.rclone.OperationsPurge, { fs: "/mnt/agent/rclone/1", remote: "" })).toEqual({ status: 200, body: {}, logs: [] });
    }
    const bad = rc(r, M.rclone.SyncCopy, "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'failed to read input JSON: invalid character in "{not json"', input: {}, path: "sync/copy", status: 400 });
  });

  it("copies any source when the scenario describes no storage", () => {
    const r = rclone(null);
    expect(rc(r, M.rclone.SyncCopy, { srcFs: "s3://anything/at/all", dstFs: "/mnt/agent/rclone/1", createEmptySrcDirs: true }).status).toBe(200);
  });

  it("with storage described: an unknown remote, bucket or path fails as rclone reports it, and rclone logs it", () => {
    const r = rclone([{ type: "gcs", bucket: "seldon-models", path: "mlserver/iris" }]);
    rc(r, M.rclone.ConfigCreate, { name: "gs", type: "google cloud storage", parameters: { anonymous: "true" } });
    const copy = (srcFs: string) => rc(r, M.rclone.SyncCopy, { srcFs, dstFs: "/mnt/agent/rclone/1", createEmptySrcDirs: true });

    expect(copy("gs://seldon-models/mlserver/iris").status).toBe(200);
    expect(copy("gs://seldon-models/mlserver/iris/model-settings.json").status).toBe(200);
    expect(copy("gs://seldon-models/mlserver").status).toBe(200);

    const unknownPath = copy("gs://seldon-models/mlserver/wine");
    expect(unknownPath.status).toBe(500);
    expect(unknownPath.body).toMatchObject({ error: "directory not found", path: "sync/copy", status: 500 });
    expect(unknownPath.logs).toEqual(['error: rc: "sync/copy": error: directory not found']);
    expect(copy("gs://other-bucket/iris").body.error).toBe("directory not found");
    expect(copy("s3://seldon-models/mlserver/iris").body.error).toBe(`didn't find section in config file ("s3")`);
    // A connection string carries its own type: the bucket is looked up on that backend.
    expect(copy(":gcs,anonymous=true:seldon-models/mlserver/iris").status).toBe(200);
    expect(copy(":s3,provider=minio:seldon-models/mlserver/iris").body.error).toBe("directory not found");
  });

  it("answers malformed input with 400 and unknown methods with UNIMPLEMENTED", () => {
    const r = rclone(null);
    expect(rc(r, M.rclone.SyncCopy, "{not json").status).toBe(400);
    expect(rc(r, M.rclone.SyncCopy, { dstFs: "/x" }).body.error).toBe('Didn\'t find key "srcFs" in input');
    const effects = r.handle({ kind: "incoming", call: "c2", method: "/seldonsim.rclone.RemoteControl/Mkdir", peer: "x" }, 0);
    expect(effects).toEqual([{ kind: "finish", call: "c2", status: { code: 12, details: "unknown method /seldonsim.rclone.RemoteControl/Mkdir" } }]);
  });

  it("loses its remotes on restart, as rclone's config lives in its container", () => {
    const store = new ArtifactStore([]);
    const first = new Rclone({ name: "p", store });
    rc(first, M.rclone.ConfigCreate, { name: "s3", type: "s3", parameters: {} });
    expect(first.remoteNames()).toEqual(["s3"]);
    expect(new Rclone({ name: "p", store }).remoteNames()).toEqual([]);
  });
});

describe("rclone file system strings", () => {
  it("reads named remotes, connection strings with quoted values, and local paths", () => {
    expect(parseFsString("gs://seldon-models/iris")).toEqual({ kind: "named", remote: "gs", path: "seldon-models/iris" });
    expect(parseFsString(':s3,endpoint="http://minio:9000",provider=minio:models/a')).toEqual({
      kind: "inline", type: "s3", parameters: { endpoint: "http://minio:9000", provider: "minio" }, path: "models/a",
    });
    expect(parseFsString(':s3,key="a ""b"", c":x')).toMatchObject({ parameters: { key: 'a "b", c' } });
    expect(parseFsString("/mnt/agent/rclone/12")).toEqual({ kind: "local", path: "/mnt/agent/rclone/12" });
    expect(parseFsString(':s3,endpoint="http://x')).toHaveProperty("error");
  });
});

describe("rclone log format", () => {
  it("prints rclone's date, level column and message", () => {
    const rec = { t: 1500, level: "error", msg: 'rc: "sync/copy": error: directory not found', role: "rclone" } as never;
    expect(formatRclone(rec, Date.UTC(2025, 6, 6, 14, 0, 0))).toBe('2025/07/06 14:00:01 ERROR : rc: "sync/copy": error: directory not found');
    const notice = { t: 0, level: "warning", msg: "Serving remote control on http://0.0.0.0:5572/", role: "rclone" } as never;
    expect(formatRclone(notice, Date.UTC(2025, 6, 6, 14, 0, 0))).toBe("2025/07/06 14:00:00 NOTICE: Serving remote control on http://0.0.0.0:5572/");
  });
});
