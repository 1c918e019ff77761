/**
 * The agent's client of its rclone container (v2.9.0 `pkg/agent/rclone`): every command is an
 * HTTP POST of JSON to `http://<rclone-host>:<rclone-port>/<command>` through Go's default HTTP
 * client (no timeout), carried here as one call per command on the link to the rclone process.
 *
 * Error texts are the agent's: a refused or broken connection reads as Go's `net/http` error
 * (`Post "http://0.0.0.0:5572/rc/noop": dial tcp 0.0.0.0:5572: connect: connection refused`), and
 * any answer other than 200 as `Failed rclone request to host:… port:… path:…` — rclone's own error
 * body is dropped, as the real client drops it; rclone's log says what went wrong.
 */
import type { Address, Fields, GrpcStatus } from "../core/protocol.ts";
import { Status } from "../core/protocol.ts";
import { RC_COMMANDS, type RcCommand, type RcResponseMsg } from "../rclone/commands.ts";
import { quoteConnectionValue } from "../rclone/fs-string.ts";
import { type CallResult, callOp, fieldsPerFunction, type Kernel, type Task } from "./kernel.ts";
import { fnv32a, secretConfig, type SecretReader } from "./artifacts.ts";
import { parseRcloneConfig, sortedMap } from "./rclone-config.ts";

const SOURCE = { Source: "RCloneClient" } as const;
const fn = fieldsPerFunction(SOURCE);

export type RcResult = { ok: true; body: unknown } | { ok: false; error: string };

const EMPTY_JSON = "{}";
const EMPTY_ANSWER: RcResult = Object.freeze({ ok: true, body: Object.freeze({}) });

export interface RcloneClientOptions {
  /** `--rclone-host`, `--rclone-port`, as the agent was started. */
  host: string;
  port: number;
  /** Where downloads go: `<agent-folder>/rclone`. */
  localPath: string;
  /** The agent's namespace: where the preloaded secrets are read. */
  namespace: string;
  secrets: SecretReader;
  /** `agentConfig.rclone` of the `seldon-agent` ConfigMap. */
  configSecrets: readonly string[];
  rawConfigs: readonly string[];
}

/**
 * The fields of Copy's line, written out in the order `{ ...fn("Copy"), destination_uri, source_uri }`
 * gives: V8 copies a spread followed by new keys on a slow path, and every download logs this line.
 */
function copyFields(destination: string, source: string): Fields {
  return { Source: SOURCE.Source, func: "Copy", destination_uri: destination, source_uri: source };
}

/** The text of a transport failure as Go's net/http client prints it (without the `Post "url": ` head). */
function netError(status: GrpcStatus, host: string): string {
  const d = status.details;
  const dial = /Error while dialing: (.*?)"?$/.exec(d);
  if (dial) return dial[1]!;
  if (/produced zero addresses/.test(d)) return `dial tcp: lookup ${host}: no such host`;
  if (/EOF/.test(d)) return "EOF";
  if (status.code === Status.DEADLINE_EXCEEDED) return "context deadline exceeded";
  return d;
}

export class RcloneClient {
  constructor(
    private readonly k: Kernel,
    private readonly target: Address,
    private readonly o: RcloneClientOptions,
  ) {}

  /** The line the real client logs when it is made. */
  logCreated(): void {
    this.k.log("info", `Rclone server ${this.o.host}:${this.o.port} with model-cache:${this.o.localPath}`);
  }

  /** `call`: POST the JSON body; the answer's body, or the agent's error text. */
  *call(command: RcCommand, body: string): Task<RcResult> {
    const r = (yield callOp(this.target, RC_COMMANDS[command].method, { json: body })) as CallResult;
    if (!r.ok) return { ok: false, error: `Post "http://${this.o.host}:${this.o.port}${RC_COMMANDS[command].path}": ${netError(r.status, this.o.host)}` };
    const msg = r.message as RcResponseMsg;
    if ((msg.http_status ?? 0) !== 200) {
      return { ok: false, error: `Failed rclone request to host:${this.o.host} port:${this.o.port} path:${RC_COMMANDS[command].path}` };
    }
    // Most answers are rclone's empty object, and their body is only read: one shared result.
    if (msg.json === EMPTY_JSON) return EMPTY_ANSWER;
    try {
      return { ok: true, body: JSON.parse(msg.json ?? "") as unknown };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /** `Ready`: rclone's no-op. */
  *ready(): Task<string | undefined> {
    const r = yield* this.call("noop", JSON.stringify({ foo: "bar" }));
    return r.ok ? undefined : r.error;
  }

  /** `Copy`: the model's artifacts into `<localPath>/<fnv32a(model-uri)>`; that folder, or the error. */
  *copy(modelName: string, srcUri: string, config: string | undefined): Task<{ path: string } | { error: string }> {
    let src = srcUri;
    if (config !== undefined && config.length > 0) {
      const withConfig = uriWithConfig(srcUri, config);
      if ("error" in withConfig) return withConfig;
      src = withConfig.uri;
    }
    const dst = `${this.o.localPath}/${fnv32a(`${modelName}-${srcUri}`)}`;
    this.k.log("info", "will copy model artifacts", copyFields(dst, srcUri));
    // What JSON.stringify({ srcFs, dstFs, createEmptySrcDirs: true }) writes, without the object.
    const body = `{"srcFs":${JSON.stringify(src)},"dstFs":${JSON.stringify(dst)},"createEmptySrcDirs":true}`;
    let r = yield* this.call("syncCopy", body);
    if (!r.ok) {
      // rclone may have restarted and lost its remotes: configure it again and try once more.
      const err = yield* this.loadConfiguration();
      if (err !== undefined) return { error: `Failed to sync/copy ${srcUri} to ${dst} ${err}` };
      r = yield* this.call("syncCopy", body);
      if (!r.ok) return { error: `Failed to sync/copy ${srcUri} to ${dst} ${r.error}` };
    }
    return { path: dst };
  }

  /** `PurgeLocal`: remove a finished download. */
  *purgeLocal(path: string): Task<string | undefined> {
    const body = `{"fs":${JSON.stringify(path)},"remote":""}`;
    const r = yield* this.call("operationsPurge", body);
    return r.ok ? undefined : `Failed to run ${RC_COMMANDS.operationsPurge.path} for ${path} ${r.error}`;
  }

  /** `StartConfigListener`'s first load; the error makes the agent exit. */
  *startConfigListener(): Task<string | undefined> {
    this.k.log("info", "Loading initial rclone configuration", fn("StartConfigListener"));
    const err = yield* this.loadConfiguration();
    if (err !== undefined) this.k.log("error", "Failed to load rclone defaults", { ...fn("StartConfigListener"), error: err });
    return err;
  }

  /** `loadRcloneConfiguration`: the preloaded secrets and raw configs become rclone's remotes, others are deleted. */
  *loadConfiguration(): Task<string | undefined> {
    const added: string[] = [];
    if (this.o.configSecrets.length > 0) {
      for (const secret of this.o.configSecrets) {
        this.k.log("info", "retrieving Rclone secret", { ...fn("loadRcloneSecretsConfiguration"), secret_name: secret });
        const c = secretConfig(this.o.secrets, this.o.namespace, secret);
        if ("error" in c) return c.error;
        if (c.config === undefined) continue;
        const r = yield* this.configure(c.config);
        if ("error" in r) return r.error;
        added.push(r.name);
      }
    }
    if (this.o.rawConfigs.length > 0) {
      this.k.log("info", `found ${this.o.rawConfigs.length} Rclone configs`, fn("loadRcloneRawConfiguration"));
      for (const raw of this.o.rawConfigs) {
        this.k.log("info", "loading Rclone config", fn("loadRcloneRawConfiguration"));
        const r = yield* this.configure(raw);
        if ("error" in r) return r.error;
        added.push(r.name);
      }
    }
    const delErr = yield* this.deleteUnused(added);
    if (delErr !== undefined) this.k.log("error", "Failed to delete unused Rclone configuration", { ...fn("loadRcloneConfiguration"), error: delErr });
    const remotes = yield* this.listRemotes();
    if ("error" in remotes) return remotes.error;
    this.k.log("info", `After update current set of remotes is [${remotes.names.join(" ")}]`, fn("loadRcloneConfiguration"));
    return undefined;
  }

  /** `Config`: create the remote, or update it when rclone has one of that name. */
  private *configure(raw: string): Task<{ name: string } | { error: string }> {
    const c = parseRcloneConfig(raw);
    if ("error" in c) return c;
    const f = { ...fn("Config"), remote_name: c.name };
    this.k.log("info", "loaded config", f);
    const got = yield* this.call("configGet", JSON.stringify({ name: c.name }));
    if (!got.ok) return { error: got.error };
    if (typeof got.body !== "object" || got.body === null) return { error: "json: cannot unmarshal into Go value of type map[string]interface {}" };
    const exists = Object.keys(got.body).length > 0;
    const parameters = sortedMap(c.parameters);
    const opt = sortedMap(c.opt);
    if (exists) {
      this.k.log("info", "updating existing Rclone remote", f);
      const r = yield* this.call("configUpdate", JSON.stringify({ name: c.name, parameters, opt }));
      return r.ok ? { name: c.name } : { error: r.error };
    }
    this.k.log("info", "creating new Rclone remote", f);
    const r = yield* this.call("configCreate", JSON.stringify({ name: c.name, type: c.type, parameters, opt }));
    return r.ok ? { name: c.name } : { error: r.error };
  }

  private *listRemotes(): Task<{ names: string[] } | { error: string }> {
    const r = yield* this.call("configListRemotes", "{}");
    if (!r.ok) return { error: r.error };
    const remotes = (r.body as { remotes?: unknown } | null)?.remotes;
    return { names: Array.isArray(remotes) ? remotes.filter((x): x is string => typeof x === "string") : [] };
  }

  private *deleteUnused(keep: readonly string[]): Task<string | undefined> {
    const remotes = yield* this.listRemotes();
    if ("error" in remotes) return remotes.error;
    for (const name of remotes.names) {
      if (keep.includes(name)) continue;
      this.k.log("info", `Delete remote ${name} as not in new list of defaults`, fn("deleteUnusedRcloneConfiguration"));
      const r = yield* this.call("configDelete", JSON.stringify({ name }));
      if (!r.ok) return r.error;
    }
    return undefined;
  }
}

/**
 * `createUriWithConfig`: the URI's remote name replaced by a connection string carrying the
 * secret's config (`s3://bucket/p` → `:s3,endpoint=…:bucket/p`). Parameters are written in key
 * order; Go writes them in its map order, which varies from run to run.
 */
export function uriWithConfig(uri: string, rawConfig: string): { uri: string } | { error: string } {
  const idx = uri.indexOf(":");
  if (idx === -1) return { error: `Failed to find : in ${uri} for rclone name match` };
  if (idx === 0) return { error: "Can't get remote from URI with configuration included inline" };
  const remoteName = uri.slice(0, idx);
  const c = parseRcloneConfig(rawConfig);
  if ("error" in c) return c;
  if (c.name !== remoteName) {
    return { error: `name from URI (${remoteName}) does not match secret (${c.name}); are you using the right storage config?` };
  }
  let conn = `:${c.type}`;
  for (const k of Object.keys(c.parameters).sort()) conn += `,${k}=${quoteConnectionValue(c.parameters[k]!)}`;
  return { uri: conn + uri.slice(remoteName.length) };
}
