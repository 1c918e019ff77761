/** `seldon-sim proxy --listen HOST:PORT --target HOST:PORT --record FILE`: a recording relay. */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { startProxy } from "../../proxy/proxy.ts";

export const PROXY_HELP = `usage: seldon-sim proxy --listen HOST:PORT --target HOST:PORT [--record FILE]

Sits between two real components (plain-text gRPC): passes every call through byte for byte,
decodes the messages of Seldon's services (Scheduler, AgentService, Open Inference Protocol),
and records them, both directions, with each call's status, as JSON Lines (standard output
when no --record), until interrupted.
`;

function address(flag: string, v: string | undefined): { host: string; port: number } {
  const m = v === undefined ? null : /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new UserError(`proxy: --${flag} expects HOST:PORT, got ${v === undefined ? "nothing" : `"${v}"`}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export const proxyCommand: Command = async (argv: string[], io: CliIO) => {
  const { values } = parseFlags("proxy", argv, {
    listen: { type: "string" }, target: { type: "string" }, record: { type: "string" }, help: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(PROXY_HELP);
    return 0;
  }
  const listen = address("listen", values.listen);
  const target = address("target", values.target);
  let write = (line: string) => io.stdout(line);
  let fd: number | null = null;
  if (values.record !== undefined) {
    try {
      fd = fs.openSync(nodePath.resolve(io.cwd, values.record), "w");
    } catch (e) {
      throw new UserError(`--record: cannot write: ${(e as Error).message}`, { file: values.record });
    }
    write = (line) => void fs.writeSync(fd!, line);
  }
  const proxy = await startProxy({
    listen, target,
    onEntry: (e) => write(`${JSON.stringify(e)}\n`),
    onUnknownMethod: (p) => io.stderr(`seldon-sim proxy: ${p} is not a Seldon method; passed through without decoding\n`),
  });
  io.stderr(`seldon-sim proxy: ${listen.host}:${proxy.port} -> ${target.host}:${target.port}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await proxy.close();
  if (fd !== null) fs.closeSync(fd);
  return 0;
};
