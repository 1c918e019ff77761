/**
 * `seldon-sim completion bash`: a bash completion script. The words come from each command's
 * help text, so a new option completes as soon as it is documented.
 */
import type { Command } from "../io.ts";
import { UserError } from "../../core/errors.ts";
import { didYouMean } from "../../core/suggest.ts";
import { parseFlags } from "../args.ts";

/** Every `--flag` a help text names. */
export function flagsOf(help: string): string[] {
  return [...new Set([...help.matchAll(/(?:^|[\s,])(--[a-z][a-z-]*)/g)].map((m) => m[1]!))].sort();
}

async function helps(): Promise<Record<string, string>> {
  const [run, inspect, schedule, check, serve, demo] = await Promise.all([
    import("./run.ts"), import("./inspect.ts"), import("./schedule.ts"), import("./check.ts"), import("./serve.ts"), import("./demo.ts"),
  ]);
  const text = (m: Record<string, unknown>) => Object.entries(m).filter(([k, v]) => k.endsWith("HELP") && typeof v === "string").map(([, v]) => v as string).join("\n");
  return {
    run: run.RUN_HELP, get: inspect.GET_HELP, describe: inspect.DESCRIBE_HELP, logs: inspect.LOGS_HELP,
    schedule: text(schedule), check: text(check), serve: text(serve), demo: text(demo), completion: "",
  };
}

export const completionCommand: Command = async (argv, io) => {
  const { positionals, values } = parseFlags("completion", argv, { help: { type: "boolean", short: "h" } }, true);
  if (values.help) {
    io.stdout("usage: seldon-sim completion bash\n\nPrints a bash completion script: source <(npx seldon-sim completion bash)\n");
    return 0;
  }
  const shell = positionals[0] ?? "bash";
  if (shell !== "bash") throw new UserError(`completion: only bash is supported, got "${shell}"${didYouMean(shell, ["bash"])}`);
  const h = await helps();
  const cases = Object.entries(h).map(([cmd, help]) => {
    const extra = cmd === "get" ? " models servers pods" : cmd === "describe" ? " model" : "";
    return `    ${cmd}) words="${flagsOf(help).join(" ")}${extra}" ;;`;
  });
  io.stdout(`# bash completion for seldon-sim: source <(npx seldon-sim completion bash)
_seldon_sim() {
  local cur=\${COMP_WORDS[COMP_CWORD]} words
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(h).join(" ")}" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _seldon_sim seldon-sim
`);
  return 0;
};
