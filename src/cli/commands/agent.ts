/**
 * `seldon-sim agent`: our agent as a standalone process, for a real scheduler and inference server
 * (or for `verify`, which starts it as a component under test with our fakes' ports).
 */
import type { CliIO, Command } from "../io.ts";
import { intFlag, parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { startStandaloneAgent } from "../../roles/standalone-agent.ts";
import { openRecording } from "../../recording/file.ts";
import { formatWithSource } from "../../runtime/logfmt.ts";
import type { Engine } from "../../runtime/engine.ts";

export const AGENT_HELP = `usage: seldon-sim agent [options]

Runs seldon-sim's v2.9.0 agent on its own, against a real scheduler and inference server, until
interrupted. Its configuration is the environment Seldon's agent reads (POD_NAME, POD_NAMESPACE,
MEMORY_REQUEST, SELDON_SERVER_CAPABILITIES, SELDON_SCHEDULER_HOST/PORT, SELDON_SERVER_GRPC_PORT,
SELDON_SERVER_HTTP_PORT, ...); the options below win over it.

options:
  --scheduler HOST:PORT   the scheduler's AgentService (default SELDON_SCHEDULER_HOST:SELDON_SCHEDULER_PORT)
  --inference HOST:PORT   the inference server's gRPC port (default 127.0.0.1:SELDON_SERVER_GRPC_PORT)
  --inference-http-port N the inference server's REST port (default SELDON_SERVER_HTTP_PORT or 9000)
  --record FILE           record every gRPC message as JSON Lines
  --quiet                 do not print the agent's log lines
`;

function hostPort(flag: string, v: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535 || Number(m[2]) === 0) throw new UserError(`agent: --${flag} expects HOST:PORT, got "${v}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

export const agentCommand: Command = async (argv: string[], io: CliIO) => {
  const { values } = parseFlags("agent", argv, {
    scheduler: { type: "string" },
    inference: { type: "string" },
    "inference-http-port": { type: "string" },
    record: { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(AGENT_HELP);
    return 0;
  }
  const env = process.env;
  const loopback = (h: string | undefined) => (h === undefined || h === "" || h === "0.0.0.0" ? "127.0.0.1" : h);
  const scheduler = hostPort("scheduler", values.scheduler ?? `${loopback(env.SELDON_SCHEDULER_HOST)}:${env.SELDON_SCHEDULER_PORT ?? "9005"}`);
  const inference = hostPort("inference", values.inference ?? `${loopback(env.SELDON_INFERENCE_HOST)}:${env.SELDON_SERVER_GRPC_PORT ?? "9500"}`);
  const httpPort = intFlag("agent", "inference-http-port", values["inference-http-port"] ?? env.SELDON_SERVER_HTTP_PORT, 9000, 1);
  const recording = values.record === undefined ? null : openRecording(values.record);
  const running = await startStandaloneAgent({
    scheduler, inference: { host: inference.host, grpcPort: inference.port, httpPort }, env,
    ...(recording ? { observe: (e: Engine) => void recording.attach(e) } : {}),
  });
  if (!values.quiet) {
    const engine = running.session.engine;
    for (const r of engine.logs) io.stderr(`${formatWithSource(r, engine.epochMs)}\n`);
    engine.onLog.push((r) => io.stderr(`${formatWithSource(r, engine.epochMs)}\n`));
  }
  io.stdout(`seldon-sim agent: scheduler ${scheduler.host}:${scheduler.port}, inference ${inference.host}:${inference.port}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await running.stop();
  recording?.close();
  return 0;
};
