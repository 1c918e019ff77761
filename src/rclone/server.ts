/**
 * The rclone container of a Seldon server pod (`rclone rcd --rc-no-auth --rc-addr=0.0.0.0:5572`,
 * rclone 1.69 in the v2.9.0 image) as a sans-IO component: the remote-control commands the agent
 * uses, over the remotes it has been told about and the object store the scenario describes.
 *
 * What it keeps: the configured remotes (name → type and parameters), lost on restart as rclone
 * keeps them in a config file inside its container. What it does not: files. A successful copy
 * creates nothing we could list; a purge always succeeds.
 */
import { OK_STATUS, Status, type CallId, type Component, type Effect, type Input, type Listener, type Millis } from "../core/protocol.ts";
import { SERVICES } from "../proto/index.ts";
import { commandOfMethod, RC_COMMANDS, RCLONE_DEFAULT_PORT, type RcCommand, type RcRequestMsg, type RcResponseMsg } from "./commands.ts";
import { parseFsString } from "./fs-string.ts";
import { ArtifactStore } from "./store.ts";

export interface RcloneOptions {
  name: string;
  port?: number;
  store: ArtifactStore;
}

interface Remote {
  type: string;
  parameters: Record<string, string>;
}

type Body = Record<string, unknown>;
type Outcome = { ok: true; body: Body } | { ok: false; status: number; error: string };

/** The answer of a command that has nothing to say: `{}`, shared (never written to) and written once. */
const EMPTY_BODY: Body = Object.freeze({});
const EMPTY_JSON = JSON.stringify(EMPTY_BODY);
const DONE: Outcome = Object.freeze({ ok: true, body: EMPTY_BODY });
/** Its reply: every copy and purge of a download answers it, so one shared message (only read). */
const DONE_REPLY: RcResponseMsg = Object.freeze({ http_status: 200, json: EMPTY_JSON });

/** rclone's error when a command's input lacks a key. */
const missingKey = (key: string): Outcome => ({ ok: false, status: 400, error: `Didn't find key "${key}" in input` });

export class Rclone implements Component {
  readonly role = "rclone";
  readonly name: string;
  readonly listeners: Listener[];
  private readonly port: number;
  private readonly store: ArtifactStore;
  private readonly remotes = new Map<string, Remote>();
  private out: Effect[] = [];

  constructor(options: RcloneOptions) {
    this.name = options.name;
    this.port = options.port ?? RCLONE_DEFAULT_PORT;
    this.store = options.store;
    this.listeners = [{ port: this.port, services: [SERVICES.rclone] }];
  }

  /** Names of the configured remotes, sorted as `config/listremotes` returns them. */
  remoteNames(): string[] {
    return [...this.remotes.keys()].sort();
  }

  handle(input: Input, _now: Millis): Effect[] {
    this.out = [];
    if (input.kind === "start") {
      this.log("warning", `Serving remote control on http://0.0.0.0:${this.port}/`);
    } else if (input.kind === "incoming") {
      this.onCall(input.call, input.method, input.request as RcRequestMsg | undefined);
    }
    return this.out;
  }

  private log(level: "info" | "warning" | "error", msg: string): void {
    this.out.push({ kind: "log", level, msg });
  }

  private onCall(call: CallId, method: string, request: RcRequestMsg | undefined): void {
    const command = commandOfMethod(method);
    if (command === undefined) {
      this.out.push({ kind: "finish", call, status: { code: Status.UNIMPLEMENTED, details: `unknown method ${method}` } });
      return;
    }
    // An input that cannot be read shows as rclone's empty object in the error.
    let input: Body = EMPTY_BODY;
    let outcome: Outcome;
    const text = request?.json ?? "";
    try {
      const parsed: unknown = text.trim() === "" ? {} : JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Body;
      outcome = this.run(command, input);
    } catch {
      outcome = { ok: false, status: 400, error: `failed to read input JSON: invalid character in ${JSON.stringify(text.slice(0, 40))}` };
    }
    let reply: RcResponseMsg;
    if (outcome.ok) {
      reply = outcome.body === EMPTY_BODY ? DONE_REPLY : { http_status: 200, json: JSON.stringify(outcome.body) };
    } else {
      const path = RC_COMMANDS[command].path.slice(1);
      this.log("error", `rc: "${path}": error: ${outcome.error}`);
      reply = { http_status: outcome.status, json: JSON.stringify({ error: outcome.error, input, path, status: outcome.status }) };
    }
    this.out.push({ kind: "reply", call, message: reply }, { kind: "finish", call, status: OK_STATUS });
  }

  private run(command: RcCommand, input: Body): Outcome {
    switch (command) {
      case "noop":
        return { ok: true, body: input };
      case "configGet": {
        const name = stringOf(input.name);
        if (name === undefined) return missingKey("name");
        const r = this.remotes.get(name);
        // An unknown remote reads as an empty section.
        return r ? { ok: true, body: { type: r.type, ...r.parameters } } : DONE;
      }
      case "configCreate":
      case "configUpdate": {
        const name = stringOf(input.name);
        if (name === undefined) return missingKey("name");
        const parameters = stringMap(input.parameters);
        if (command === "configCreate") {
          const type = stringOf(input.type);
          if (type === undefined) return missingKey("type");
          this.remotes.set(name, { type, parameters });
        } else {
          const r = this.remotes.get(name);
          if (!r) return { ok: false, status: 500, error: `couldn't find type field in config` };
          this.remotes.set(name, { type: r.type, parameters: { ...r.parameters, ...parameters } });
        }
        return DONE;
      }
      case "configListRemotes":
        return { ok: true, body: { remotes: this.remoteNames() } };
      case "configDelete": {
        const name = stringOf(input.name);
        if (name === undefined) return missingKey("name");
        this.remotes.delete(name);
        return DONE;
      }
      case "syncCopy": {
        const src = stringOf(input.srcFs);
        if (src === undefined) return missingKey("srcFs");
        if (stringOf(input.dstFs) === undefined) return missingKey("dstFs");
        return this.copyFrom(src);
      }
      case "operationsPurge":
        if (stringOf(input.fs) === undefined) return missingKey("fs");
        return DONE;
    }
  }

  private copyFrom(src: string): Outcome {
    const fs = parseFsString(src);
    if ("error" in fs) return { ok: false, status: 500, error: fs.error };
    let type: string;
    if (fs.kind === "local") type = "local";
    else if (fs.kind === "inline") type = fs.type;
    else {
      const r = this.remotes.get(fs.remote);
      if (!r) {
        // A scenario that describes no storage has every remote too.
        if (!this.store.described) return DONE;
        return { ok: false, status: 500, error: `didn't find section in config file (${JSON.stringify(fs.remote)})` };
      }
      type = r.type;
    }
    const found = this.store.lookup(type, fs.path);
    return found.ok ? DONE : { ok: false, status: 500, error: found.error };
  }
}

function stringOf(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") out[k] = String(x);
  }
  return out;
}
