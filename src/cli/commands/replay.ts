/** `seldon-sim replay trace.jsonl --as agent|controller --against HOST:PORT`. */
import * as nodePath from "node:path";
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { readRecording } from "../../recording/import.ts";
import { replay, type Side } from "../../replay/replay.ts";
import { methodName } from "../../recording/entry.ts";

export const REPLAY_HELP = `usage: seldon-sim replay RECORDING.jsonl --as agent|controller --against HOST:PORT

Plays one side of a recorded conversation against a real component: as the agent (its
AgentService calls, against a scheduler's AgentService port) or as the controller (its Scheduler
calls, against a scheduler's Scheduler port), at the recorded times, and compares every answer
with the recording. Exit 0 when everything matched, 1 with the first divergence as a message diff.
`;

export const replayCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("replay", argv, { as: { type: "string" }, against: { type: "string" }, help: { type: "boolean" } }, true);
  if (values.help) {
    io.stdout(REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError("replay: expected one recording file");
  if (values.as === "scheduler") throw new UserError("replay: --as scheduler is not supported yet (a scheduler is dialled by its peers); use --as agent or --as controller");
  if (values.as !== "agent" && values.as !== "controller") throw new UserError(`replay: --as expects agent or controller, got ${values.as === undefined ? "nothing" : `"${values.as}"`}`);
  if (!values.against || !/^.+:\d{1,5}$/.test(values.against)) throw new UserError(`replay: --against expects HOST:PORT, got ${values.against === undefined ? "nothing" : `"${values.against}"`}`);
  const file = positionals[0]!;
  const entries = readRecording(io.readFile(nodePath.resolve(io.cwd, file)), file);
  const r = await replay(entries, values.as as Side, values.against);
  if (!r.divergence) {
    io.stdout(`replay: ${r.calls} call(s) as the ${values.as}, ${r.compared} answer(s) as recorded\n`);
    return 0;
  }
  const d = r.divergence;
  io.stdout(`replay: first divergence in ${methodName(d.method)} (recorded call ${d.stream}), answer ${d.index}:\n`);
  for (const line of d.diff.slice(0, 20)) io.stdout(`  ${line}\n`);
  io.stdout(`  recorded: ${JSON.stringify(d.recorded)}\n  actual:   ${JSON.stringify(d.actual)}\n`);
  return 1;
};
