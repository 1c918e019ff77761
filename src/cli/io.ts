import type { Terminal } from "./render/terminal.ts";

/** What a CLI command may touch of the outside world; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => string;
  writeFile: (path: string, content: string) => void;
  cwd: string;
  /** Width and colour of the output; plain 80 columns when not given. */
  terminal?: Terminal;
}

/** A command takes its own arguments (after the subcommand name) and returns an exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;
