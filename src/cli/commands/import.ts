/** `seldon-sim import trace.jsonl > scenario.yaml`: a recording becomes a scenario to replay in sim. */
import * as nodePath from "node:path";
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { importScenario, readRecording } from "../../recording/import.ts";

export const IMPORT_HELP = `usage: seldon-sim import RECORDING.jsonl [--name NAME] > scenario.yaml

Turns a recording (from --record or seldon-sim proxy) into a scenario: the servers and replicas
with the memory and capabilities their agents announced, the models the controller sent, and the
order and times of its LoadModel and UnloadModel calls.
`;

export const importCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("import", argv, { name: { type: "string" }, help: { type: "boolean" } }, true);
  if (values.help) {
    io.stdout(IMPORT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError("import: expected one recording file");
  const file = positionals[0]!;
  const entries = readRecording(io.readFile(nodePath.resolve(io.cwd, file)), file);
  io.stdout(importScenario(entries, values.name ?? `imported/${nodePath.basename(file).replace(/\.jsonl?$/, "")}`));
  return 0;
};
