/**
 * `seldon-sim verify --contract X.yaml (--against HOST:PORT | -- COMMAND...)`: the fakes a
 * contract needs around a component under test, its stimuli, every message recorded, and a
 * verdict per clause. Exit 0 when every clause passed, 1 when one failed, 2 for bad input.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type { CliIO, Command } from "../io.ts";
import { intFlag, parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { loadContractFile } from "../../contracts/parse.ts";
import { verifyContract, type Under } from "../../contracts/verify.ts";
import { renderContractJunit, renderVerdict } from "../../contracts/report.ts";

export const VERIFY_HELP = `usage: seldon-sim verify --contract FILE [options] (--against HOST:PORT | --fake | -- COMMAND [ARG...])

Starts the fakes a contract's scenario needs around the component under test, plays the
scenario's stimuli on the wall clock, records every gRPC message, and judges each clause.

  --against HOST:PORT   a scheduler (its Scheduler service; --agent-port for its AgentService,
                        default PORT+1) or an MLServer (its gRPC port) that is already running
  -- COMMAND ...        start the component under test; it is given our ports in its environment
                        (SELDON_SCHEDULER_HOST/PORT, SELDON_SERVER_GRPC_PORT/HTTP_PORT, ... and
                        SELDON_SIM_*) and in {placeholders} in its arguments (see docs/contracts.md)
  --fake                judge seldon-sim's own component (in the sim runtime)

options:
  --contract FILE       the contract (repeatable with --fake)
  --agent-port N        with --against for a scheduler: its AgentService port
  --record FILE         write every message and status as JSON Lines
  --junit FILE          write a JUnit XML report, one test case per clause
  --seed N              seed of the fakes' random choices (default: the scenario's)
  --logs                print the fakes' and the command's log lines on standard error
`;

export const verifyCommand: Command = async (argv: string[], io: CliIO) => {
  const dash = argv.indexOf("--");
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const command = dash >= 0 ? argv.slice(dash + 1) : [];
  const { values } = parseFlags("verify", own, {
    contract: { type: "string", multiple: true },
    against: { type: "string" },
    "agent-port": { type: "string" },
    fake: { type: "boolean" },
    record: { type: "string" },
    junit: { type: "string" },
    seed: { type: "string" },
    logs: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(VERIFY_HELP);
    return 0;
  }
  const contracts = values.contract ?? [];
  if (contracts.length === 0) throw new UserError("verify: --contract FILE is required");
  const modes = [values.against !== undefined, dash >= 0, values.fake === true].filter(Boolean).length;
  if (modes !== 1) throw new UserError("verify: give exactly one of --against HOST:PORT, --fake, or -- COMMAND ...");
  if (dash >= 0 && command.length === 0) throw new UserError("verify: nothing after `--`: expected the command that starts the component under test");
  if (contracts.length > 1 && !values.fake) throw new UserError("verify: one --contract at a time with --against or a command");
  let under: Under;
  if (values.against !== undefined) {
    const m = /^(.+):(\d{1,5})$/.exec(values.against);
    if (!m || Number(m[2]) > 65535) throw new UserError(`verify: --against expects HOST:PORT, got "${values.against}"`);
    under = { kind: "against", host: m[1]!, port: Number(m[2]), ...(values["agent-port"] !== undefined ? { agentPort: intFlag("verify", "agent-port", values["agent-port"], 0, 1) } : {}) };
  } else if (dash >= 0) {
    under = { kind: "command", argv: command, cwd: io.cwd, ...(values.logs ? { onOutput: (t: string) => io.stderr(t) } : { onOutput: () => {} }) };
  } else {
    under = { kind: "fake", runtime: "sim" };
  }
  const seed = values.seed === undefined ? undefined : intFlag("verify", "seed", values.seed, 0);
  let fd: number | null = null;
  if (values.record !== undefined) {
    try {
      fd = fs.openSync(nodePath.resolve(io.cwd, values.record), "w");
    } catch (e) {
      throw new UserError(`--record: cannot write: ${(e as Error).message}`, { file: values.record });
    }
  }
  const results = [];
  try {
    for (const file of contracts) {
      const contract = loadContractFile(nodePath.resolve(io.cwd, file));
      const r = await verifyContract(contract, under, {
        ...(seed !== undefined ? { seed } : {}),
        ...(fd !== null ? { onEntry: (e) => fs.writeSync(fd!, `${JSON.stringify(e)}\n`) } : {}),
        ...(values.logs ? { log: (l: string) => io.stderr(`${l}\n`) } : {}),
      });
      results.push(r);
      io.stdout(renderVerdict(r));
    }
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  if (values.junit) io.writeFile(nodePath.resolve(io.cwd, values.junit), renderContractJunit(results));
  return results.every((r) => r.verdicts.every((v) => v.passed)) ? 0 : 1;
};
