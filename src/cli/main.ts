/** `seldon-sim <command> [...]`: dispatch to a command, turn user errors into one clean line. */
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";
import { UserError } from "../core/errors.ts";
import { didYouMean } from "../core/suggest.ts";
import type { CliIO, Command } from "./io.ts";
import { versionLine } from "../core/version.ts";
import { terminalOf } from "./render/terminal.ts";

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: "run scenario files or folders (default: the bundled scenarios)", load: async () => (await import("./commands/run.ts")).runCommand },
  demo: { summary: "one model loaded end to end on a 2-replica mlserver", load: async () => (await import("./commands/demo.ts")).demoCommand },
  serve: { summary: "run the wire runtime as a standalone process on real ports", load: async () => (await import("./commands/serve.ts")).serveCommand },
  schedule: { summary: "explain one scheduling decision from a snapshot file", load: async () => (await import("./commands/schedule.ts")).scheduleCommand },
  agent: { summary: "seldon-sim's agent on its own, for a real scheduler and inference server", load: async () => (await import("./commands/agent.ts")).agentCommand },
  proxy: { summary: "a recording relay between two real components", load: async () => (await import("./commands/proxy.ts")).proxyCommand },
  import: { summary: "turn a recording into a scenario to replay in sim", load: async () => (await import("./commands/import.ts")).importCommand },
  replay: { summary: "play one side of a recording against a component; report the first divergence", load: async () => (await import("./commands/replay.ts")).replayCommand },
  verify: { summary: "judge a component under test against a behavioural contract", load: async () => (await import("./commands/verify.ts")).verifyCommand },
  get: { summary: "kubectl get models|servers|pods (-o wide|yaml|json, -n/-A) of a scenario's end state", load: async () => (await import("./commands/inspect.ts")).getCommand },
  describe: { summary: "kubectl describe model NAME: status, why not Ready, decisions", load: async () => (await import("./commands/inspect.ts")).describeCommand },
  logs: { summary: "a scenario's component logs, filtered by namespace, pod, container, level, model", load: async () => (await import("./commands/inspect.ts")).logsCommand },
  completion: { summary: "print a bash completion script (source <(seldon-sim completion bash))", load: async () => (await import("./commands/completion.ts")).completionCommand },
  check: { summary: "property-based testing over generated clusters, models and faults", load: async () => (await import("./commands/check.ts")).checkCommand },
  merge: { summary: "merge the JSON or JUnit results of check or run shards into one report", load: async () => (await import("./commands/merge.ts")).mergeCommand },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: seldon-sim <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'seldon-sim <command> --help' for a command's options, 'seldon-sim --version' for the versions.\n`;
}

export function nodeIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readFile: (p) => {
      try {
        return fs.readFileSync(p, "utf8");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UserError(code === "ENOENT" ? "no such file" : `cannot read: ${(e as Error).message}`, { file: p });
      }
    },
    writeFile: (p, c) => fs.writeFileSync(p, c),
    cwd: process.cwd(),
    terminal: terminalOf(process.stdout, process.env),
  };
}

export async function main(argv: string[], io: CliIO = nodeIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.stdout(`${versionLine()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`error: unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr(`error: ${e.describe()}\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * What the `seldon-sim` executable does: run `main` on the process's arguments and set its exit
 * status. Our own faults are one line (exit 70) unless SELDON_SIM_DEBUG asks for the stack; a
 * reader that went away (`seldon-sim run | head`) is not an error.
 */
export async function runFromCommandLine(): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`seldon-sim: internal error: ${message}\n`);
    if (process.env.SELDON_SIM_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ""}\n`);
    else process.stderr.write("(set SELDON_SIM_DEBUG=1 for the stack trace; please report it)\n");
    process.exitCode = 70;
  }
}

// Run as a script (`npx tsx src/cli/main.ts run ...`), not imported by bin/seldon-sim.js.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  await runFromCommandLine();
}
