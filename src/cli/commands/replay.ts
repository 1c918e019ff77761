/** `seldon-sim replay trace.jsonl --as agent|controller --against HOST:PORT`, or `--as scheduler --listen HOST:PORT`. */
import * as nodePath from "node:path";
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { readRecording } from "../../recording/import.ts";
import { callsOf, replay, type ReplayResult, type Side } from "../../replay/replay.ts";
import { replayAsScheduler } from "../../replay/as-scheduler.ts";
import { methodName, type RecordEntry } from "../../recording/entry.ts";

export const REPLAY_HELP = `usage: seldon-sim replay RECORDING.jsonl --as agent|controller --against HOST:PORT
       seldon-sim replay RECORDING.jsonl --as scheduler [--for agent|controller] [--listen HOST:PORT]

Plays one side of a recorded conversation against a real component and compares what the
component does with the recording.

  --as agent        the agent's AgentService calls, against a scheduler's AgentService port
  --as controller   the controller's Scheduler calls, against a scheduler's Scheduler port
  --as scheduler    the scheduler's side: listens for the component under test (an agent or a
                    controller dials the scheduler), takes its calls in the recorded order,
                    compares every message it sends with the recorded one and answers from the
                    recording; stream messages (an agent's model operations, a controller's status
                    events) go out once the component has sent what preceded them in the recording

options for --as scheduler:
  --for agent|controller  which side of the recording is under test (default: the one the
                          recording holds, when it holds only one)
  --listen HOST:PORT      where to listen (default 127.0.0.1:9005 for an agent, 127.0.0.1:9004
                          for a controller)

Exit 0 when everything matched, 1 with the first divergence as a message diff.
`;

const DEFAULT_PORT: Record<Side, number> = { agent: 9005, controller: 9004 };

function hostPort(flag: string, v: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new UserError(`replay: --${flag} expects HOST:PORT, got "${v}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** The side under test for `--as scheduler`: named, or the only one the recording holds. */
function peerOf(entries: readonly RecordEntry[], named: string | undefined, file: string): Side {
  if (named !== undefined) {
    if (named !== "agent" && named !== "controller") throw new UserError(`replay: --for expects agent or controller, got "${named}"`);
    return named;
  }
  const held = (["agent", "controller"] as const).filter((s) => callsOf(entries, s).length > 0);
  if (held.length === 1) return held[0]!;
  throw new UserError(held.length === 0
    ? `replay: ${file}: holds no agent or controller calls to answer`
    : `replay: ${file}: holds both agent and controller calls; say which is under test with --for agent or --for controller`);
}

export const replayCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("replay", argv, {
    as: { type: "string" }, against: { type: "string" }, listen: { type: "string" }, for: { type: "string" }, help: { type: "boolean" },
  }, true);
  if (values.help) {
    io.stdout(REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError("replay: expected one recording file");
  const as = values.as;
  if (as !== "agent" && as !== "controller" && as !== "scheduler") throw new UserError(`replay: --as expects agent, controller or scheduler, got ${as === undefined ? "nothing" : `"${as}"`}`);
  const file = positionals[0]!;
  let r: ReplayResult;
  if (as === "scheduler") {
    if (values.against !== undefined) throw new UserError("replay: --against does not apply to --as scheduler (the component under test dials us); use --listen HOST:PORT");
    const named = values.listen === undefined ? null : hostPort("listen", values.listen);
    const entries = readRecording(io.readFile(nodePath.resolve(io.cwd, file)), file);
    const peer = peerOf(entries, values.for, file);
    const listen = named ?? { host: "127.0.0.1", port: DEFAULT_PORT[peer] };
    const running = await replayAsScheduler(entries, peer, listen).catch((e: Error) => {
      throw new UserError(`replay: --listen ${listen.host}:${listen.port}: cannot listen (${e.message})`);
    });
    io.stderr(`replay: as the scheduler for the ${peer} on ${listen.host}:${running.port}\n`);
    const interrupt = () => running.stop();
    process.once("SIGINT", interrupt);
    r = await running.result;
    process.off("SIGINT", interrupt);
  } else {
    if (values.listen !== undefined || values.for !== undefined) throw new UserError(`replay: --${values.listen !== undefined ? "listen" : "for"} applies only to --as scheduler`);
    if (!values.against || !/^.+:\d{1,5}$/.test(values.against)) throw new UserError(`replay: --against expects HOST:PORT, got ${values.against === undefined ? "nothing" : `"${values.against}"`}`);
    const entries = readRecording(io.readFile(nodePath.resolve(io.cwd, file)), file);
    r = await replay(entries, as, values.against);
  }
  if (!r.divergence) {
    const what = as === "scheduler" ? "message(s) as recorded" : "answer(s) as recorded";
    io.stdout(`replay: ${r.calls} call(s) as the ${as}, ${r.compared} ${what}\n`);
    return 0;
  }
  const d = r.divergence;
  const where = d.stream < 0 ? "no recorded call" : `recorded call ${d.stream}`;
  io.stdout(`replay: first divergence in ${methodName(d.method)} (${where}), ${as === "scheduler" ? "message" : "answer"} ${d.index}:\n`);
  for (const line of d.diff.slice(0, 20)) io.stdout(`  ${line}\n`);
  io.stdout(`  recorded: ${JSON.stringify(d.recorded)}\n  actual:   ${JSON.stringify(d.actual)}\n`);
  return 1;
};
