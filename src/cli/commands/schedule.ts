/**
 * `seldon-sim schedule`: explains where Seldon Core v2.9.0 would place one model, given a
 * snapshot of the scheduler's store.
 */
import { resolve } from "node:path";
import { UserError } from "../../core/errors.ts";
import {
  decide,
  parseSnapshot,
  renderDecisionJson,
  renderDecisionText,
  resolveChains,
  type ChainNames,
} from "../../scheduling/index.ts";
import { didYouMean } from "../../core/suggest.ts";
import { CHAIN_OPTIONS, pluginList, type ChainOption } from "../chains.ts";
import type { CliIO, Command } from "../io.ts";

const USAGE = `usage: seldon-sim schedule --input <snapshot.json | -> [--json]
                          [--server-filters a,b] [--replica-filters a,b]
                          [--server-sorters a,b] [--replica-sorters a,b]

Decides where Seldon Core v2.9.0 would place the snapshot's model and explains why.
Each chain option takes a comma-separated list of plugin names ("" = no plugins);
without it the chain is Seldon's default. See docs/schedule.md.
`;

const FLAGS = ["--input", "--json", "--help", ...Object.keys(CHAIN_OPTIONS).map((o) => `--${o}`)];

interface Options {
  input: string | undefined;
  json: boolean;
  help: boolean;
  chains: { -readonly [K in keyof ChainNames]: string[] };
}

/** The chain option a `--flag` names, if it names one. */
function chainOption(flag: string): ChainOption | undefined {
  const name = flag.slice(2);
  return flag.startsWith("--") && Object.hasOwn(CHAIN_OPTIONS, name) ? (name as ChainOption) : undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { input: undefined, json: false, help: false, chains: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined) throw new UserError(`${flag} needs a value`);
      i++;
      return next;
    };
    const chain = chainOption(flag);
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--json") {
      if (eq >= 0) throw new UserError("--json takes no value");
      opts.json = true;
    } else if (flag === "--input") opts.input = takeValue();
    else if (chain) opts.chains[CHAIN_OPTIONS[chain]] = pluginList(takeValue());
    else if (flag.startsWith("-")) throw new UserError(`unknown option ${flag}${didYouMean(flag, FLAGS)}`);
    else throw new UserError(`unexpected argument "${arg}" (the snapshot goes after --input)`);
  }
  return opts;
}

function readInput(io: CliIO, input: string): { text: string; file: string } {
  const file = input === "-" ? "<stdin>" : input;
  const path = input === "-" ? "/dev/stdin" : resolve(io.cwd, input);
  try {
    return { text: io.readFile(path), file };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : e instanceof Error ? e.message : String(e);
    throw new UserError(`cannot read the snapshot: ${why}`, { file });
  }
}

export const scheduleCommand: Command = async (argv, io) => {
  try {
    const opts = parseArgs(argv);
    if (opts.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (opts.input === undefined) throw new UserError("missing --input <snapshot.json>");
    const chains = resolveChains(opts.chains);
    const { text, file } = readInput(io, opts.input);
    const snapshot = parseSnapshot(text, file);
    const decision = decide(snapshot, chains);
    io.stdout(opts.json ? renderDecisionJson(decision) : renderDecisionText(decision, chains));
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr(`error: ${e.describe()}\n`);
      return 2;
    }
    throw e;
  }
};
